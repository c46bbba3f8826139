package io.kmodd.usage;

import io.kmodd.kernel.DeviceNumber;
import io.kmodd.kernel.HostFacts;
import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleUsage;
import io.kmodd.kernel.ResolutionException;
import io.kmodd.kernel.ResolvedModule;
import io.kmodd.kernel.ScanBound;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Explains a module's refcount from what the host shows: other modules using it
 * (/sys/module/NAME/holders), processes with one of its device files open (its majors in /proc/devices,
 * or its driver behind /sys/dev), mounts of a filesystem type it provides (the kernel's own "fs-TYPE"
 * alias, resolved by libkmod) or on one of its block devices, its loop devices attached to files, and what
 * is built on its block devices. Network interfaces of its driver hold no reference but go with it. One
 * explanation costs one host scan (bounded by its {@link ScanBound}): never call it on every poll. Thread-safe.
 */
public final class UsageExplainer {
    private final Kernel kernel;
    private final ScanBound bound;

    public UsageExplainer(Kernel kernel, ScanBound bound) {
        this.kernel = kernel;
        this.bound = bound;
    }

    /**
     * The explanation, or empty when the module is not loaded. The refcount is read before and after the
     * scan; when it moved meanwhile the explanation is never called complete.
     */
    public Optional<UsageExplanation> explain(ModuleName name) {
        Optional<ModuleUsage> before = kernel.usage(name);
        if (before.isEmpty()) {
            return Optional.empty();
        }
        HostFacts facts = kernel.hostFacts(bound);
        return kernel.usage(name).map(after -> explain(name, after, facts, after.refcnt() == before.get().refcnt()));
    }

    /** Scans the host once, for {@link #explain(ModuleName, ModuleUsage, HostFacts)}. */
    public HostFacts scan() {
        return kernel.hostFacts(bound);
    }

    /**
     * The explanation of a module's usage as the caller already read it, against facts already scanned
     * (one scan and one read of /proc/modules for several modules).
     */
    public UsageExplanation explain(ModuleName name, ModuleUsage usage, HostFacts facts) {
        return explain(name, usage, facts, true);
    }

    /**
     * {@code complete} only when what was found accounts for the refcount exactly, from sources whose
     * count is exact: holder modules, superblocks, attached loop devices, what is built on a block device,
     * and block devices opened once. A character device's open file may hold one reference or two (its
     * cdev's owner and its file operations' owner), and one device open twice may be one shared open file
     * (dup, fork) or two: either makes the count a bound, not an explanation.
     */
    private UsageExplanation explain(ModuleName name, ModuleUsage usage, HostFacts facts, boolean stable) {
        String m = name.value();
        Set<Integer> blockMajors = majorsOf(m, facts.blockMajors());
        List<HostFacts.BlockDevice> blocks = facts.blockDevices().stream()
                .filter(b -> blockMajors.contains(b.device().major()) || named(b.driverModule(), m)).toList();
        List<Holding> holding = new ArrayList<>(holderModules(m, usage));
        Processes processes = processes(m, facts, blockMajors);
        holding.addAll(processes.holding());
        holding.addAll(mounts(m, facts, blocks));
        holding.addAll(loopDevicesAndBuiltOn(blocks));
        int explained = (int) holding.stream().filter(Holding::holdsReference).count();
        return new UsageExplanation(m, usage.refcnt(), explained,
                stable && !processes.inexact() && explained == usage.refcnt(), holding, interfaces(m, facts),
                facts.notVisible());
    }

    /** Other modules using it (/sys/module/NAME/holders): one reference each. */
    private static List<Holding> holderModules(String m, ModuleUsage usage) {
        return usage.holders().stream().map(h -> new Holding(Holding.Kind.MODULE, "module " + h + " uses it",
                "/sys/module/" + m + "/holders", true, Map.of("module", h.value()))).toList();
    }

    /** What the processes hold; {@code inexact} when their count is a bound rather than an explanation. */
    private record Processes(List<Holding> holding, boolean inexact) {
    }

    /** Processes with one of its device files open: its majors in /proc/devices, or its driver behind /sys/dev. */
    private static Processes processes(String m, HostFacts facts, Set<Integer> blockMajors) {
        Set<Integer> charMajors = majorsOf(m, facts.charMajors());
        List<Holding> holding = new ArrayList<>();
        boolean inexact = false;
        Set<DeviceNumber> opened = new HashSet<>();
        for (HostFacts.OpenDevice o : facts.openDevices()) {
            Set<Integer> majors = o.device().kind() == DeviceNumber.Kind.BLOCK ? blockMajors : charMajors;
            if (!majors.contains(o.device().major()) && !named(o.driverModule(), m)) {
                continue;
            }
            inexact |= o.device().kind() == DeviceNumber.Kind.CHAR || !opened.add(o.device());
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("pid", o.pid());
            d.put("command", o.command());
            o.unit().ifPresent(u -> d.put("unit", u));
            d.put("path", o.path());
            holding.add(new Holding(Holding.Kind.PROCESS, o.path() + " open by pid " + o.pid() + " (" + o.command()
                    + o.unit().map(u -> ", " + u).orElse("") + ")", "/proc/" + o.pid() + "/fd", true, d));
        }
        return new Processes(holding, inexact);
    }

