package io.kmodd.usage;

import java.util.Map;

/**
 * One thing that holds a module (or that its removal would destroy), as a person would say it, with where
 * kmodd found it.
 *
 * @param kind what sort of thing it is
 * @param what the sentence: "/dev/loop0 open by pid 812 (sleep, backup.service)"
 * @param source where it was found: "/proc/812/fd", "/proc/self/mountinfo"
 * @param holdsReference whether it accounts for one unit of the module's refcount
 * @param details the same facts as fields (pid, command, unit, path, mountPoint, fstype, device, ...)
 */
public record Holding(Kind kind, String what, String source, boolean holdsReference, Map<String, Object> details) {
    public Holding {
        details = Map.copyOf(details);
    }

    public enum Kind {
        MODULE, PROCESS, MOUNT, LOOP_DEVICE, BLOCK_HOLDER, NETWORK_INTERFACE;

        @com.fasterxml.jackson.annotation.JsonValue
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }
}
