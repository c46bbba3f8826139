/**
 * What holds a module: the explanation of its refcount from the kernel port's host scan (holders, mounts,
 * open files, block devices, network interfaces), and what the scan could not see.
 */
package io.kmodd.usage;
