#!/usr/bin/env bash
# A real Slurm cluster for tests: munged + slurmctld + two slurmd (nodes n1 and n2, 1 CPU each)
# on 127.0.0.1, every file under one directory, every port a free one chosen at start (other
# engineers' clusters and servers share this machine). Facts behind the settings:
# ../../../shared/reference/test-servers.md ("Slurm behaviour observed here").
#
#   cluster.sh start DIR          install the packages when missing, start, wait until n1 and n2
#                                 are idle; prints the client's environment (also in DIR/env)
#   cluster.sh stop DIR           cancel the cluster's jobs, stop exactly the daemons started in
#                                 DIR (by their pid files); idempotent
#   cluster.sh status DIR         sinfo of the cluster
#   cluster.sh node-down DIR NODE set NODE DOWN (its running --no-requeue jobs end NODE_FAIL)
#   cluster.sh node-up DIR NODE   resume NODE and wait until it is idle again
#   cluster.sh slurmd-kill DIR NODE   kill -9 NODE's slurmd (its job processes keep running)
#   cluster.sh slurmd-start DIR NODE  start NODE's slurmd again
#   cluster.sh wait-idle DIR      wait until both nodes are idle and the queue is empty
#
# Contract of DIR/env (sourced by tests, documented in README.md): SLURM_CONF, AF_SLURM_CLUSTER_DIR,
# AF_SLURM_CLUSTER_SH, AF_SLURM_NODES. Needs root (slurmd launches jobs; no systemd here).
# Exit status: 0 done, 1 failure (message on stderr with the relevant log tail), 77 skipped
# (ASSETFLOW_SLURM=0, or not root and no sudo).
set -euo pipefail

SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
NODES=(n1 n2)
PACKAGES=(slurmctld slurmd slurm-client munge)
START_TIMEOUT="${AF_SLURM_START_TIMEOUT:-60}"  # seconds for the nodes to become idle

die() { echo "cluster.sh: $*" >&2; exit 1; }
usage() { sed -n '7,16p' "$SELF" >&2; exit 2; }

SUDO=""
need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
      echo "cluster.sh: SKIP: the Slurm daemons must run as root (no root, no passwordless sudo)" >&2
      exit 77
    fi
  fi
}

install_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "cluster.sh: installing ${missing[*]}" >&2
  local log; log=$(mktemp)
  # The packages' maintainer scripts try to start the daemons through invoke-rc.d; with no init
  # system here that is refused and harmless. Our daemons never use /etc/munge or /etc/slurm.
  if ! { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
         $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
           "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2; rm -f "$log"
    die "could not install ${missing[*]} with apt-get (see above); the Slurm tests need them"
  fi
  rm -f "$log"
}

# free_ports N: N distinct TCP ports the OS considers free right now (bound to port 0 together,
# then released). A port taken again before the daemon binds it makes start retry with new ones.
free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# pid_alive PIDFILE NEEDLE: the pid in PIDFILE runs and its command line contains NEEDLE (the
# cluster's own config or socket path), so a recycled pid of someone else's process never matches.
pid_alive() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(tr -dc 0-9 <"$1")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2"
}

# stop_pid PIDFILE NEEDLE: SIGTERM, up to 10 s, then SIGKILL; removes the pid file.
stop_pid() {
  local pid i
  if pid_alive "$1" "$2"; then
    pid=$(tr -dc 0-9 <"$1")
    $SUDO kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 100); do pid_alive "$1" "$2" || break; sleep 0.1; done
    if pid_alive "$1" "$2"; then $SUDO kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
  fi
  rm -f "$1"
}

