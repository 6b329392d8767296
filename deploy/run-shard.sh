#!/usr/bin/env bash
# One shard of a study, for any scheduler (deploy/kubernetes, deploy/slurm): trains shard K
# of N into $OPTBENCH_OUT/shard-K-of-N, or, when an earlier attempt left a run there,
# continues it (--resume), so a retried pod or a requeued task picks up where it stopped.
# Every shard trains with the matmul kernels in $OPTBENCH_OUT/kernels.json (see below).
#
#   usage: deploy/run-shard.sh K N          (1 <= K <= N)
#   OPTBENCH_OUT   the study's directory, shared by every shard and the merge
#   OPTBENCH_ARGS  the study's options, the same for every shard, e.g.
#                  "--datasets mnist --hyper adam.lr=1e-4,3e-4,1e-3 --seed-count 20"
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 K N (shard K of N)" >&2
  exit 2
fi
k=$1
n=$2
out=$(realpath -m "${OPTBENCH_OUT:?set OPTBENCH_OUT to the shared directory of the study}")
dir="$out/shard-$k-of-$n"
cd "$(dirname "$0")/.."
# Training runs as `exec npm run bench`: npm relays SIGTERM and SIGINT to the benchmark,
# which stops after the current step, writes the report of what finished and exits with
# 143 or 130; a retried task resumes from the journal (docs/running.md).
if [ -f "$dir/journal.jsonl" ]; then
  exec npm run --silent bench -- --resume "$dir"
fi
mkdir -p "$out"
# The first shard to finish measuring publishes its kernel choices as $out/kernels.json: a
# hard link is atomic and fails where the file exists, so every shard reads the one file
# that won (kernels tuned apart may sum in other orders, and the merge would differ from one
# run in the last bits). To pin choices of your own, put them there before the shards start.
kernels="$out/kernels.json"
if [ ! -f "$kernels" ]; then
  mine="$out/.kernels-$k-of-$n.$$.json"
  # OPTBENCH_ARGS is a list of options: split on blanks on purpose. The measuring runs in
  # the background so that a SIGTERM or SIGINT (a preemption; bash runs no trap while a
  # foreground command runs) reaches it at once: it holds nothing worth saving, so it is
  # ended with SIGTERM (a background job of a script ignores SIGINT) and this script exits
  # as a stopped run does (143, 130).
  # shellcheck disable=SC2086
  npm run --silent bench -- ${OPTBENCH_ARGS:-} --tune-only --out "$mine" &
  tuner=$!
  trap 'kill -TERM "$tuner" 2>/dev/null; wait "$tuner"; rm -f "$mine"; exit 143' TERM
  trap 'kill -TERM "$tuner" 2>/dev/null; wait "$tuner"; rm -f "$mine"; exit 130' INT
  wait "$tuner"
  trap - TERM INT
  ln "$mine" "$kernels" 2>/dev/null || true
  rm -f "$mine"
  if [ ! -f "$kernels" ]; then
    echo "run-shard.sh: cannot create $kernels (does the volume allow hard links?); copy a file written by --tune-only there" >&2
    exit 1
  fi
fi
# shellcheck disable=SC2086
exec npm run --silent bench -- ${OPTBENCH_ARGS:-} --kernels "$kernels" --shard "$k/$n" --out "$dir"
