package io.kmodd.kernel;

/** Module resolution could not run: libkmod is missing or the module tree cannot be opened. */
public class ResolutionException extends Exception {
    public ResolutionException(String message) {
        super(message);
    }

    public ResolutionException(String message, Throwable cause) {
        super(message, cause);
    }
}
