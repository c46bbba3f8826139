package io.kmodd.kernel.linux;

import io.kmodd.kernel.DeviceNumber;
import io.kmodd.kernel.HostFacts;
import io.kmodd.kernel.ScanBound;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads what can hold a module: /proc/self/mountinfo, /proc/devices, /sys/block, /sys/class/net and every
 * process's open device files (/proc/PID/fd). The process walk is the costly part; it stops at its
 * {@link ScanBound} (descriptors examined, or a time limit only a hung /proc reaches) and says so. Paths come from {@link KernelPaths}, so tests run it over fixture trees.
 * Stateless; thread-safe.
 */
final class HostScan {
    private static final Pattern PID = Pattern.compile("[0-9]+");
    private static final Pattern UNIT = Pattern.compile(".+\\.(service|scope|socket|mount|swap)");
    private final KernelPaths paths;
    private final Function<String, Optional<String>> ethtoolDriver;

    HostScan(KernelPaths paths, Function<String, Optional<String>> ethtoolDriver) {
        this.paths = paths;
        this.ethtoolDriver = ethtoolDriver;
    }

    HostFacts scan(ScanBound bound) {
        List<String> notVisible = new ArrayList<>();
        Map<Integer, String> blockMajors = new HashMap<>();
        Map<Integer, String> charMajors = new HashMap<>();
        readMajors(charMajors, blockMajors);
        return new HostFacts(mounts(notVisible), openDevices(bound, notVisible), blockDevices(), interfaces(),
                blockMajors, charMajors, notVisible);
    }

    /** /proc/devices: "Character devices:" then "Block devices:", each line "MAJOR NAME". */
    private void readMajors(Map<Integer, String> chars, Map<Integer, String> blocks) {
        Map<Integer, String> into = chars;
        for (String line : lines(paths.procRoot().resolve("devices"))) {
            if (line.startsWith("Block devices")) {
                into = blocks;
                continue;
            }
            String[] f = line.strip().split("\\s+");
            if (f.length == 2 && PID.matcher(f[0]).matches()) {
                into.put(Integer.parseInt(f[0]), f[1]);
            }
        }
    }

