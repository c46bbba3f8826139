#!/bin/sh
# Runs the benchmarks (kmodd against kmod's own tools, in one QEMU guest) and writes BENCHMARKS.md.
# Takes about 10 minutes under emulation.
set -eu
project=$(cd "$(dirname "$0")/../.." && pwd)
cd "$project"
./mvnw -B -q package -DskipTests -DskipGuest
out=$project/target/bench
rm -rf "$out"
mkdir -p "$out"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
timeout 3600 src/test/guest/run-guest.sh bench "$port" 0 "$out"
if [ ! -s "$out/BENCHMARKS.md" ]; then
    echo "benchmark: no report; see $out/bench.log and $out/console.log" >&2
    exit 1
fi
{
    cat "$out/BENCHMARKS.md"
    echo "## How to rerun"
    echo
    echo '`deploy/dev/benchmark.sh` (after `sudo deploy/dev/setup-debian.sh`): it packages kmodd, boots the guest,'
    echo 'runs `src/test/guest/bench.py` inside it next to the daemon, and rewrites this file.'
} > BENCHMARKS.md
echo "benchmark: wrote BENCHMARKS.md"
