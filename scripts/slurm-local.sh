#!/usr/bin/env bash
# A single-node Slurm cluster for the sweep test (tests/sweep/slurm.test.ts), as root, from Debian's packages:
#   scripts/slurm-local.sh start   installs slurmctld/slurmd/munge when missing, starts munged, slurmctld and slurmd
#                                  with their config, sockets, spool and PIDs in $GPTLAB_SLURM_DIR (nothing in /etc
#                                  is changed but a missing munge key); prints `export SLURM_CONF=...` for sbatch
#   scripts/slurm-local.sh stop    stops the daemons it started, by their PIDs
set -euo pipefail
STATE=${GPTLAB_SLURM_DIR:-/tmp/gptlab-slurm}
PIDS="$STATE/pids"

start() {
  if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    echo "== installing Slurm (slurmctld slurmd slurm-client munge)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge >&2
  fi
  if [ -s "$PIDS" ]; then stop; fi
  mkdir -p "$STATE/munge" "$STATE/ctld" "$STATE/d"
  chown munge:munge "$STATE/munge"
  chmod 755 "$STATE/munge"
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
  fi
  local host cpus mem
  host=$(hostname)
  cpus=$(nproc)
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
  cat >"$STATE/slurm.conf" <<EOF
ClusterName=gptlab
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$STATE/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
SlurmctldPort=6917
SlurmdPort=6918
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  : >"$PIDS"
  su -s /bin/sh munge -c "/usr/sbin/munged --socket=$STATE/munge/munge.socket --pid-file=$STATE/munge/munged.pid --log-file=$STATE/munge/munged.log --seed-file=$STATE/munge/munged.seed"
  cat "$STATE/munge/munged.pid" >>"$PIDS"
  export SLURM_CONF="$STATE/slurm.conf"
  slurmctld
  wait_for_file "$STATE/slurmctld.pid"
  cat "$STATE/slurmctld.pid" >>"$PIDS"
  slurmd
  wait_for_file "$STATE/slurmd.pid"
  cat "$STATE/slurmd.pid" >>"$PIDS"
  for _ in $(seq 1 100); do
    if sinfo -h -o %t 2>/dev/null | grep -q idle; then
      echo "== Slurm up: $(sinfo -h -o '%P %D %t %c cpus') (SLURM_CONF=$SLURM_CONF)" >&2
      echo "export SLURM_CONF=$SLURM_CONF"
      return 0
    fi
    sleep 0.2
  done
  echo "slurm-local: the node did not become idle; logs in $STATE" >&2
  tail -n 20 "$STATE/slurmctld.log" "$STATE/slurmd.log" >&2 || true
  return 1
}

wait_for_file() {
  for _ in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.1; done
  echo "slurm-local: $1 did not appear" >&2
  return 1
}

stop() {
  [ -s "$PIDS" ] || return 0
  local pid
  # slurmd and slurmctld first (they need munge to shut down cleanly), munged last
  for pid in $(tac "$PIDS"); do
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  : >"$PIDS"
  echo "== Slurm stopped" >&2
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
