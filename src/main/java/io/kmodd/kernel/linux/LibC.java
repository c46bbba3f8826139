package io.kmodd.kernel.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The few libc calls kmodd makes, C names kept. Every call declares {@link LastErrorException} so that
 * errno arrives with the failure. Loaded lazily by {@link Syscalls} and {@link EthtoolDriver}, never touched by
 * service code.
 */
interface LibC extends Library {
    int O_RDONLY = 0;
    int O_CLOEXEC = 0x80000;
    int O_NONBLOCK = 0x800;
    int O_TRUNC = 0x200;

    static LibC load() {
        return Native.load("c", LibC.class);
    }

    /** open(2): a file descriptor, or -1 with errno. */
    int open(String path, int flags) throws LastErrorException;

    /** close(2). */
    int close(int fd) throws LastErrorException;

    /** capget(2): the calling thread's capability sets (two data structs for version 3). */
    int capget(EthtoolDriver.CapUserHeader header, EthtoolDriver.CapUserData[] data) throws LastErrorException;

    /** capset(2): sets them, for the calling thread only. */
    int capset(EthtoolDriver.CapUserHeader header, EthtoolDriver.CapUserData[] data) throws LastErrorException;

    /** socket(2): a descriptor for the ioctl below, or -1 with errno. */
    int socket(int domain, int type, int protocol) throws LastErrorException;

    /** ioctl(2) with a pointer argument. */
    int ioctl(int fd, long request, com.sun.jna.Pointer arg) throws LastErrorException;

    /**
     * syscall(2): finit_module(int fd, const char *param_values, int flags) and
     * delete_module(const char *name, unsigned int flags), which glibc does not wrap. 0 on success, -1
     * with errno otherwise.
     */
    long syscall(long number, Object... args) throws LastErrorException;
}
