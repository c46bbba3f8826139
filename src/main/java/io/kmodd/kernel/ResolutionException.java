package io.kmodd.kernel;

import java.util.Optional;

/** Module resolution could not run: libkmod is missing or the module tree cannot be opened. */
public class ResolutionException extends Exception {
    private final Errno errno;

    public ResolutionException(String message) {
        super(message);
        this.errno = null;
    }

    /** libkmod answered a negative errno. */
    public ResolutionException(Errno errno, String message) {
        super(message);
        this.errno = errno;
    }

    /** libkmod's answer, when it gave one. */
    public Optional<Errno> errno() {
        return Optional.ofNullable(errno);
    }

    public ResolutionException(String message, Throwable cause) {
        super(message, cause);
        this.errno = null;
    }
}
