package io.kmodd.kernel;

import java.time.Duration;

/**
 * How much one host scan may read of /proc: a number of open descriptors, which bounds its cost by work,
 * and a time limit that only a /proc which stops answering reaches. The bound is work, not wall time, so
 * the same host gives the same answer on a fast machine and a slow one.
 *
 * @param descriptors the open descriptors the process walk may examine before it stops
 * @param timeLimit   the wall time after which it stops whatever it has examined
 */
public record ScanBound(int descriptors, Duration timeLimit) {
    /**
     * Every descriptor of a large Kubernetes node (5,000 processes, 200,000 descriptors; BENCHMARKS.md gives
     * the scan's time there) five times over; a minute only a hung /proc takes.
     */
    public static final ScanBound HOST = new ScanBound(1_000_000, Duration.ofMinutes(1));

    public ScanBound {
        if (descriptors < 0 || timeLimit.isNegative()) {
            throw new IllegalArgumentException("a scan bound is never negative: " + descriptors + ", " + timeLimit);
        }
    }
}
