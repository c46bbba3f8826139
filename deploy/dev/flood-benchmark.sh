#!/bin/bash
# The flood benchmark (BENCHMARKS.md, "Floods"): builds the package, then floods the daemon started as the
# unit starts it (its JVM flags and Environment=, the build's archive) from 127.0.0.1 at full size and prints
# the figures as JSON. Traffic stays on loopback.
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -q package -DskipTests -DskipGuest
exec python3 src/test/flood/flood.py --scale "${SCALE:-1}" --journal-mb "${JOURNAL_MB:-50}" --out target/flood.json
