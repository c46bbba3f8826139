#!/bin/sh
# Makes (once per machine) the root filesystem of a Debian 13 host from Debian's own packages, for the guest
# suite's Debian 13 targets, and prints its path. It has what a new Debian 13 host has for kmodd (systemd as
# PID 1, its default JDK (OpenJDK 21) and OpenJDK 25 beside it, libkmod2, kmod), the test plumbing the guest needs (busybox's
# httpd for the command agent, python3 for the forward, curl, iproute2, e2fsprogs), Debian 13's own 6.12
# kernel and the newest kernel of trixie-backports (7.x, the split linux-base/binary/modules packages; their
# postinst runs depmod). kmodd itself is not installed: the scenarios install target/kmodd_*_amd64.deb with
# the README's apt command, offline, so its dependencies must already be here.
#
# The root is cached under $KMODD_GUEST_CACHE (default /var/cache/kmodd-guest), named by a hash of this
# script and the exact package versions it resolves, so a new kernel or JDK update makes a new one and an
# unchanged list reuses it. The machine's own apt sources are never touched: the package lists are read
# into a private folder beside the cache. The guest boots its own initramfs (build-initramfs.sh), so the
# distribution's update-initramfs is diverted to true inside the root: it would only cost minutes.
# Usage: make-root.sh trixie
set -eu
suite=${1:?usage: make-root.sh trixie}
[ "$suite" = trixie ] || { echo "make-root: only trixie (Debian 13) is known, not $suite" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "make-root: run as root (mmdebstrap makes a root filesystem)" >&2; exit 2; }
command -v mmdebstrap >/dev/null || { echo "make-root: mmdebstrap missing: sudo deploy/dev/setup-debian.sh" >&2; exit 2; }
cache=${KMODD_GUEST_CACHE:-/var/cache/kmodd-guest}
mirror=http://deb.debian.org/debian
security=http://deb.debian.org/debian-security
mkdir -p "$cache/apt/lists/partial" "$cache/apt/cache/archives/partial" "$cache/apt/etc"
exec 9>"$cache/lock"
flock 9
cat > "$cache/apt/etc/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
deb $mirror $suite-backports main
EOF
touch "$cache/apt/status"
apt_private() {
    "$@" -o Dir::Etc::SourceList="$cache/apt/etc/sources.list" -o Dir::Etc::SourceParts=/nonexistent \
        -o Dir::State::Lists="$cache/apt/lists" -o Dir::Cache="$cache/apt/cache" \
        -o Dir::State::Status="$cache/apt/status" -o APT::Architecture=amd64 -o Debug::NoLocking=1
}
apt_private apt-get -qq update >&2
# The newest generic-flavour kernel of each line: Debian 13's own 6.12 and the newest 7.x of backports.
newest() {
    apt_private apt-cache search --names-only "^linux-image-$1[.0-9]*\+deb13(\.[0-9]+)?-amd64\$" | awk '{print $1}' \
        | sort -V | tail -n 1
}
k612=$(newest '6\.12')
k7=$(newest '7\.')
[ -n "$k612" ] && [ -n "$k7" ] || { echo "make-root: no Debian 13 kernels found ($k612, $k7)" >&2; exit 1; }
packages="systemd systemd-sysv udev dbus default-jre-headless openjdk-25-jre-headless libkmod2 kmod libsystemd0
 busybox-static python3 curl iproute2 procps e2fsprogs mount util-linux xz-utils zstd strace ca-certificates
 $k612 $k7 linux-base/$suite-backports"
# NAME/SUITE (the backport kernel's newer linux-base) is taken from that suite.
versions=$(for p in $packages; do
    case "$p" in
        */*) v=$(apt_private apt-cache madison "${p%/*}" | awk -v s="${p#*/}" '$0 ~ s"/" {print $3; exit}') ;;
        *) v=$(apt_private apt-cache policy "$p" | awk '/Candidate:/ {print $2}') ;;
    esac
    printf '%s=%s\n' "$p" "$v"; done)
key=$( { cat "$0"; printf '%s\n' "$versions"; } | sha256sum | cut -c1-16)
root=$cache/$suite-$key
if [ ! -f "$root/.complete" ]; then
    echo "make-root: making the $suite root $root ($k612, $k7)" >&2
    rm -rf "$root" "$root.partial"
    # path-exclude keeps documentation and translations out, as a slim image does (the JDK's postinst
    # still links its man page into man1, which must exist).
    mmdebstrap --variant=apt --mode=root --format=directory \
        --include="$(printf '%s' "$packages" | tr -s ' \n' ',,' | sed 's/^,//; s/,$//')" \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
        --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
        --essential-hook='chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs' \
        --essential-hook='ln -sf /bin/true "$1/usr/sbin/update-initramfs"' \
        --customize-hook='chroot "$1" dpkg-query -W -f "\${Package}=\${Version}\n" > "$1/.packages"' \
        "$suite" "$root.partial" "deb $mirror $suite main" "deb $mirror $suite-updates main" \
        "deb $security $suite-security main" "deb $mirror $suite-backports main" >&2
    printf '%s\n' "$versions" > "$root.partial/.wanted"
    touch "$root.partial/.complete"
    mv "$root.partial" "$root"
    # Older roots of this suite are replaced, not kept.
    for old in "$cache/$suite"-*; do
        [ "$old" = "$root" ] || [ ! -d "$old" ] || rm -rf "$old"
    done
fi
echo "$root"
