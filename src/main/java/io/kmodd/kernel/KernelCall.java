package io.kmodd.kernel;

/** The kernel calls kmodd makes, named as in the man pages; used for errors and metrics labels. */
public enum KernelCall {
    FINIT_MODULE("finit_module"),
    INIT_MODULE("init_module"),
    DELETE_MODULE("delete_module"),
    OPEN("open");

    private final String syscall;

    KernelCall(String syscall) {
        this.syscall = syscall;
    }

    public String syscall() {
        return syscall;
    }
}
