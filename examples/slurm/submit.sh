#!/bin/bash
# Submits the array job (one task per run file) and the compare job that waits for it.
#
#   OUT=results DNECK_PLOT=$HOME/bin/dneck-plot examples/slurm/submit.sh runs/*.h5
#   OUT=results RUN_LIST=runs.txt examples/slurm/submit.sh
#
# Run files come from the arguments (a glob) or from $RUN_LIST (one path per line); with
# arguments the list is written to $OUT/runs.txt. Relative paths are relative to the folder
# you submit from (the jobs start there). Prints the two job ids, "ARRAY_ID COMPARE_ID".
#
# Environment: OUT (required), RUN_LIST, MAX_PARALLEL (at most this many tasks at once),
# DNECK_SBATCH_ARGS (sbatch options for both jobs, split on spaces, e.g. "--partition=short
# --account=lab"; they override the scripts' #SBATCH lines), and everything render_array.sbatch and compare.sbatch read (DNECK_PLOT, DNECK_ARGS, ...);
# sbatch passes the whole environment on to the jobs.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
: "${OUT:?set OUT to the output folder}"
mkdir -p "$OUT/logs"

if [ "$#" -gt 0 ]; then
    RUN_LIST="$OUT/runs.txt"
    printf '%s\n' "$@" > "$RUN_LIST"
fi
if [ -z "${RUN_LIST:-}" ]; then echo "submit.sh: give run files as arguments or set RUN_LIST" >&2; exit 2; fi
export RUN_LIST OUT

# Check the list before anything is queued: no empty line, every file there, no two runs
# with the same stem (they would write into the same folder).
COUNT=0
STEMS=""
while IFS= read -r run || [ -n "$run" ]; do   # || also reads a last line without newline
    COUNT=$((COUNT + 1))
    if [ -z "$run" ]; then echo "submit.sh: $RUN_LIST: line $COUNT is empty" >&2; exit 2; fi
    if [ ! -f "$run" ]; then echo "submit.sh: $RUN_LIST: line $COUNT: no run file $run" >&2; exit 2; fi
    stem=$(basename "$run"); stem=${stem%.*}
    case $'\n'"$STEMS" in
        *$'\n'"$stem"$'\n'*) echo "submit.sh: $RUN_LIST: line $COUNT: a second run named $stem" >&2; exit 2 ;;
    esac
    STEMS+="$stem"$'\n'
done < "$RUN_LIST"
if [ "$COUNT" -eq 0 ]; then echo "submit.sh: $RUN_LIST lists no run file" >&2; exit 2; fi

ARRAY="1-$COUNT${MAX_PARALLEL:+%$MAX_PARALLEL}"
# --parsable prints just the job id; %A is the array's job id and %a the task index.
# shellcheck disable=SC2086  # DNECK_SBATCH_ARGS is a list of options on purpose
ARRAY_ID=$(sbatch --parsable ${DNECK_SBATCH_ARGS:-} --array="$ARRAY" --output="$OUT/logs/all_%A_%a.out" \
    "$HERE/render_array.sbatch")
ARRAY_ID=${ARRAY_ID%%;*}   # "id;cluster" on a multi-cluster setup
# afterok: compare starts once every task has ended with status 0; if one fails, the
# dependency can never be met and --kill-on-invalid-dep cancels compare instead of leaving it pending.
# shellcheck disable=SC2086
COMPARE_ID=$(sbatch --parsable ${DNECK_SBATCH_ARGS:-} --dependency="afterok:$ARRAY_ID" --kill-on-invalid-dep=yes \
    --output="$OUT/logs/compare_%j.out" "$HERE/compare.sbatch")
COMPARE_ID=${COMPARE_ID%%;*}
echo "$ARRAY_ID $COMPARE_ID"
