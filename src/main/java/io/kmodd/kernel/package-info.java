/**
 * The kernel port: {@link io.kmodd.kernel.Kernel}, the one narrow interface through which everything else reads and changes
 * modules, and the values it speaks in (module names, parameters, errno, snapshots of /proc/modules and /sys/module).
 * Knows nothing of jobs or HTTP; its one adapter is {@code kernel.linux}.
 */
package io.kmodd.kernel;
