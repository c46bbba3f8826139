package io.kmodd.security;

import java.util.Map;

/**
 * An answer that says what the audit record should hold about it (module, outcome, errno, ...). The
 * HTTP layer's answer types implement it, so the audit trail needs no knowledge of them.
 */
public interface Audited {
    /** Adds this answer's facts to the audit record. */
    void describe(Map<String, Object> record);
}
