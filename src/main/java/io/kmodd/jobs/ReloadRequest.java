package io.kmodd.jobs;

import io.kmodd.kernel.ModuleParameters;

/**
 * A reload as asked for: the parameters to load the module with again, how patient its removal may be, and
 * two permissions the caller's role was checked for.
 *
 * @param ignoreBlacklist reload even when modprobe.d blacklists it (admin)
 * @param withHolders take the modules that hold it down first (each must be unused) and bring them back after
 */
public record ReloadRequest(ModuleParameters params, UnloadOptions removal, boolean ignoreBlacklist, boolean withHolders) {
}