log_tails() {  # the last lines of every daemon log, for a failure message
  local f
  for f in "$DIR"/log/*.log; do
    [ -f "$f" ] || continue
    echo "---- $f (last 15 lines)" >&2
    tail -n 15 "$f" >&2
  done
}

# SOCK: where the Unix sockets live (munged's, and slurmstepd's in the spool dirs). A socket path
# has at most 107 bytes, so a DIR deeper than 60 characters gets its sockets under a short
# /tmp/afslurm-<hash of DIR> instead (the same for start and stop; removed by stop).
set_sock() {
  if [ ${#DIR} -le 60 ]; then SOCK="$DIR"; else
    SOCK="/tmp/afslurm-$(printf %s "$DIR" | md5sum | cut -c1-12)"
    mkdir -p -m 700 "$SOCK"
  fi
}

write_conf() {  # <ctld port> <n1 port> <n2 port>
  # Each node declares half of the machine's memory so that --mem requests can be scheduled
  # (the default RealMemory=1 refuses any); both slurmds see the whole machine, which is more.
  local mem; mem=$(awk '/MemTotal/ {printf "%d", $2/1024/2}' /proc/meminfo)
  cat >"$DIR/slurm.conf" <<EOF
# Written by tests/slurm/cluster.sh start; every path is under $DIR.
ClusterName=aftest
SlurmctldHost=localhost
SlurmctldPort=$1
SlurmdPort=$2
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK/munge/munge.socket.2
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$SOCK/spool/%n
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd-%n.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups in this machine's containers.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# A newly eligible job starts within ~0.5 s (the defaults can wait ~30 s). A job's end frees its
# node only after the immediate scheduling pass, so the next job waits for the periodic one:
# measured here, 1 s passes move 4 no-op jobs/s through the two nodes, 2 s passes 2.2 jobs/s.
SchedulerParameters=sched_interval=1,bf_interval=1,sched_min_interval=100000
# Short timeouts so node loss is observed within seconds; finished jobs leave squeue -t all
# after ~MinJobAge (so the executor's gone-from-the-queue path is exercised).
SlurmdTimeout=10
SlurmctldTimeout=10
MessageTimeout=5
KillWait=2
MinJobAge=2
InactiveLimit=0
# A node set DOWN by scontrol stays DOWN until State=RESUME (2 would bring it back at its next ping).
ReturnToService=1
NodeName=n1 NodeAddr=127.0.0.1 Port=$2 CPUs=1 RealMemory=$mem State=UNKNOWN
NodeName=n2 NodeAddr=127.0.0.1 Port=$3 CPUs=1 RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=n1,n2 Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munged() {
  mkdir -p "$SOCK/munge"
  chmod 755 "$SOCK/munge"
  if [ ! -s "$SOCK/munge/munge.key" ]; then
    if command -v mungekey >/dev/null 2>&1; then
      mungekey --create --keyfile="$SOCK/munge/munge.key" >/dev/null 2>&1 ||
        dd if=/dev/urandom of="$SOCK/munge/munge.key" bs=1024 count=1 status=none
    else
      dd if=/dev/urandom of="$SOCK/munge/munge.key" bs=1024 count=1 status=none
    fi
    chmod 400 "$SOCK/munge/munge.key"
  fi
  pid_alive "$DIR/run/munged.pid" "$SOCK/munge/munge.socket.2" && return 0
  # --force: munged refuses directories it finds insecure (a build tree's parents may be
  # group-writable); the key and the socket directory are ours alone.
  $SUDO env AF_SLURM_CLUSTER="$DIR" munged --force --socket="$SOCK/munge/munge.socket.2" \
    --key-file="$SOCK/munge/munge.key" --pid-file="$DIR/run/munged.pid" \
    --log-file="$DIR/log/munged.log" --seed-file="$SOCK/munge/munged.seed" >>"$DIR/log/start.log" 2>&1 ||
    { log_tails; die "munged did not start"; }
}

start_slurmd() {  # NODE
  mkdir -p "$SOCK/spool/$1"
  pid_alive "$DIR/run/slurmd-$1.pid" "$DIR/slurm.conf" && return 0
  # setsid + </dev/null: the daemons must not hold the caller's terminal or pipes (CTest waits
  # for a test's output pipe to close).
  $SUDO env AF_SLURM_CLUSTER="$DIR" setsid slurmd -f "$DIR/slurm.conf" -N "$1" \
    </dev/null >>"$DIR/log/start.log" 2>&1 || return 1
}

# nodes_idle: both nodes read "idle" in sinfo (no '*' not-responding, no drain).
nodes_idle() {
  local states
  states=$(sinfo -h -N -o '%N %t' 2>/dev/null | sort -u | tr '\n' ' ') || return 1
  [ "$states" = "n1 idle n2 idle " ]
}

wait_for() {  # SECONDS CMD...: poll CMD every 0.2 s
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.2
  done
}

cmd_start() {
  if [ "${ASSETFLOW_SLURM:-1}" = 0 ]; then
    pid_alive "$DIR/run/slurmctld.pid" "$DIR/slurm.conf" || rm -f "$DIR/env" "$DIR/slurm.conf"
    echo "cluster.sh: SKIP: ASSETFLOW_SLURM=0" >&2; exit 77
  fi
  need_root
  install_packages
  mkdir -p "$DIR"/{state,run,log}
  DIR=$(cd "$DIR" && pwd); set_sock
  export SLURM_CONF="$DIR/slurm.conf"
  # Already running (a second start): just report the environment.
  if pid_alive "$DIR/run/slurmctld.pid" "$DIR/slurm.conf" && nodes_idle; then
    cat "$DIR/env"; return 0
  fi
  cmd_stop >/dev/null 2>&1 || true
  mkdir -p "$DIR"/{state,run,log}
  start_munged
  local attempt ports ok=0
  for attempt in 1 2 3; do
    read -r -a ports <<<"$(free_ports 3)"
    write_conf "${ports[0]}" "${ports[1]}" "${ports[2]}"
    # -c: start clean (discard any saved state of an earlier cluster in DIR).
    if $SUDO env AF_SLURM_CLUSTER="$DIR" setsid slurmctld -c -f "$DIR/slurm.conf" \
         </dev/null >>"$DIR/log/start.log" 2>&1 &&
       wait_for 15 pid_alive "$DIR/run/slurmctld.pid" "$DIR/slurm.conf" &&
       wait_for 15 scontrol ping >/dev/null 2>&1 &&
       start_slurmd n1 && start_slurmd n2 &&
       wait_for 10 pid_alive "$DIR/run/slurmd-n1.pid" "$DIR/slurm.conf" &&
       wait_for 10 pid_alive "$DIR/run/slurmd-n2.pid" "$DIR/slurm.conf"; then
      ok=1; break
    fi
    # A port taken between choosing and binding: "Address already in use"; try new ports.
    if grep -q "Address already in use" "$DIR"/log/*.log 2>/dev/null; then
      echo "cluster.sh: a chosen port was taken meanwhile; retrying with others" >&2
      stop_daemons
      for f in "$DIR"/log/slurm*.log; do [ -f "$f" ] && mv "$f" "$f.$attempt"; done
      continue
    fi
    break
  done
  [ $ok = 1 ] || { log_tails; stop_daemons; die "the Slurm daemons did not start (logs above, all in $DIR/log)"; }
  if ! wait_for "$START_TIMEOUT" nodes_idle; then
    sinfo -N >&2 || true
    log_tails; stop_daemons
    die "n1 and n2 were not both idle within ${START_TIMEOUT}s (logs above, all in $DIR/log)"
  fi
  cat >"$DIR/env" <<EOF
export SLURM_CONF=$DIR/slurm.conf
export AF_SLURM_CLUSTER_DIR=$DIR
export AF_SLURM_CLUSTER_SH=$SELF
export AF_SLURM_NODES="${NODES[*]}"
EOF
  cat "$DIR/env"
}

# The processes still carrying this cluster's marker in their environment (slurmstepd, which
# outlives a killed slurmd) and all their descendants (the job processes, whose environment is the
# submitter's): ours by construction, never anyone else's.
marked_pids() {
  local marked=()
  mapfile -t marked < <(grep -lzxF "AF_SLURM_CLUSTER=$DIR" /proc/[0-9]*/environ 2>/dev/null |
                         sed -n 's|^/proc/\([0-9]*\)/environ$|\1|p')
  [ ${#marked[@]} -eq 0 ] && return 0
  ps -e -o pid=,ppid= | awk -v roots="${marked[*]}" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
    { parent[$1] = $2 }
    END { for (p in parent) { q = p; while (q in parent && !(q in keep) && q > 1) q = parent[q]
                              if (q in keep) print p } }'
}

stop_daemons() {
  local n
  for n in "${NODES[@]}"; do stop_pid "$DIR/run/slurmd-$n.pid" "$DIR/slurm.conf"; done
  stop_pid "$DIR/run/slurmctld.pid" "$DIR/slurm.conf"
  local pids; pids=$(marked_pids | grep -vx "$$" || true)
  [ -n "$pids" ] && $SUDO kill -KILL $pids 2>/dev/null || true
  return 0
}

cmd_stop() {
  [ -d "$DIR" ] || return 0
  DIR=$(cd "$DIR" && pwd); set_sock
  export SLURM_CONF="$DIR/slurm.conf"
  if pid_alive "$DIR/run/slurmctld.pid" "$DIR/slurm.conf"; then
    # Cancel the cluster's jobs first so that slurmd reaps their processes.
    local jobs; jobs=$(timeout 10 squeue -h -o %i 2>/dev/null | tr '\n' ' ' || true)
    if [ -n "${jobs// }" ]; then
      timeout 10 scancel $jobs 2>/dev/null || true
      # A node whose slurmd is gone never confirms; its job processes are killed below.
      local n all_up=1
      for n in "${NODES[@]}"; do pid_alive "$DIR/run/slurmd-$n.pid" "$DIR/slurm.conf" || all_up=0; done
      [ $all_up = 0 ] || wait_for 10 queue_empty || true
    fi
  fi
  stop_daemons
  stop_pid "$DIR/run/munged.pid" "$SOCK/munge/munge.socket.2"
  # Without slurm.conf the users of the fixture see no cluster and skip (exit 77) rather than
  # talk to a dead one; the logs stay for a post-mortem.
  rm -f "$DIR/env" "$DIR/slurm.conf"
  [ "$SOCK" = "$DIR" ] || rm -rf "$SOCK"
  echo "cluster.sh: stopped the cluster in $DIR"
}

cluster_env() {
  [ -f "$DIR/slurm.conf" ] || die "no cluster in $DIR (run: cluster.sh start $DIR)"
  DIR=$(cd "$DIR" && pwd); set_sock
  export SLURM_CONF="$DIR/slurm.conf"
}

node_is() {  # NODE STATE: sinfo's compact state of NODE is STATE
  [ "$(sinfo -h -n "$1" -N -o %t 2>/dev/null | head -1)" = "$2" ]
}

queue_empty() { [ -z "$(squeue -h -o %i 2>/dev/null)" ]; }

check_node() { case " ${NODES[*]} " in *" $1 "*) ;; *) die "unknown node '$1' (nodes: ${NODES[*]})" ;; esac; }

