#!/bin/sh
# "Try it safely": boots the real-kernel guest with kmodd inside and forwards it to 127.0.0.1:PORT
# (default 18080), so you can curl it without touching your own kernel. Ctrl-C stops the guest.
set -eu
port=${1:-18080}
project=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$project"
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
out=$(mktemp -d)
echo "Booting a throwaway guest (TCG; kmodd is ready in about 30 s). When it is, try:"
echo "  export KMODD_TOKEN=\$(awk '\$2==\"admin\"{print \$3}' $out/tokens)"
echo "  curl -s -H \"Authorization: Bearer \$KMODD_TOKEN\" localhost:$port/modules | head -c 300"
echo "  curl -s -H \"Authorization: Bearer \$KMODD_TOKEN\" -X POST 'localhost:$port/modules/xfs/load?wait=60s'"
echo "  curl -N -H \"Authorization: Bearer \$KMODD_TOKEN\" -H 'Accept: text/event-stream' -X POST 'localhost:$port/modules/xfs/unload?timeout=10s'"
echo "Guest console: $out/console.log   kmodd log: $out/kmodd.log   Ctrl-C ends the guest."
exec src/test/guest/run-guest.sh try "$port" 0 "$out"
