package io.kmodd.kernel;

import java.util.OptionalInt;

/**
 * A cheap, repeatable read of one module's refcount for wait loops: on the real kernel one open sysfs
 * file re-read from offset 0 (one pread per poll, no open or close). Thread-safe: a wait's polls may run
 * on different threads, and a cancel may close it while a poll reads; a closed probe reads empty.
 */
public interface RefcountProbe extends AutoCloseable {

    /** The refcount now, or empty when the module has gone. */
    OptionalInt read();

    @Override
    void close();
}
