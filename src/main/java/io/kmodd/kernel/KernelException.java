package io.kmodd.kernel;

/** A kernel call that failed, with the errno kept as a typed value. */
public class KernelException extends Exception {
    private final KernelCall call;
    private final Errno errno;

    public KernelException(KernelCall call, Errno errno, String detail) {
        super(detail);
        this.call = call;
        this.errno = errno;
    }

    public KernelException(KernelCall call, Errno errno) {
        this(call, errno, call.syscall() + ": " + errno.name() + ": " + errno.meaning(call));
    }

    public KernelCall call() {
        return call;
    }

    public Errno errno() {
        return errno;
    }
}
