package io.kmodd.jobs;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Job ids: time-ordered UUIDs (RFC 9562 version 7), whose first 48 bits are the creation time in Unix
 * milliseconds. An id therefore says when its job was made, which lets kmodd answer 410 Gone, rather than
 * 404, for a job that has passed out of its retention. Ids of kmodd 0.1 were random (version 4) and say
 * nothing of their time. Thread-safe.
 */
public final class JobIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private JobIds() {
    }

    static String next(Instant now) {
        long ms = now.toEpochMilli();
        long high = (ms << 16) | 0x7000L | (RANDOM.nextInt() & 0x0fffL);
        long low = (RANDOM.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }

    /** When the job with this id was made, for a version 7 id; empty for any other. */
    public static Optional<Instant> createdAt(String id) {
        try {
            UUID u = UUID.fromString(id);
            return u.version() == 7 ? Optional.of(Instant.ofEpochMilli(u.getMostSignificantBits() >>> 16))
                    : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
