package io.kmodd.kernel;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One module as libkmod resolves it from the running kernel's module tree.
 *
 * @param path the module file, empty for a module built into the kernel
 * @param options the options modprobe.d gives it, "" when none
 * @param dependencies its hard dependencies, transitively, in load order (first to load first)
 * @param softPre soft dependencies to load before it ("softdep M pre: ..."), best effort
 * @param softPost soft dependencies to load after it, best effort
 * @param blacklisted whether modprobe.d blacklists it
 * @param hasInstallCommand whether modprobe.d has an "install" command for it, which kmodd does not run
 */
public record ResolvedModule(ModuleName name, Optional<Path> path, String options, List<ModuleName> dependencies,
        List<ModuleName> softPre, List<ModuleName> softPost, boolean blacklisted, boolean hasInstallCommand) {
    public ResolvedModule {
        dependencies = List.copyOf(dependencies);
        softPre = List.copyOf(softPre);
        softPost = List.copyOf(softPost);
        options = options == null ? "" : options;
    }

    public boolean builtin() {
        return path.isEmpty();
    }
}
