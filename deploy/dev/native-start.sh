#!/bin/sh
# kmodd's start natively, on this machine's own CPU (no emulation), on the three JDKs of the guest benchmark's
# section 7, for BENCHMARKS.md's native comparison. This machine's kernel has no module support, so readiness
# answers DOWN (503) here: the figure is start to the first answer of /q/health/ready, which is when the
# daemon would say UP on a host that loads modules. Runs in a private mount namespace on an overlay of the
# Debian 13 root (make-root.sh), so Debian 13's OpenJDK 21 and 25 run on their own userland; Debian 12's 17
# is the copy benchmark.sh makes (BENCH_ROOT=debian13). Nothing of the cached root or this machine changes.
# Usage (root, after BENCH_ROOT=debian13 deploy/dev/benchmark.sh): deploy/dev/native-start.sh [STARTS]
set -eu
if [ "${1:-}" = --inside ]; then
    # In the chroot: measure, print a markdown table.
    exec python3 - "$2" "$3" <<'EOF'
import os, statistics, subprocess, sys, time, urllib.error, urllib.request
project, starts = sys.argv[1], int(sys.argv[2])
sys.path.insert(0, os.path.join(project, "src", "test", "pylib"))
from kmodd_unit import unit_jvm
opts, env = unit_jvm(project)
app = os.path.join(project, "target", "quarkus-app")
port = 18080
props = ["-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=%d" % port, "-Dkmodd.auth.enabled=false",
         "-Dkmodd.jobs.journal=none", "-Dkmodd.params.record-file=/tmp/n/loaded-with.json",
         "-Dkmodd.persistence.modules-load-file=/tmp/n/ml.conf", "-Dkmodd.persistence.modprobe-file=/tmp/n/mp.conf"]
os.makedirs("/tmp/n", exist_ok=True)


def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def answered():
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/q/health/ready" % port, timeout=5).read()
        return True
    except urllib.error.HTTPError:
        return True  # 503: DOWN, no module support here; an answer all the same
    except OSError:
        return False


def start(java, archive):
    flag = [] if archive is None else ["-XX:AOTCache=" + archive if archive.endswith(".aot") else "-XX:SharedArchiveFile=" + archive]
    t = time.perf_counter()
    p = subprocess.Popen([java] + opts + flag + props + ["-jar", "quarkus-run.jar"], cwd=app, env=dict(os.environ, **env),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not answered():
        if p.poll() is not None:
            raise SystemExit("kmodd exited %d on %s" % (p.returncode, java))
        if time.perf_counter() - t > 120:
            raise SystemExit("kmodd did not answer within 120 s on %s" % java)
        time.sleep(0.005)
    took = time.perf_counter() - t
    p.terminate()
    p.wait(60)
    return took


jdks = [("17", os.path.join(project, "target", "bench-jdks", "jdk-17", "bin", "java")),
        ("21", "/usr/lib/jvm/java-21-openjdk-amd64/bin/java"), ("25", "/usr/lib/jvm/java-25-openjdk-amd64/bin/java")]
print("| JDK | `java -version` | start to first answer, no archive | with its archive | with its archive / `java -version` | making the archive |")
print("|---|---|---|---|---|---|")
for feature, java in jdks:
    archive = "/tmp/n/jdk%s.%s" % (feature, "aot" if int(feature) >= 25 else "jsa")
    floor = statistics.median(timed([java, "-version"]) for _ in range(starts))
    cold = statistics.median(start(java, None) for _ in range(starts))
    t = time.perf_counter()
    subprocess.run(["bash", os.path.join(project, "deploy", "debian", "make-archive"), archive] + opts, cwd=app,
                   env=dict(os.environ, KMODD_JAVA=java), check=True, stdout=subprocess.DEVNULL)
    made = time.perf_counter() - t
    warm = statistics.median(start(java, archive) for _ in range(starts))
    version = subprocess.run([java, "-version"], capture_output=True, text=True).stderr.splitlines()[1]
    print("| %s (%s) | %.0f ms | %.0f ms (%.1fx) | %.0f ms | %.1fx | %.1f s |" % (
        feature, version, floor * 1000, cold * 1000, cold / floor, warm * 1000, warm / floor, made), flush=True)
EOF
fi
project=$(cd "$(dirname "$0")/../.." && pwd)
starts=${1:-5}
[ "$(id -u)" = 0 ] || { echo "native-start: run as root (a mount namespace and a chroot)" >&2; exit 2; }
root=$(sh "$project/src/test/guest/make-root.sh" trixie)
[ -x "$project/target/bench-jdks/jdk-17/bin/java" ] || {
    echo "native-start: no copy of JDK 17 in target/bench-jdks: run BENCH_ROOT=debian13 deploy/dev/benchmark.sh first" >&2; exit 2; }
[ -f "$project/target/quarkus-app/quarkus-run.jar" ] || { echo "native-start: no build: ./mvnw package first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unshare --mount --propagation private sh -eu -c '
root=$1 project=$2 work=$3 starts=$4
mkdir -p "$work/rw" "$work/new"
mount -t tmpfs tmpfs "$work/rw"
mkdir -p "$work/rw/upper" "$work/rw/work"
mount -t overlay overlay -o "lowerdir=$root,upperdir=$work/rw/upper,workdir=$work/rw/work" "$work/new"
mkdir -p "$work/new$project"
mount --bind "$project" "$work/new$project"
mount -t proc proc "$work/new/proc"
mount --rbind /dev "$work/new/dev"
mount -t tmpfs tmp "$work/new/tmp"
exec chroot "$work/new" /bin/sh "$project/deploy/dev/native-start.sh" --inside "$project" "$starts"
' native-start "$root" "$project" "$work" "$starts"
