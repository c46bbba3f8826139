package io.kmodd.kernel.linux;

import com.sun.jna.LastErrorException;
import io.kmodd.kernel.Errno;
import io.kmodd.kernel.KernelCall;
import io.kmodd.kernel.KernelException;
import java.nio.file.Path;

/**
 * finit_module(2), init_module(2) and delete_module(2) through libc's syscall(2). Syscall numbers are per architecture
 * (x86_64 and arm64 are known); on another architecture every call fails with ENOSYS rather than
 * invoking the wrong syscall. Thread-safe.
 */
final class Syscalls {
    /** MODULE_INIT_COMPRESSED_FILE: the kernel decompresses the file itself (Linux 6.4+). */
    static final int MODULE_INIT_COMPRESSED_FILE = 4;

    private final long finitModule;
    private final long initModule;
    private final long deleteModule;
    private volatile LibC libc;

    Syscalls() {
        String arch = System.getProperty("os.arch");
        switch (arch) {
            case "amd64":
            case "x86_64":
                finitModule = 313;
                initModule = 175;
                deleteModule = 176;
                break;
            case "aarch64":
                finitModule = 273;
                initModule = 105;
                deleteModule = 106;
                break;
            default:
                finitModule = -1;
                initModule = -1;
                deleteModule = -1;
        }
    }

    private LibC libc() {
        LibC l = libc;
        if (l == null) {
            l = LibC.load();
            libc = l;
        }
        return l;
    }

    void finitModule(Path file, String args, boolean compressed) throws KernelException {
        if (finitModule < 0) {
            throw new KernelException(KernelCall.FINIT_MODULE, Errno.ENOSYS);
        }
        int fd;
        try {
            fd = libc().open(file.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            Errno errno = Errno.of(e.getErrorCode());
            throw new KernelException(KernelCall.OPEN, errno,
                    "open " + file + ": " + errno.name() + ": the module file could not be opened");
        }
        try {
            libc().syscall(finitModule, (long) fd, args, (long) (compressed ? MODULE_INIT_COMPRESSED_FILE : 0));
        } catch (LastErrorException e) {
            throw new KernelException(KernelCall.FINIT_MODULE, Errno.of(e.getErrorCode()));
        } finally {
            try {
                libc().close(fd);
            } catch (LastErrorException ignored) {
                // The load's outcome is what matters; a failed close of a read-only fd loses nothing.
            }
        }
    }

    /** init_module(2) on an image in memory: a module decompressed in user space. */
    void initModule(ModuleImages.Image image, String args) throws KernelException {
        if (initModule < 0) {
            throw new KernelException(KernelCall.INIT_MODULE, Errno.ENOSYS);
        }
        try {
            libc().syscall(initModule, image.memory(), image.length(), args);
        } catch (LastErrorException e) {
            throw new KernelException(KernelCall.INIT_MODULE, Errno.of(e.getErrorCode()));
        }
    }

    /**
     * The one thread that asks network interfaces for their driver. SIOCETHTOOL first calls the kernel's
     * dev_load(), which, for a name that no longer exists (an interface gone since /sys/class/net was
     * listed), runs request_module() with the caller's CAP_SYS_MODULE or CAP_NET_ADMIN: kmodd would load a
     * module named after an interface, past its own policy. This thread drops both capabilities, from its
     * effective and permitted sets, before its first ioctl; capabilities are per thread, so the rest of
     * kmodd keeps them.
     */
    private final java.util.concurrent.ExecutorService netInfo = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kmodd-netinfo");
        t.setDaemon(true);
        return t;
    });
    private boolean autoloadDropped;

    /**
     * The driver of a network interface as ethtool -i reports it (SIOCETHTOOL, ETHTOOL_GDRVINFO): for
     * virtual links their kind (dummy, veth, bridge), which is also their module's name. Empty when the
     * interface has no such answer, or when the capabilities that let the kernel autoload could not be
     * dropped (then no ioctl is made at all).
     */
    java.util.Optional<String> ethtoolDriver(String ifname) {
        byte[] name = ifname.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (name.length >= 16) {
            return java.util.Optional.empty();
        }
        try {
            return netInfo.submit(() -> autoloadDropped() ? drvinfo(name) : java.util.Optional.<String>empty())
                    .get(1, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
                | java.util.concurrent.RejectedExecutionException e) {
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
    }

    /** On the netinfo thread: drops CAP_SYS_MODULE and CAP_NET_ADMIN for good; whether they are gone. */
    private boolean autoloadDropped() {
        if (autoloadDropped) {
            return true;
        }
        try (com.sun.jna.Memory header = new com.sun.jna.Memory(8); com.sun.jna.Memory data = new com.sun.jna.Memory(24)) {
            header.setInt(0, 0x20080522); // _LINUX_CAPABILITY_VERSION_3
            header.setInt(4, 0); // this thread
            libc().capget(header, data);
            int drop = ~((1 << SelfStatus.CAP_SYS_MODULE) | (1 << SelfStatus.CAP_NET_ADMIN));
            data.setInt(0, data.getInt(0) & drop); // effective
            data.setInt(4, data.getInt(4) & drop); // permitted
            header.setInt(0, 0x20080522);
            libc().capset(header, data);
            autoloadDropped = true;
        } catch (LastErrorException e) {
            autoloadDropped = false;
        }
        return autoloadDropped;
    }

    private java.util.Optional<String> drvinfo(byte[] name) {
        int fd;
        try {
            fd = libc().socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */ | LibC.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            return java.util.Optional.empty();
        }
        try (com.sun.jna.Memory info = new com.sun.jna.Memory(196); com.sun.jna.Memory ifreq = new com.sun.jna.Memory(40)) {
            info.clear();
            ifreq.clear();
            info.setInt(0, 3); // ETHTOOL_GDRVINFO
            ifreq.write(0, name, 0, name.length);
            ifreq.setPointer(16, info); // ifr_data
            libc().ioctl(fd, 0x8946 /* SIOCETHTOOL */, ifreq);
            String driver = info.getString(4, "US-ASCII");
            return driver.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(driver);
        } catch (LastErrorException e) {
            return java.util.Optional.empty();
        } finally {
            try {
                libc().close(fd);
            } catch (LastErrorException ignored) {
                // Nothing was written through it.
            }
        }
    }

    void deleteModule(String name, boolean force) throws KernelException {
        if (deleteModule < 0) {
            throw new KernelException(KernelCall.DELETE_MODULE, Errno.ENOSYS);
        }
        int flags = LibC.O_NONBLOCK | (force ? LibC.O_TRUNC : 0);
        try {
            libc().syscall(deleteModule, name, (long) flags);
        } catch (LastErrorException e) {
            throw new KernelException(KernelCall.DELETE_MODULE, Errno.of(e.getErrorCode()));
        }
    }
}
