package io.kmodd.jobs;

/** A request kmodd refuses, with the kind of refusal and a sentence saying why. */
public class RefusedException extends RuntimeException {
    private final Refusal refusal;

    public RefusedException(Refusal refusal, String detail) {
        super(detail);
        this.refusal = refusal;
    }

    public Refusal refusal() {
        return refusal;
    }
}
