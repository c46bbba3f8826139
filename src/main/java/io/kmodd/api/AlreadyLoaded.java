package io.kmodd.api;

/** The answer to a load of a module that is already there: no job, no kernel call. */
public record AlreadyLoaded(String module, boolean alreadyLoaded, boolean builtin) {
}
