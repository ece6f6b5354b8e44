#!/usr/bin/env bash
# A real single-node SLURM on this machine, for the submission test (tests/workflow/test_slurm.py).
#   cluster.sh install   apt-get the Debian packages (slurm-wlm, munge) if missing; prints
#                        "installed" when it installed them, or when an earlier install of
#                        this script left them (its mark file: a test run killed before it
#                        could uninstall), so that the caller removes them again
#   cluster.sh uninstall remove those packages again (the test does when it installed them: with
#                        SLURM installed but no controller running, every snakemake start waits
#                        ~9 s on the SLURM plugin's `scontrol show config`)
#   cluster.sh start     write /etc/slurm/{slurm,gres}.conf, start munged, slurmctld, slurmd
#   cluster.sh stop      stop exactly the daemons `start` started
# Needs root. One node ($(hostname -s), 2 CPUs, one fake GPU as a gres device file), one
# partition "debug", no accounting database: the profile polls job states with squeue, and
# MinJobAge keeps finished jobs visible to it (see ../shared/notes/slurm-fixture.md).
set -euo pipefail
STATE=${SLURM_FIXTURE_STATE:-/tmp/hundreddays-slurm}
CONF=/etc/slurm

PACKAGES="slurm-wlm munge"
MARK=${SLURM_FIXTURE_MARK:-/var/lib/hundreddays-slurm-fixture.installed}

install() {
  if command -v slurmctld >/dev/null && command -v munged >/dev/null; then
    if [ -e "$MARK" ]; then echo installed; fi
    return 0
  fi
  touch "$MARK"  # before apt-get: a run killed while installing leaves the mark too
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends $PACKAGES >/dev/null 2>&1 \
    || { apt-get update >/dev/null 2>&1 && \
         apt-get install -y --no-install-recommends $PACKAGES >/dev/null; }
  echo installed
}

uninstall() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get purge -y --auto-remove $PACKAGES >/dev/null
  rm -rf "$CONF/slurm.conf" "$CONF/gres.conf" "$STATE" "$MARK"
  echo uninstalled
}

write_conf() {
  local host mem cpus
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(( $(free -m | awk '/^Mem:/ {print $2}') - 512 ))
  mkdir -p "$CONF" /var/lib/slurm/slurmd /var/lib/slurm/slurmctld /var/log/slurm "$STATE"
  chown slurm:slurm /var/lib/slurm/slurmctld /var/log/slurm
  chmod 755 "$STATE"
  : > "$STATE/fakegpu0"
  cat > "$CONF/slurm.conf" <<CONF
ClusterName=hundreddays-test
SlurmctldHost=$host
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmdSpoolDir=/var/lib/slurm/slurmd
StateSaveLocation=/var/lib/slurm/slurmctld
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=500
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/linux
MinJobAge=3600
GresTypes=gpu
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  echo "NodeName=$host Name=gpu File=$STATE/fakegpu0" > "$CONF/gres.conf"
}

daemon() {  # daemon NAME COMMAND...: start in the foreground mode, in its own session
  setsid "${@:2}" > "$STATE/$1.out" 2>&1 < /dev/null &
  echo "$!" >> "$STATE/pids"
}

start() {
  [ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
  write_conf
  : > "$STATE/pids"
  mkdir -p /run/munge && chown munge:munge /run/munge
  daemon munged setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground
  for _ in $(seq 50); do [ -S /run/munge/munge.socket.2 ] && break; sleep 0.1; done
  daemon slurmctld /usr/sbin/slurmctld -D -c -i
  for _ in $(seq 100); do scontrol ping >/dev/null 2>&1 && break; sleep 0.1; done
  daemon slurmd /usr/sbin/slurmd -D
  for _ in $(seq 300); do
    [ "$(sinfo -h -N -o %t 2>/dev/null | head -1)" = idle ] && { echo "cluster up"; return 0; }
    sleep 0.1
  done
  echo "the node never became idle:" >&2
  sinfo -N -l >&2 || true
  tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log "$STATE"/*.out >&2 || true
  stop
  exit 1
}

stop() {
  [ -f "$STATE/pids" ] || return 0
  # shellcheck disable=SC2046
  kill $(tac "$STATE/pids") 2>/dev/null || true
  for _ in $(seq 50); do
    alive=0
    while read -r pid; do kill -0 "$pid" 2>/dev/null && alive=1; done < "$STATE/pids"
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done < "$STATE/pids"
  rm -f "$STATE/pids"
  echo "cluster down"
}

"$@"