    /** mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS". */
    private List<HostFacts.Mount> mounts(List<String> notVisible) {
        Path file = paths.procRoot().resolve("self/mountinfo");
        if (!Files.isReadable(file)) {
            notVisible.add("mounts: " + file + " is not readable");
            return List.of();
        }
        List<HostFacts.Mount> mounts = new ArrayList<>();
        for (String line : lines(file)) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (f.length < 7 || dash < 6 || dash + 2 >= f.length) {
                continue;
            }
            mounts.add(new HostFacts.Mount(f[2], unescape(f[dash + 1]), unescape(f[dash + 2]), unescape(f[4])));
        }
        return mounts;
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 4 <= s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private List<HostFacts.OpenDevice> openDevices(ScanBound bound, List<String> notVisible) {
        long deadline = System.nanoTime() + bound.timeLimit().toNanos();
        long descriptors = 0;
        List<Path> pids = new ArrayList<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(paths.procRoot(), p -> PID.matcher(p.getFileName().toString()).matches())) {
            d.forEach(pids::add);
        } catch (IOException e) {
            notVisible.add("processes: " + paths.procRoot() + " cannot be listed (" + e.getMessage() + ")");
            return List.of();
        }
        if (!seesOtherUsersFiles()) {
            notVisible.add("processes: other users' open files are not visible to kmodd, which runs without root and "
                    + "without CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE (the packaged unit); the package's opt-in drop-in "
                    + "/usr/share/kmodd/see-processes.conf grants them");
        }
        List<HostFacts.OpenDevice> open = new ArrayList<>();
        int unreadable = 0;
        int scanned = 0;
        scan:
        for (Path pid : pids) {
            if (System.nanoTime() >= deadline) {
                notVisible.add(stopped(scanned, pids.size(), timeLimit(bound)));
                break;
            }
            List<Path> fds = new ArrayList<>();
            try (DirectoryStream<Path> d = Files.newDirectoryStream(pid.resolve("fd"))) {
                d.forEach(fds::add);
            } catch (java.nio.file.AccessDeniedException e) {
                unreadable++;
                continue;
            } catch (IOException e) {
                continue; // gone meanwhile, or a kernel thread
            }
            Optional<String> command = Optional.empty();
            Optional<String> unit = Optional.empty();
            for (Path fd : fds) {
                if (++descriptors > bound.descriptors()) {
                    notVisible.add(stopped(scanned, pids.size(), "its bound of " + bound.descriptors() + " descriptors"));
                    break scan;
                }
                if ((descriptors & 1023) == 0 && System.nanoTime() >= deadline) {
                    notVisible.add(stopped(scanned, pids.size(), timeLimit(bound)));
                    break scan;
                }
                // The link's text first (never blocks): only device files are stat'ed, and a stat of a
                // device node cannot hang on a stuck network filesystem.
                Optional<String> path = readLink(fd).filter(HostScan::mayBeModuleDevice);
                Optional<DeviceNumber> dev = path.flatMap(p -> deviceOf(fd));
                if (dev.isEmpty()) {
                    continue;
                }
                if (command.isEmpty()) {
                    command = Optional.of(firstLine(pid.resolve("comm")).orElse("?"));
                    unit = unitOf(pid);
                }
                open.add(new HostFacts.OpenDevice(Integer.parseInt(pid.getFileName().toString()), command.get(), unit,
                        path.get(), dev.get(), moduleLink(paths.sysRoot().resolve("dev").resolve(dev.get().kind().sysDir())
                                .resolve(dev.get().toString()).resolve("device/driver/module"))));
            }
            scanned++;
        }
        if (unreadable > 0) {
            notVisible.add("processes: the open files of " + unreadable + " processes are not readable (/proc/PID/fd needs"
                    + " root, or CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE)");
        }
        return open;
    }

    private static String timeLimit(ScanBound bound) {
        return "its time limit of " + bound.timeLimit().toMillis() + " ms (/proc answered too slowly)";
    }

    private static String stopped(int scanned, int of, String why) {
        return "processes: the scan stopped after " + scanned + " of " + of + " processes, at " + why;
    }

    /**
     * A device file that a module may provide: under /dev, and not one of the core's own (memory devices,
     * terminals, ptys), which every process holds and no module owns.
     */
    static boolean mayBeModuleDevice(String path) {
        if (!path.startsWith("/dev/")) {
            return false;
        }
        String rest = path.substring(5);
        return !(rest.equals("null") || rest.equals("zero") || rest.equals("full") || rest.equals("random")
                || rest.equals("urandom") || rest.equals("kmsg") || rest.equals("console") || rest.equals("ptmx")
                || rest.startsWith("tty") || rest.startsWith("pts/") || rest.startsWith("shm/"));
    }

    /**
     * Whether this process may read every process's /proc/PID/fd: root, or what it takes otherwise:
     * searching the directory (CAP_DAC_READ_SEARCH), then ptrace access to follow its links (CAP_SYS_PTRACE).
     */
    private boolean seesOtherUsersFiles() {
        SelfStatus self = SelfStatus.read(paths);
        return self.root() || self.has(SelfStatus.CAP_DAC_READ_SEARCH, SelfStatus.CAP_SYS_PTRACE);
    }

    /** The device an open file is, following the descriptor's link to the open inode itself. */
    private static Optional<DeviceNumber> deviceOf(Path fd) {
        try {
            Map<String, Object> a = Files.readAttributes(fd, "unix:mode,rdev");
            int type = ((Integer) a.get("mode")) & 0170000;
            long rdev = (Long) a.get("rdev");
            DeviceNumber.Kind kind = type == 0020000 ? DeviceNumber.Kind.CHAR : type == 0060000 ? DeviceNumber.Kind.BLOCK : null;
            if (kind == null) {
                return Optional.empty();
            }
            // glibc's gnu_dev_major/minor.
            int major = (int) (((rdev >>> 32) & 0xfffff000L) | ((rdev >>> 8) & 0xfffL));
            int minor = (int) (((rdev >>> 12) & 0xffffff00L) | (rdev & 0xffL));
            return Optional.of(new DeviceNumber(kind, major, minor));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The deepest systemd unit in the process's cgroup path ("0::/system.slice/backup.service"). */
    private static Optional<String> unitOf(Path pid) {
        for (String line : lines(pid.resolve("cgroup"))) {
            if (line.startsWith("0::")) {
                String[] parts = line.substring(3).split("/");
                for (int i = parts.length - 1; i >= 0; i--) {
                    if (UNIT.matcher(parts[i]).matches()) {
                        return Optional.of(parts[i]);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private List<HostFacts.BlockDevice> blockDevices() {
        List<HostFacts.BlockDevice> devices = new ArrayList<>();
        List<Path> all = new ArrayList<>();
        for (Path disk : list(paths.sysRoot().resolve("block"))) {
            all.add(disk);
            // Its partitions (vda1, loop0p1): directories of their own with a "partition" file.
            list(disk).stream().filter(p -> Files.exists(p.resolve("partition"))).forEach(all::add);
        }
        for (Path dev : all) {
            Optional<DeviceNumber> number = firstLine(dev.resolve("dev")).flatMap(HostScan::blockNumber);
            if (number.isEmpty()) {
                continue;
            }
            Optional<String> backing = firstLine(dev.resolve("loop/backing_file")).filter(s -> !s.isEmpty());
            List<String> holders = list(dev.resolve("holders")).stream().map(p -> p.getFileName().toString()).sorted().toList();
            devices.add(new HostFacts.BlockDevice(dev.getFileName().toString(), number.get(),
                    moduleLink(dev.resolve("device/driver/module")), backing, holders));
        }
        return devices;
    }

    private static Optional<DeviceNumber> blockNumber(String majMin) {
        String[] f = majMin.strip().split(":");
        if (f.length != 2 || !PID.matcher(f[0]).matches() || !PID.matcher(f[1]).matches()) {
            return Optional.empty();
        }
        return Optional.of(new DeviceNumber(DeviceNumber.Kind.BLOCK, Integer.parseInt(f[0]), Integer.parseInt(f[1])));
    }

    private List<HostFacts.NetInterface> interfaces() {
        List<HostFacts.NetInterface> out = new ArrayList<>();
        for (Path dev : list(paths.sysRoot().resolve("class/net"))) {
            String name = dev.getFileName().toString();
            boolean up = firstLine(dev.resolve("flags")).map(f -> (Long.decode(f.strip()) & 1) != 0).orElse(false);
            Optional<String> module = moduleLink(dev.resolve("device/driver/module"));
            Optional<String> driver = ethtoolDriver.apply(name);
            out.add(new HostFacts.NetInterface(name, up, driver, module));
        }
        return out;
    }

    /** The module a sysfs driver link points to (…/module/NAME), if the link exists. */
    private static Optional<String> moduleLink(Path link) {
        return readLink(link).map(t -> Path.of(t).getFileName().toString());
    }

    private static Optional<String> readLink(Path link) {
        try {
            return Optional.of(Files.readSymbolicLink(link).toString());
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    private static List<Path> list(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(dir)) {
            d.forEach(out::add);
        } catch (IOException e) {
            return List.of();
        }
        out.sort(null);
        return out;
    }

    private static Optional<String> firstLine(Path file) {
        List<String> l = lines(file);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0).strip());
    }

    /** The file's lines; bytes that are not UTF-8 (a mount point may have any) become U+FFFD, never an error. */
    private static List<String> lines(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
