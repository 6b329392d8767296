#!/usr/bin/env bash
# Submits a sharded study: the array of N shards, then the merge, which starts only when
# every shard succeeded (afterok). Run from the project's directory on a login node:
#
#   OPTBENCH_OUT=/shared/studies/adam-lr OPTBENCH_ARGS="--hyper adam.lr=1e-4,3e-4,1e-3" \
#     deploy/slurm/submit.sh 4
#
# Extra sbatch options (partition, account) go in SBATCH_PARTITION, SBATCH_ACCOUNT, ...
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 N (the number of shards)" >&2
  exit 2
fi
here=$(dirname "$0")
export OPTBENCH_SHARDS=$1
: "${OPTBENCH_OUT:?set OPTBENCH_OUT to the shared directory of the study}"
array=$(sbatch --parsable --array="0-$((OPTBENCH_SHARDS - 1))" "$here/shards.sbatch")
array=${array%%;*} # --parsable prints "id" or "id;cluster"
merge=$(sbatch --parsable --dependency="afterok:$array" "$here/merge.sbatch")
echo "shards: job $array (array of $OPTBENCH_SHARDS); merge: job ${merge%%;*}, into $OPTBENCH_OUT/merged"
