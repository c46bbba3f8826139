#!/bin/sh
# Builds the guest's initramfs: busybox-static, the guest kernel's own virtio, 9p and virtio-net modules,
# and an init that mounts this machine's root read-only over 9p and chroots into it. No disk image.
# Usage: build-initramfs.sh KERNEL_VERSION OUTPUT.cpio.gz
set -eu
kver=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
mods=/lib/modules/$kver
[ -d "$mods" ] || { echo "no module tree $mods: apt-get install linux-image-amd64" >&2; exit 1; }
bb=$(command -v busybox) || { echo "busybox missing: apt-get install busybox-static" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/proc" "$work/sys" "$work/dev" "$work/host" "$work/modules"
cp "$bb" "$work/bin/busybox"
order=""
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci 9pnet 9pnet_virtio netfs \
         fscache 9p failover net_failover virtio_net; do
    f=$(modinfo -k "$kver" -n "$m")
    case "$f" in
        *.ko) cp "$f" "$work/modules/$m.ko" ;;
        *.ko.xz) xz -dc "$f" > "$work/modules/$m.ko" ;;
        *.ko.zst) zstd -qdc "$f" > "$work/modules/$m.ko" ;;
        *) echo "cannot use module file $f" >&2; exit 1 ;;
    esac
    order="$order $m"
done
echo "$order" > "$work/modules/order"
cp "$here/init" "$work/init"
chmod 755 "$work/init"
(cd "$work" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out"