    /** Superblocks of a filesystem type it provides or on one of its block devices: one per superblock. */
    private List<Holding> mounts(String m, HostFacts facts, List<HostFacts.BlockDevice> blocks) {
        Map<String, String> blockByNumber = blocks.stream()
                .collect(Collectors.toMap(b -> b.device().toString(), HostFacts.BlockDevice::name, (a, b) -> a));
        Map<String, List<HostFacts.Mount>> bySuperblock = new LinkedHashMap<>();
        FsTypes fsTypes = new FsTypes();
        for (HostFacts.Mount mount : facts.mounts()) {
            if (fsTypes.providedBy(mount.fstype(), m) || blockByNumber.containsKey(mount.device())) {
                bySuperblock.computeIfAbsent(mount.device(), k -> new ArrayList<>()).add(mount);
            }
        }
        List<Holding> holding = new ArrayList<>();
        for (List<HostFacts.Mount> mounts : bySuperblock.values()) {
            HostFacts.Mount first = mounts.get(0);
            List<String> points = mounts.stream().map(HostFacts.Mount::mountPoint).toList();
            String block = blockByNumber.get(first.device());
            String on = block != null ? "/dev/" + block + " mounted" : first.fstype() + " from " + first.source() + " mounted";
            holding.add(new Holding(Holding.Kind.MOUNT, on + " at " + String.join(", ", points)
                    + (block != null ? " (" + first.fstype() + ")" : ""), "/proc/self/mountinfo", true,
                    Map.of("fstype", first.fstype(), "source", first.source(), "mountPoints", points, "device", first.device())));
        }
        return holding;
    }

    /** Its loop devices attached to files, and what is built on its block devices (/sys/block/DEV/holders). */
    private static List<Holding> loopDevicesAndBuiltOn(List<HostFacts.BlockDevice> blocks) {
        List<Holding> holding = new ArrayList<>();
        for (HostFacts.BlockDevice b : blocks) {
            b.backingFile().ifPresent(f -> holding.add(new Holding(Holding.Kind.LOOP_DEVICE, b.name() + " attached to " + f,
                    "/sys/block/" + b.name() + "/loop/backing_file", true, Map.of("device", b.name(), "backingFile", f))));
            for (String h : b.holders()) {
                holding.add(new Holding(Holding.Kind.BLOCK_HOLDER, h + " is built on " + b.name(),
                        "/sys/block/" + b.name() + "/holders", true, Map.of("device", b.name(), "holder", h)));
            }
        }
        return holding;
    }

    /** Network interfaces of its driver: they hold no reference, but a removal destroys them. */
    private static List<Holding> interfaces(String m, HostFacts facts) {
        return facts.interfaces().stream().filter(i -> named(i.driverModule(), m) || named(i.driver(), m))
                .map(i -> new Holding(Holding.Kind.NETWORK_INTERFACE, "network interface " + i.name() + " ("
                        + (i.up() ? "up" : "down") + ")", "/sys/class/net/" + i.name(), false,
                        Map.<String, Object>of("interface", i.name(), "up", i.up())))
                .toList();
    }

    /** Majors registered under the module's name ('-' and '_' are the same character to the kernel). */
    private static Set<Integer> majorsOf(String module, Map<Integer, String> majors) {
        return majors.entrySet().stream().filter(e -> e.getValue().replace('-', '_').equals(module))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
    }

    private static boolean named(Optional<String> name, String module) {
        return name.map(n -> n.replace('-', '_').equals(module)).orElse(false);
    }

    /** Which module provides a filesystem type: the kernel asks for "fs-TYPE", and so does this, once per type. */
    private final class FsTypes {
        private final Map<String, Set<String>> providers = new HashMap<>();

        boolean providedBy(String mountType, String module) {
            // FUSE mounts name their subtype (fuse.sshfs); the kernel's type is what comes before the dot.
            String fstype = mountType.contains(".") ? mountType.substring(0, mountType.indexOf('.')) : mountType;
            if (fstype.replace('-', '_').equals(module)) {
                return true;
            }
            return providers.computeIfAbsent(fstype, t -> {
                try {
                    return kernel.resolve("fs-" + t).stream().map(ResolvedModule::name).map(ModuleName::value)
                            .collect(Collectors.toSet());
                } catch (ResolutionException | RuntimeException e) {
                    return Set.of();
                }
            }).contains(module);
        }
    }
}
