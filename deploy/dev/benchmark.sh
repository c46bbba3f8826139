#!/bin/sh
# Runs the benchmarks (kmodd against kmod's own tools, in one QEMU guest) and writes BENCHMARKS.md.
# Takes about 20 minutes under emulation. BENCH_SECTIONS=jdks BENCH_ROOT=debian13 runs only section 7 (the
# three JDKs, in a Debian 13 guest).
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
# BENCH_ROOT=debian13: the guest boots the Debian 13 root (make-root.sh) on its own 6.12 kernel, and the jdks
# section compares the JDKs a Debian host runs kmodd on: Debian 13's OpenJDK 21 and 25, and Debian 12's
# OpenJDK 17 (this machine's, copied where the guest sees it: Debian 13 has no 17). Debian's JREs have no
# jcmd, so the benchmarks read the JVMs with a full JDK's (17's for 17, Temurin 25's for 21 and 25).
series=6.1
root=/
if [ "${BENCH_ROOT:-}" = debian13 ]; then
    series=6.12
    root=$(sh src/test/guest/make-root.sh trixie)
    jdks=$project/target/bench-jdks
    temurin=$(ls -d /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/jdk-25* 2>/dev/null | head -n 1)
    [ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/jcmd ] && [ -n "$temurin" ] || {
        echo "benchmark: BENCH_ROOT=debian13 needs openjdk-17-jdk-headless and a Temurin 25 JDK here" >&2; exit 2; }
    for pair in "jdk-17 /usr/lib/jvm/java-17-openjdk-amd64" "temurin-25 $temurin"; do
        set -- $pair
        [ -x "$jdks/$1/bin/java" ] || { mkdir -p "$jdks"; cp -rL "$2" "$jdks/$1" 2>/dev/null || true; }
        "$jdks/$1/bin/java" -version >/dev/null 2>&1 || { echo "benchmark: cannot copy $2 to $jdks/$1" >&2; exit 2; }
    done
    {
        echo "17 $jdks/jdk-17/bin/java $jdks/jdk-17/bin/jcmd"
        echo "21 /usr/lib/jvm/java-21-openjdk-amd64/bin/java $jdks/temurin-25/bin/jcmd"
        echo "25 /usr/lib/jvm/java-25-openjdk-amd64/bin/java $jdks/temurin-25/bin/jcmd"
    } > "$out/jdks"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
timeout 3600 src/test/guest/run-guest.sh bench "$port" 0 "$out" "$series" "$root"
if [ ! -s "$out/BENCHMARKS.md" ]; then
    echo "benchmark: no report; see $out/bench.log and $out/console.log" >&2
    exit 1
fi
if [ -n "${BENCH_SECTIONS:-}" ]; then
    echo "benchmark: sections $BENCH_SECTIONS in $out/BENCHMARKS.md"
    exit 0
fi
# The flood benchmark (deploy/dev/flood-benchmark.sh) is run apart, on the host; its section is kept. So is
# section 7 (the three JDKs, BENCH_ROOT=debian13) when this run did not make it.
floods=$(sed -n '/^## Floods/,$p' BENCHMARKS.md)
jdks7=""
grep -q '^## 7\. ' "$out/BENCHMARKS.md" || jdks7=$(sed -n '/^## 7\. /,/^## Reading the figures/p' BENCHMARKS.md | sed '$d')
{
    cat "$out/BENCHMARKS.md"
    [ -z "$jdks7" ] || printf '\n%s\n' "$jdks7"
    echo "## How to rerun"
    echo
    echo '`deploy/dev/benchmark.sh` (after `sudo deploy/dev/setup-debian.sh`): it packages kmodd, boots the guest,'
    echo 'runs `src/test/guest/bench.py` inside it next to the daemon, and rewrites this file.'
    echo '`BENCH_SECTIONS=jdks BENCH_ROOT=debian13 deploy/dev/benchmark.sh` runs section 7 alone in the Debian 13'
    echo 'guest (its report is then target/bench/BENCHMARKS.md), and `deploy/dev/native-start.sh` after it the'
    echo 'native comparison.'
    if [ -n "$floods" ]; then
        echo
        printf '%s\n' "$floods"
    fi
} > BENCHMARKS.md
echo "benchmark: wrote BENCHMARKS.md"
