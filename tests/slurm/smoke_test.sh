#!/usr/bin/env bash
# The test cluster itself, before any assetflow code runs on it (CTest slurm_smoke and
# slurm_node_down, both on the slurm_cluster fixture):
#   smoke_test.sh jobs       one `sbatch --parsable --no-requeue` job pinned to each node with -w
#                            runs there; its output file holds exactly what the job printed
#   smoke_test.sh node-down  n2 set DOWN under a running --no-requeue job: the job leaves plain
#                            squeue at once as NODE_FAIL, and n2 comes back with node-up
# Needs the environment of the fixture (tests/slurm/README.md): SLURM_CONF, AF_SLURM_CLUSTER_DIR,
# AF_SLURM_CLUSTER_SH.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
[ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ] ||
  { echo "SKIP: no test cluster (SLURM_CONF unset or missing; slurm_cluster_start skipped)" >&2; exit 77; }
work=$(mktemp -d "$AF_SLURM_CLUSTER_DIR/smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT

# wait_gone JOBID SECONDS: the job has left plain squeue (finished, failed or purged).
wait_gone() {
  local deadline=$((SECONDS + $2))
  while [ -n "$(squeue -h -j "$1" -o %i 2>/dev/null)" ]; do
    [ $SECONDS -lt $deadline ] || fail "job $1 still in the queue after $2 s: $(squeue -j "$1")"
    sleep 0.2
  done
}

# state_of JOBID: the job's state while Slurm still remembers it (squeue -t all), else "".
state_of() { squeue -h -t all -j "$1" -o %T 2>/dev/null || true; }

submit() {  # NODE OUTFILE SCRIPT -> job id
  local id
  id=$(sbatch --parsable --no-requeue -w "$1" -D "$work" -o "$2" --job-name af-smoke --wrap "$3") ||
    fail "sbatch -w $1 failed"
  [[ "$id" =~ ^[0-9]+$ ]] || fail "sbatch --parsable printed '$id', not a job id"
  echo "$id"
}

case "${1:-}" in
  jobs)
    j1=$(submit n1 out-n1 'echo "node=$SLURMD_NODENAME job=$SLURM_JOB_ID"; echo second line')
    j2=$(submit n2 out-n2 'echo "node=$SLURMD_NODENAME job=$SLURM_JOB_ID"; exit 0')
    [ "$j1" != "$j2" ] || fail "both jobs got id $j1"
    wait_gone "$j1" 60
    wait_gone "$j2" 60
    [ "$(cat "$work/out-n1")" = "node=n1 job=$j1"$'\n'"second line" ] ||
      fail "n1's output is '$(cat "$work/out-n1")'"
    [ "$(cat "$work/out-n2")" = "node=n2 job=$j2" ] || fail "n2's output is '$(cat "$work/out-n2")'"
    # A failing job: the batch script's exit code is the job's (seen while Slurm remembers it).
    j3=$(submit n1 out-fail 'echo failing; exit 3')
    wait_gone "$j3" 60
    [ "$(cat "$work/out-fail")" = failing ] || fail "the failing job's output is '$(cat "$work/out-fail")'"
    # Read at once: Slurm forgets a finished job ~MinJobAge (2 s) to ~8 s after its end.
    st=$(state_of "$j3")
    [ "$st" = FAILED ] || fail "job $j3 (exit 3) reads '$st', not FAILED"
    echo "ok: jobs $j1 on n1, $j2 on n2 ran with exact output; $j3 (exit 3) FAILED"
    ;;
  node-down)
    trap '"$AF_SLURM_CLUSTER_SH" node-up "$AF_SLURM_CLUSTER_DIR" n2 >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
    # exec: Slurm signals the job's processes one by one, so a shell waiting for a killed child
    # may still run its next command before its own signal (seen here: "Terminated", then the
    # next echo). The executor execs its worker for the same reason.
    j=$(submit n2 out-down 'echo started; exec sleep 120')
    deadline=$((SECONDS + 60))
    until [ "$(squeue -h -j "$j" -o %T)" = RUNNING ] && [ -s "$work/out-down" ]; do
      [ $SECONDS -lt $deadline ] || fail "job $j did not start on n2: $(squeue -j "$j")"
      sleep 0.2
    done
    "$AF_SLURM_CLUSTER_SH" node-down "$AF_SLURM_CLUSTER_DIR" n2
    # --no-requeue: NODE_FAIL at once, gone from plain squeue at once (requeueable jobs would
    # instead be requeued under the same id after CredExpire).
    wait_gone "$j" 5
    st=$(state_of "$j")
    [ "$st" = NODE_FAIL ] || fail "job $j on the downed node reads '$st', not NODE_FAIL"
    [ "$(sinfo -h -N -n n2 -o %t)" = down ] || fail "n2 reads '$(sinfo -h -N -n n2 -o %t)', not down"
    # slurmstepd appends its own line to the job's output when it kills the job.
    out=$(cat "$work/out-down")
    re="^started"$'\n'"slurmstepd-n2: error: \*\*\* JOB $j ON n2 CANCELLED AT [0-9T:-]+ DUE TO NODE FAILURE, SEE SLURMCTLD LOG FOR DETAILS \*\*\*\$"
    [[ "$out" =~ $re ]] || fail "the killed job's output is '$out'"
    "$AF_SLURM_CLUSTER_SH" node-up "$AF_SLURM_CLUSTER_DIR" n2
    [ "$(sinfo -h -N -n n2 -o %t)" = idle ] || fail "n2 reads '$(sinfo -h -N -n n2 -o %t)' after node-up"
    # n2 takes jobs again.
    k=$(submit n2 out-up 'echo "back on $SLURMD_NODENAME"')
    wait_gone "$k" 60
    [ "$(cat "$work/out-up")" = "back on n2" ] || fail "after node-up the job printed '$(cat "$work/out-up")'"
    echo "ok: job $j on n2 ended NODE_FAIL when n2 went DOWN; n2 back after node-up"
    ;;
  *) echo "usage: smoke_test.sh jobs|node-down" >&2; exit 2 ;;
esac
