#!/bin/sh
# Starts the packaged kmodd in the guest, in the background, logging to /tmp/out/kmodd.log. The suite
# calls it again (after killing the daemon) to test what a restart does to running jobs.
project=$(cd "$(dirname "$0")/../../.." && pwd)
export KMODD_JOBS_JOURNAL=/tmp/kmodd/jobs.jsonl
# One token per role, made once per boot; the suite reads them through the agent.
if [ ! -f /tmp/kmodd/tokens ]; then
    mkdir -p /tmp/kmodd
    umask 077
    for role in viewer operator admin; do
        echo "guest-$role $role $(head -c 24 /dev/urandom | base64 | tr '+/' '-_')"
    done > /tmp/kmodd/tokens
    # The results share lets the host (try.sh) read them; the guest is throwaway and forwarded to loopback.
    cp /tmp/kmodd/tokens /tmp/out/tokens
fi
export KMODD_AUTH_TOKENS_FILE=/tmp/kmodd/tokens
# The guest's /etc is this machine's, read-only: the drop-ins live in /tmp, and the suite bind-mounts them
# over /etc/modprobe.d when it plays the boot.
export KMODD_PERSISTENCE_MODULES_LOAD_FILE=/tmp/kmodd/modules-load.d/kmodd.conf
export KMODD_PERSISTENCE_MODPROBE_FILE=/tmp/kmodd/modprobe.d/kmodd.conf
# The class-data-sharing archive names the jar relative to the directory it was made in: start from there.
cd "$project/target/quarkus-app"
# KMODD_CDS: on (the build's archive), off, or the path of another archive (the benchmarks make their own):
# a .aot file is JDK 25's ahead-of-time cache, any other a class-data-sharing archive.
cds=""
case "${KMODD_CDS:-on}" in
    on) [ -f app-cds.jsa ] && cds="-XX:SharedArchiveFile=app-cds.jsa" ;;
    off) ;;
    *.aot) cds="-XX:AOTCache=$KMODD_CDS" ;;
    *) cds="-XX:SharedArchiveFile=$KMODD_CDS" ;;
esac
# KMODD_JAVA: the java to run (the benchmarks compare JDKs); java on the PATH by default.
java=${KMODD_JAVA:-java}
# KMODD_JAVA_OPTS: other JVM settings (the benchmarks start it as the packaged unit does).
# A JVM that crashes leaves its report in the results share, where the suite looks for one after each target.
"$java" -XX:ErrorFile=/tmp/out/hs_err_%p.log ${KMODD_JAVA_OPTS:--Xmx256m -XX:TieredStopAtLevel=1} $cds -Dquarkus.http.host=0.0.0.0 \
    -jar quarkus-run.jar >> /tmp/out/kmodd.log 2>&1 &
echo $! > /tmp/kmodd.pid
echo $!
