#!/bin/sh
# Runs inside the guest, in this machine's root (read-only) with the guest's own /proc, /sys, /dev and a
# tmpfs /tmp. Starts the command agent (tests only) and the packaged kmodd, then waits.
# Usage: guest-main.sh test|try|bench
set -u
mode=${1:-test}
here=$(cd "$(dirname "$0")" && pwd)
out=/tmp/out
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
if [ "$mode" = test ]; then
    # The agent runs shell commands for the host-side tests (open /dev/loop0, mount, modprobe, read /proc).
    busybox httpd -p 0.0.0.0:7070 -h "$here/www"
fi
# kmodd's state (journal, parameter record, drop-ins, tokens) on a small filesystem of its own, which the
# suite fills to make a full disk that nothing else in the guest shares.
mkdir -p /tmp/kmodd
mount -t tmpfs -o size=16m,mode=0755 kmodd-state /tmp/kmodd
pid=$(sh "$here/start-kmodd.sh")
echo "kmodd-guest: started kmodd (pid $pid) in $(uname -r)" > /dev/console
if [ "$mode" = bench ]; then
    until curl -sf http://127.0.0.1:8080/q/health/ready >/dev/null 2>&1; do sleep 0.5; done
    python3 "$here/bench.py" "$out/BENCHMARKS.md" > "$out/bench.log" 2>&1
    sync
    poweroff -f
fi
while true; do sleep 3600; done
