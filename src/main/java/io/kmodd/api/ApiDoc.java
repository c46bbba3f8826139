package io.kmodd.api;

/** Texts the OpenAPI annotations share, so that every endpoint describes its problems alike. */
final class ApiDoc {
    private ApiDoc() {
    }

    static final String PROBLEM = "application/problem+json";
    static final String BAD_INPUT = "Bad input: a name outside the kernel's grammar, a bad parameter, duration, flag"
            + " or body, or an unknown query parameter. Nothing reached the kernel.";
    static final String UNAUTHORIZED = "No token, or an unknown one.";
    static final String FORBIDDEN = "The token's role is too weak, the module policy denies it, or kmodd lacks"
            + " CAP_SYS_MODULE.";
    static final String STORAGE_FULL = "The drop-ins' filesystem is full: nothing was written, the drop-ins are as they were.";
    static final String UNAVAILABLE = "The kernel cannot change modules here (no module support, modules_disabled=1),"
            + " or libkmod cannot read the module tree.";
    static final String PROBLEM_EXAMPLE = "{\"type\":\"urn:kmodd:problem:invalid-module-name\",\"title\":\"Invalid module"
            + " name\",\"status\":400,\"detail\":\"character '/' at position 2 is not allowed; a module name has only"
            + " letters, digits, '_' and '-'\"}";
    static final String JOB_EXAMPLE = "{\"id\":\"3f2b9c9c-df38-4e1b-9a3e-0123456789ab\",\"module\":\"xfs\",\"operation\":"
            + "\"unload\",\"state\":\"waiting\",\"requests\":1,\"createdAt\":\"2026-11-21T10:00:00Z\",\"startedAt\":"
            + "\"2026-11-21T10:00:00.01Z\",\"finishedAt\":null,\"error\":null,\"outcome\":null,\"alreadyLoaded\":false,"
            + "\"params\":{},\"parentId\":null,\"events\":[{\"seq\":3,\"at\":\"2026-11-21T10:00:00.02Z\",\"type\":"
            + "\"refcnt\",\"state\":\"waiting\",\"message\":\"refcnt of xfs is 1\",\"data\":{\"refcnt\":1}}]}";
    static final String SSE_EXAMPLE = "event:refcnt\ndata:{\"seq\":3,\"type\":\"refcnt\",\"state\":\"waiting\","
            + "\"message\":\"refcnt of loop is 0\",\"data\":{\"refcnt\":0}}\n\nevent:outcome\ndata:{\"seq\":6,"
            + "\"type\":\"outcome\",\"state\":\"succeeded\",\"message\":\"removed loop after 2636 ms and 1 attempt\"}\n";
}
