#!/bin/sh
# Installs what building, running and testing kmodd needs on Debian 12, and nothing when it is all there.
#   JDK 17 (build and run), libkmod (module resolution), kmod and e2fsprogs (used inside the test guest),
#   QEMU, busybox-static and Debian 12's own kernel with its modules (6.1), xz-utils and zstd (the real-kernel
#   test guests), mmdebstrap (the Debian 13 guests' root filesystem, made from Debian's packages by
#   src/test/guest/make-root.sh with a private sources list: this machine's apt sources are not changed),
#   prometheus (promtool, to check the metrics), ansible-core (ansible-playbook runs the deploy/ansible example
#   against a test guest), curl, python3 and strace (the benchmarks),
#   Node.js and npm (Redocly's OpenAPI linter, fetched from the npm registry by the tests), lintian (the .deb),
#   openssl (test certificates for mutual TLS), systemd (systemd-analyze, and systemd-modules-load in the guest;
#   nothing is started), iproute2 and procps (the guest's network and its daemon restarts).
# As root it also makes /etc/kmodd/tokens with an admin token when there is none.
set -eu
need=""
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in openjdk-17-jdk-headless libkmod2 kmod e2fsprogs qemu-system-x86 busybox-static linux-image-amd64 \
         mmdebstrap xz-utils zstd prometheus ansible-core curl cpio python3 strace lintian openssl systemd \
         iproute2 procps; do
    have "$p" || need="$need $p"
done
# Node.js and npm run the OpenAPI linter. Checked as commands: a nodejs from elsewhere (nodesource) bundles
# npm and conflicts with Debian's npm package.
command -v npm >/dev/null 2>&1 || need="$need nodejs npm"
make_token() {
    # kmodd refuses to start without a token file; make one with an admin token, readable by root only.
    [ "$(id -u)" = 0 ] || return 0
    [ -f /etc/kmodd/tokens ] && return 0
    mkdir -p /etc/kmodd
    (umask 077; echo "admin admin $(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" > /etc/kmodd/tokens)
    echo "setup-debian: made /etc/kmodd/tokens with an admin token (sudo awk '\$2==\"admin\"{print \$3}' /etc/kmodd/tokens)"
}
if [ -z "$need" ]; then
    make_token
    echo "setup-debian: everything is installed"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "setup-debian: missing:$need; run this script as root (sudo $0)" >&2
    exit 1
fi
echo "setup-debian: installing$need"
apt-get update -qq
# prometheus is only wanted for promtool: keep its service from starting on the build machine.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
    systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
make_token
echo "setup-debian: done"
