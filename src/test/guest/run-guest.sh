#!/bin/sh
# Boots a throwaway QEMU guest (TCG: KVM hangs on the build machines) running the installed Debian kernel
# of the series asked for (never "the newest": every target names its kernel), with this machine's root
# shared read-only over 9p and kmodd started from the packaged build. Only QEMU's user-mode network,
# restricted, with forwards bound to 127.0.0.1.
# Usage: run-guest.sh test|try|bench|systemd KMODD_PORT AGENT_PORT OUT_DIR [SERIES [ROOT]]
#   test, try, bench: kmodd started by hand (java -jar) in this machine's root, read-only (a chroot);
#   systemd: systemd as PID 1 on an overlay root writable in RAM, kmodd not installed: the suite installs
#   the package through the agent;
#   AGENT_PORT 0: no agent forward; SERIES: the kernel series, 6.1 (default), 6.12, 7 (the newest 7.x);
#   ROOT: the root filesystem the guest boots and takes its kernel from: / (this machine, Debian 12; the
#   default) or one made by make-root.sh (Debian 13), whose kernels are its own, with the image in
#   /boot/vmlinuz-KVER or, as the split 7.x packages have it, /usr/lib/modules/KVER/vmlinuz
# Environment: KMODD_GUEST_CPU (QEMU's CPU model, default max), KMODD_GUEST_SMP (vCPUs, default 2),
#   KMODD_GUEST_TCG_THREAD (multi, the default: one host thread per vCPU; single: one for all). Under
#   multi-threaded TCG a JVM that recompiles hot methods (the JDK's default tiers) crashed twice in about
#   forty starts here, both while this machine was busy with a build; the suite's JVMs run C1 only, as
#   the unit does, and the suite fails a target whose guest wrote any JVM crash report. One vCPU or one
#   TCG thread avoids the race but makes kmodd's start four times slower (README, "The guest's CPU").
#   KMODD_GUEST_CPU_QUOTA (percent of one of this machine's cores that QEMU may use, all its threads
#   together, e.g. 80; unset: no bound): a slower machine made on this one, to check that the suite passes
#   where emulation is slower (root; a cgroup v1 cpu or v2 cpu.max bound around QEMU).
set -eu
mode=$1
kport=$2
aport=$3
out=$4
series=${5:-6.1}
root=${6:-/}
here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../../.." && pwd)
missing=""
command -v qemu-system-x86_64 >/dev/null || missing="$missing qemu-system-x86"
command -v busybox >/dev/null || missing="$missing busybox-static"
# The highest patch level of the series, generic flavour only (6.1 -> 6.1.0-56-amd64, 6.12 ->
# 6.12.117+deb12-amd64, 7 -> 7.3.4+deb13-amd64; never -rt- or -cloud-).
series_re=$(printf %s "$series" | sed 's/\./\\./g')
image() {
    if [ -f "$root/usr/lib/modules/$1/vmlinuz" ]; then echo "$root/usr/lib/modules/$1/vmlinuz"
    elif [ -f "$root/boot/vmlinuz-$1" ]; then echo "$root/boot/vmlinuz-$1"; fi
}
kver=$(ls "$root/lib/modules" 2>/dev/null | grep -E "^${series_re}[.-][^-]*(-[0-9]+)?-amd64\$" | sort -V | while read -r v; do
    [ -n "$(image "$v")" ] && echo "$v"; done | tail -n 1)
[ -n "$kver" ] || missing="$missing linux-image-$series(-amd64) in $root"
if [ -n "$missing" ]; then
    echo "run-guest: missing:$missing. Install them with: sudo deploy/dev/setup-debian.sh" >&2
    exit 2
fi
[ -f "$project/target/quarkus-app/quarkus-run.jar" ] || {
    echo "run-guest: no packaged kmodd; run ./mvnw package first" >&2; exit 2; }
mkdir -p "$out"
"$here/build-initramfs.sh" "$kver" "$out/initramfs.cpio.gz" "$root"
fwd="hostfwd=tcp:127.0.0.1:$kport-:8080"
[ "$aport" = 0 ] || fwd="$fwd,hostfwd=tcp:127.0.0.1:$aport-:7070"
if [ "$mode" = systemd ]; then
    boot="kmodd_boot=systemd kmodd_script=$here/prepare-systemd-root.sh net.ifnames=0"
else
    boot="kmodd_script=$here/guest-main.sh kmodd_args=$mode"
fi
if [ -n "${KMODD_GUEST_CPU_QUOTA:-}" ]; then
    case $KMODD_GUEST_CPU_QUOTA in *[!0-9]*|"") echo "run-guest: KMODD_GUEST_CPU_QUOTA must be a whole percent, such as 80" >&2; exit 2;; esac
    quota=$((KMODD_GUEST_CPU_QUOTA * 1000))
    if [ -w /sys/fs/cgroup/cpu ] && [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then base=/sys/fs/cgroup/cpu
    elif [ -f /sys/fs/cgroup/cgroup.controllers ] && [ -w /sys/fs/cgroup ]; then base=/sys/fs/cgroup
    else
        echo "run-guest: KMODD_GUEST_CPU_QUOTA needs root and a writable cgroup cpu controller" >&2; exit 2
    fi
    # Earlier guests' groups, empty once their QEMU has gone (rmdir removes only those).
    for old in "$base"/kmodd-guest-*; do [ -d "$old" ] && rmdir "$old" 2>/dev/null || true; done
    cg=$base/kmodd-guest-$$
    mkdir -p "$cg"
    if [ "$base" = /sys/fs/cgroup/cpu ]; then
        echo 100000 > "$cg/cpu.cfs_period_us" && echo "$quota" > "$cg/cpu.cfs_quota_us"
    else
        echo +cpu > "$base/cgroup.subtree_control" 2>/dev/null || true
        echo "$quota 100000" > "$cg/cpu.max"
    fi
    echo $$ > "$cg/cgroup.procs"
    echo "run-guest: QEMU bound to ${KMODD_GUEST_CPU_QUOTA}% of one core ($cg)" >&2
fi
exec qemu-system-x86_64 -accel "tcg,thread=${KMODD_GUEST_TCG_THREAD:-multi}" -cpu "${KMODD_GUEST_CPU:-max}" -smp "${KMODD_GUEST_SMP:-2}" -m 2048 -display none -monitor none -no-reboot \
    -serial "file:$out/console.log" \
    -kernel "$(image "$kver")" -initrd "$out/initramfs.cpio.gz" \
    -append "console=ttyS0 quiet panic=-1 kmodd_project=$project $boot" \
    -virtfs "local,path=$root,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
    -virtfs "local,path=$project,mount_tag=project,security_model=none,readonly=on,multidevs=remap" \
    -virtfs "local,path=$out,mount_tag=out,security_model=none,multidevs=remap" \
    -netdev "user,id=n0,restrict=on,$fwd" -device virtio-net-pci,netdev=n0,romfile=
