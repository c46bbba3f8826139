package io.kmodd.jobs;

import java.time.Duration;

/**
 * How patiently to remove a module.
 *
 * @param timeout how long to wait for the refcount and retry the kernel's refusals; zero means one attempt
 * @param force delete_module with O_TRUNC: removes a module in use and taints the kernel
 * @param removeDependencies afterwards remove the dependencies nothing else uses, as modprobe -r does
 */
public record UnloadOptions(Duration timeout, boolean force, boolean removeDependencies) {
    public static final UnloadOptions NONE = new UnloadOptions(Duration.ZERO, false, false);
}
