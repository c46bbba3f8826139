#!/bin/sh
# Builds the guest's initramfs: busybox-static, the guest kernel's own virtio, 9p, virtio-net and overlay
# modules (decompressed, since busybox's insmod loads only plain .ko; those the kernel has built in, or
# folded into another module, as 6.12 did with fscache, are skipped), and an init that mounts this
# machine's root read-only over 9p and chroots into it, or boots systemd on an overlay of it. No disk image.
# Usage: build-initramfs.sh KERNEL_VERSION OUTPUT.cpio.gz [ROOT]
#   ROOT: the root filesystem whose kernel modules to take (default /, this machine's)
set -eu
kver=$1
out=$2
root=${3:-/}
here=$(cd "$(dirname "$0")" && pwd)
mods=$root/lib/modules/$kver
[ -d "$mods" ] || { echo "no module tree $mods: apt-get install linux-image-amd64" >&2; exit 1; }
bb=$(command -v busybox) || { echo "busybox missing: apt-get install busybox-static" >&2; exit 1; }
PATH=$PATH:/usr/sbin:/sbin
command -v modinfo >/dev/null || { echo "modinfo missing: apt-get install kmod" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/proc" "$work/sys" "$work/dev" "$work/host" "$work/modules"
cp "$bb" "$work/bin/busybox"
order=" "
# Adds a module after its own dependencies (the kernel's list, modinfo -F depends), once; built-in or absent
# ones are skipped, so the order follows whichever kernel is chosen.
add() {
    local f d
    case "$order" in *" $1 "*) return 0 ;; esac
    f=$(modinfo -b "$root" -k "$kver" -n "$1" 2>/dev/null) || return 0
    [ "$f" = "(builtin)" ] && return 0
    for d in $(modinfo -b "$root" -k "$kver" -F depends "$1" | tr ',' ' '); do
        add "$d"
    done
    case "$f" in
        *.ko) cp "$f" "$work/modules/$1.ko" ;;
        *.ko.xz) xz -dc "$f" > "$work/modules/$1.ko" ;;
        *.ko.zst) zstd -qdc "$f" > "$work/modules/$1.ko" ;;
        *) echo "cannot use module file $f" >&2; exit 1 ;;
    esac
    order="$order$1 "
}
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci 9pnet 9pnet_virtio netfs \
         fscache 9p failover net_failover virtio_net overlay; do
    add "$m"
done
echo "$order" > "$work/modules/order"
cp "$here/init" "$work/init"
chmod 755 "$work/init"
(cd "$work" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out"
