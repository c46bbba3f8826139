package io.kmodd.kernel;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The errno values that finit_module(2), delete_module(2) and libkmod answer, kept as a typed value from
 * the syscall to the problem+json answer, where it becomes its name. Numbers are Linux's (asm-generic/errno-base.h), identical on
 * x86_64 and arm64. Each carries a sentence a person understands, per call where the meaning differs.
 */
public enum Errno {
    EPERM(1, "the daemon lacks CAP_SYS_MODULE, or module loading is disabled (modules_disabled=1) or locked down"),
    ENOENT(2, "no such module"),
    EINTR(4, "the call was interrupted"),
    EIO(5, "an I/O error occurred while reading the module file"),
    ENOEXEC(8, "the file is not a valid module for this kernel (wrong format, architecture or version magic)"),
    EBADF(9, "the module file could not be read"),
    EAGAIN(11, "the module is in use (its refcount is above zero or other modules depend on it)"),
    ENOMEM(12, "the kernel is out of memory for the module"),
    EACCES(13, "access to the module file was denied"),
    EFAULT(14, "a bad address was passed to the kernel"),
    EBUSY(16, "the module is busy: it is being loaded or removed by someone else, or cannot be removed"),
    EEXIST(17, "the module is already loaded"),
    ENODEV(19, "the module's init found no device to drive"),
    EINVAL(22, "the kernel rejected the request: invalid parameters, a bad module file, or a module without a usable exit function"),
    ETXTBSY(26, "the module file is open for writing"),
    EFBIG(27, "the module file is too large"),
    ENOSPC(28, "no space left for the module"),
    ENOSYS(38, "this kernel has no loadable module support"),
    ENODATA(61, "the module's signature has no data the kernel can check"),
    ENOPKG(65, "the module is signed with an algorithm this kernel does not support"),
    EBADMSG(74, "the module's signature is malformed"),
    ENOKEY(126, "the module is signed with a key the kernel does not trust"),
    EKEYEXPIRED(127, "the module is signed with an expired key"),
    EKEYREVOKED(128, "the module is signed with a revoked key"),
    EKEYREJECTED(129, "the module's signature was rejected and signatures are enforced"),
    UNKNOWN(-1, "the kernel answered an unexpected error");

    private static final Map<Integer, Errno> BY_NUMBER = Arrays.stream(values())
            .filter(e -> e.number > 0)
            .collect(Collectors.toUnmodifiableMap(e -> e.number, Function.identity()));

    private final int number;
    private final String meaning;

    Errno(int number, String meaning) {
        this.number = number;
        this.meaning = meaning;
    }

    public static Errno of(int number) {
        return BY_NUMBER.getOrDefault(Math.abs(number), UNKNOWN);
    }

    /** A C library's negative return code ({@code -ENOENT}), as libkmod answers. */
    public static Errno ofNegative(int ret) {
        return of(-ret);
    }

    /**
     * A load refusal that the kernel's restrictions may explain (module loading disabled, lockdown,
     * signature enforcement), so its message names them.
     */
    public boolean mayBeRestriction() {
        return switch (this) {
            case EPERM, EACCES, EKEYREJECTED, ENODATA, ENOPKG, EBADMSG, ENOKEY, EKEYEXPIRED, EKEYREVOKED -> true;
            default -> false;
        };
    }

    public int number() {
        return number;
    }

    /** What the errno means for the given call. */
    public String meaning(KernelCall call) {
        if (call == KernelCall.DELETE_MODULE) {
            switch (this) {
                case EBUSY:
                    return "the module is still coming or going, or has an init but no exit function, so it cannot be removed now";
                case EPERM:
                    return "the daemon lacks CAP_SYS_MODULE, or module removal is disabled (modules_disabled=1)";
                case ENOENT:
                    return "the module is not loaded";
                default:
                    break;
            }
        }
        if (call == KernelCall.FINIT_MODULE && this == ENOENT) {
            return "the module refers to a symbol the kernel does not have (an unknown symbol: load its dependencies first, or the module is from another kernel)";
        }
        return meaning;
    }
}
