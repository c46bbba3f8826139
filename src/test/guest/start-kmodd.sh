#!/bin/sh
# Starts the packaged kmodd in the guest, in the background, logging to /tmp/out/kmodd.log. The suite
# calls it again (after killing the daemon) to test what a restart does to running jobs.
project=$(cd "$(dirname "$0")/../../.." && pwd)
export KMODD_JOBS_JOURNAL=/tmp/kmodd/jobs.jsonl
java -Xmx256m -XX:TieredStopAtLevel=1 -Dquarkus.http.host=0.0.0.0 \
    -jar "$project/target/quarkus-app/quarkus-run.jar" >> /tmp/out/kmodd.log 2>&1 &
echo $!
