/**
 * The real kernel behind the port: /proc/modules, /sys/module, the host scan for holders (mounts, open device
 * files, block devices, network interfaces), libkmod through JNA for module resolution, and finit_module,
 * init_module and delete_module through libc's syscall(2). The only package that touches JNA (with systemd).
 */
package io.kmodd.kernel.linux;
