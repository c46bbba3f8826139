package io.kmodd.kernel;

/** Untrusted input that is not a module name; never reaches the kernel. */
public class InvalidModuleNameException extends IllegalArgumentException {
    private final String input;

    public InvalidModuleNameException(String input, String reason) {
        super(reason);
        this.input = input;
    }

    public String input() {
        return input;
    }
}