[ $# -ge 2 ] || usage
cmd="$1"; DIR="$2"
case "$cmd" in
  start) cmd_start ;;
  stop) need_root; cmd_stop ;;
  status) cluster_env; sinfo -N ;;
  node-down)
    [ $# -eq 3 ] || usage; check_node "$3"; cluster_env
    scontrol update NodeName="$3" State=DOWN Reason="assetflow test: node-down"
    wait_for 10 node_is "$3" down || die "$3 did not become down: $(sinfo -N -n "$3")" ;;
  node-up)
    [ $# -eq 3 ] || usage; check_node "$3"; cluster_env
    scontrol update NodeName="$3" State=RESUME
    wait_for 30 node_is "$3" idle || die "$3 did not become idle: $(sinfo -N -n "$3")" ;;
  slurmd-kill)
    [ $# -eq 3 ] || usage; check_node "$3"; need_root; cluster_env
    pid_alive "$DIR/run/slurmd-$3.pid" "$DIR/slurm.conf" || die "the slurmd of $3 is not running"
    $SUDO kill -KILL "$(tr -dc 0-9 <"$DIR/run/slurmd-$3.pid")"
    rm -f "$DIR/run/slurmd-$3.pid" ;;
  slurmd-start)
    [ $# -eq 3 ] || usage; check_node "$3"; need_root; cluster_env
    start_slurmd "$3" || { log_tails; die "the slurmd of $3 did not start"; }
    wait_for 10 pid_alive "$DIR/run/slurmd-$3.pid" "$DIR/slurm.conf" ||
      { log_tails; die "the slurmd of $3 did not start"; } ;;
  wait-idle)
    cluster_env
    wait_for 60 queue_empty || die "jobs still queued: $(squeue)"
    wait_for 60 nodes_idle || die "nodes not idle: $(sinfo -N)" ;;
  *) usage ;;
esac
