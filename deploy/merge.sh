#!/usr/bin/env bash
# The merge of a study's N shards (deploy/run-shard.sh) into $OPTBENCH_OUT/merged: results.json,
# trials.csv, tables, plots and index.html, as one run of the whole study writes them. It
# fails (exit 2, one line) unless every shard finished. No GPU needed. It writes a fresh
# directory and then swaps it in, so it can be rerun (after rerunning a shard, say).
#
#   usage: deploy/merge.sh N
#   OPTBENCH_OUT   the study's directory (as for the shards)
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 N (the number of shards)" >&2
  exit 2
fi
n=$1
out=$(realpath -m "${OPTBENCH_OUT:?set OPTBENCH_OUT to the shared directory of the study}")
dirs=()
for k in $(seq 1 "$n"); do dirs+=("$out/shard-$k-of-$n"); done
cd "$(dirname "$0")/.."
fresh="$out/.merged-$$"
trap 'rm -rf "$fresh"' EXIT
npm run --silent bench -- --merge "${dirs[@]}" --out "$fresh"
rm -rf "$out/merged"
mv "$fresh" "$out/merged"
echo "merged $n shards into $out/merged" >&2
