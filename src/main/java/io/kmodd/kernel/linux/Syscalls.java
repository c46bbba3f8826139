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
