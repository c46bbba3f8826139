package io.kmodd.kernel.linux;

import io.kmodd.kernel.DeviceNumber;
import io.kmodd.kernel.HostFacts;
import io.kmodd.kernel.ScanBound;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Every process's open device files (/proc/PID/fd), with the command and systemd unit of each process that
 * has one. The costly part of a host scan: it stops at its {@link ScanBound} (descriptors examined, or a time
 * limit only a hung /proc reaches) and says so in {@code notVisible}. Stateless.
 */
final class OpenDeviceFiles {
    private static final Pattern UNIT = Pattern.compile(".+\\.(service|scope|socket|mount|swap)");

    private OpenDeviceFiles() {
    }

    static List<HostFacts.OpenDevice> read(KernelPaths paths, ScanBound bound, List<String> notVisible) {
        long deadline = System.nanoTime() + bound.timeLimit().toNanos();
        long descriptors = 0;
        List<Path> pids = new ArrayList<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(paths.procRoot(), p -> KernelFiles.decimal(p.getFileName().toString()).isPresent())) {
            d.forEach(pids::add);
        } catch (IOException e) {
            notVisible.add("processes: " + paths.procRoot() + " cannot be listed (" + e.getMessage() + ")");
            return List.of();
        }
        if (!seesOtherUsersFiles(paths)) {
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
            } catch (AccessDeniedException e) {
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
                Optional<String> path = KernelFiles.link(fd).filter(OpenDeviceFiles::mayBeModuleDevice);
                Optional<DeviceNumber> dev = path.flatMap(p -> deviceOf(fd));
                if (dev.isEmpty()) {
                    continue;
                }
                if (command.isEmpty()) {
                    command = Optional.of(KernelFiles.firstLine(pid.resolve("comm")).orElse("?"));
                    unit = unitOf(pid);
                }
                open.add(new HostFacts.OpenDevice(Integer.parseInt(pid.getFileName().toString()), command.get(), unit,
                        path.get(), dev.get(), KernelFiles.moduleLink(paths.deviceModuleLink(dev.get()))));
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
    private static boolean seesOtherUsersFiles(KernelPaths paths) {
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
        for (String line : KernelFiles.lines(pid.resolve("cgroup"))) {
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
}
