#!/bin/sh
# Runs the benchmarks (kmodd against kmod's own tools, in one QEMU guest) and writes BENCHMARKS.md.
# Takes about 20 minutes under emulation.
set -eu
project=$(cd "$(dirname "$0")/../.." && pwd)
cd "$project"
./mvnw -B -q package -DskipTests -DskipGuest
out=$project/target/bench
rm -rf "$out"
mkdir -p "$out"
# BENCH_SECTIONS="scale startup": run only these sections of bench.py and leave BENCHMARKS.md alone (the
# report is then target/bench/BENCHMARKS.md).
[ -n "${BENCH_SECTIONS:-}" ] && echo "$BENCH_SECTIONS" > "$out/sections"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
timeout 3600 src/test/guest/run-guest.sh bench "$port" 0 "$out"
if [ ! -s "$out/BENCHMARKS.md" ]; then
    echo "benchmark: no report; see $out/bench.log and $out/console.log" >&2
    exit 1
fi
if [ -n "${BENCH_SECTIONS:-}" ]; then
    echo "benchmark: sections $BENCH_SECTIONS in $out/BENCHMARKS.md"
    exit 0
fi
# The flood benchmark (deploy/dev/flood-benchmark.sh) is run apart, on the host; its section is kept.
floods=$(sed -n '/^## Floods/,$p' BENCHMARKS.md)
{
    cat "$out/BENCHMARKS.md"
    echo "## How to rerun"
    echo
    echo '`deploy/dev/benchmark.sh` (after `sudo deploy/dev/setup-debian.sh`): it packages kmodd, boots the guest,'
    echo 'runs `src/test/guest/bench.py` inside it next to the daemon, and rewrites this file.'
    if [ -n "$floods" ]; then
        echo
        printf '%s\n' "$floods"
    fi
} > BENCHMARKS.md
echo "benchmark: wrote BENCHMARKS.md"
