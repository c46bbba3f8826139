#!/bin/sh
# Runs in the guest's initramfs (busybox) before systemd starts, on the overlay root that takes every
# write in RAM: makes this machine's root boot as a plain Debian 12 host, with kmodd not installed. The
# suite then installs the package as the README tells a user and talks to the unit the package started.
# Usage: prepare-systemd-root.sh ROOT PROJECT_DIR
set -eu
root=$1
project=$2
here=$project/src/test/guest
# Leftovers of the build machine's container image that a real Debian install does not have, removed in
# the overlay only: /.dockerenv makes systemd believe it runs in a container (it keeps / private, and
# LoadCredential= then comes up empty); policy-rc.d exits 101, so package scripts never start services;
# PackageKit's apt hook waits for a daemon that is not there.
rm -f "$root/.dockerenv" "$root/usr/sbin/policy-rc.d" "$root/etc/apt/apt.conf.d/20packagekit"
# What the build machine's own setup made for running kmodd by hand (deploy/dev/setup-debian.sh makes
# /etc/kmodd/tokens): the guest is a host where kmodd was never installed, so the package makes its own.
rm -rf "$root/etc/kmodd" "$root/var/lib/kmodd" "$root/var/lib/private/kmodd" \
    "$root/etc/modules-load.d/kmodd.conf" "$root/etc/modprobe.d/kmodd.conf"
# Services of the build machine that have nothing to do with kmodd, or cannot work in a guest without a
# network or a disk: masked, so the guest boots what a minimal host boots.
for u in postgresql.service prometheus.service apparmor.service getty@tty1.service serial-getty@ttyS0.service \
         systemd-timesyncd.service systemd-pstore.service e2scrub_reap.service apt-daily.timer \
         apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer man-db.timer \
         systemd-firstboot.service systemd-repart.service remote-fs.target; do
    ln -sf /dev/null "$root/etc/systemd/system/$u"
done
# A root whose /usr is newer than /etc/.updated and /var/.updated makes systemd run the units with
# ConditionNeedsUpdate= (ldconfig.service: 3.5 s of every boot on Debian 13), as after an offline update;
# an installed host has done that once. Stamped now, so that the guest boots as that host does.
touch "$root/etc/.updated" "$root/var/.updated"
# The project is mounted at its own path before systemd starts. systemd 257 (Debian 13) mounts a tmpfs on
# /tmp at boot, which would cover a project that lives under /tmp (a CI clone): then /tmp stays on the
# root filesystem, as on Debian 12. Elsewhere the guest keeps Debian 13's tmpfs /tmp.
case "$project" in
    /tmp/*) ln -sf /dev/null "$root/etc/systemd/system/tmp.mount" ;;
esac
# kmodd's state directory (/var/lib/private/kmodd: journal, parameter record, drop-ins) on a small
# filesystem of its own, as on a host whose /var is a partition: the suite fills it to make a full disk
# that nothing else in the guest shares.
cat > "$root/etc/systemd/system/var-lib-private.mount" <<UNIT
[Unit]
Description=kmodd's state on a small filesystem of its own (guest only)
[Mount]
What=kmodd-state
Where=/var/lib/private
Type=tmpfs
Options=mode=0700,size=16m
UNIT
mkdir -p "$root/etc/systemd/system/local-fs.target.wants"
ln -sf /etc/systemd/system/var-lib-private.mount "$root/etc/systemd/system/local-fs.target.wants/var-lib-private.mount"
# Test plumbing, guest-only: the network QEMU gives, the command agent the suite drives, and a forward
# from the guest's address to the unit's loopback listener.
cat > "$root/etc/systemd/system/kmodd-guest-net.service" <<UNIT
[Unit]
Description=Guest network (QEMU user-mode)
Before=network.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/sbin/ip link set eth0 up
ExecStart=/sbin/ip addr add 10.0.2.15/24 dev eth0
UNIT
cat > "$root/etc/systemd/system/kmodd-guest-agent.service" <<UNIT
[Unit]
Description=The test suite's command agent (guest only)
Requires=kmodd-guest-net.service
After=kmodd-guest-net.service
[Service]
ExecStart=/bin/busybox httpd -f -p 0.0.0.0:7070 -h $here/www
UNIT
cat > "$root/etc/systemd/system/kmodd-guest-forward.service" <<UNIT
[Unit]
Description=Forward from the guest's address to kmodd's loopback listener (guest only)
Requires=kmodd-guest-net.service
After=kmodd-guest-net.service
[Service]
ExecStart=/usr/bin/python3 $here/forward.py 10.0.2.15 8080 127.0.0.1 8080
UNIT
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
for u in kmodd-guest-net kmodd-guest-agent kmodd-guest-forward; do
    ln -sf "/etc/systemd/system/$u.service" "$root/etc/systemd/system/multi-user.target.wants/$u.service"
done
echo kmodd-guest > "$root/etc/hostname"
