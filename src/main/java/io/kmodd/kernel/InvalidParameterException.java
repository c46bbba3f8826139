package io.kmodd.kernel;

/** A module parameter that fails validation; never reaches the kernel. */
public class InvalidParameterException extends IllegalArgumentException {
    private final String parameter;

    public InvalidParameterException(String parameter, String reason) {
        super(reason);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
