package io.kmodd.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.kmodd.testing.SteppedClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FailedAuthenticationsTest {
    private final SteppedClock clock = new SteppedClock(Instant.parse("2026-11-27T10:00:00Z"));
    private final List<Map<String, Object>> lines = new ArrayList<>();

    private static Map<String, Object> record(String source) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("audit", "kmodd");
        r.put("source", source);
        r.put("status", 401);
        return r;
    }

    @Test
    void aFloodFromOneSourceIsOneLineThenOneSummaryPerInterval() {
        FailedAuthentications f = new FailedAuthentications(Duration.ofSeconds(60), clock, lines::add);
        for (int i = 0; i < 20_000; i++) {
            f.failed("127.0.0.1", record("127.0.0.1"));
        }
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).containsKey("coalescing");
        clock.advance(Duration.ofSeconds(61));
        f.flush();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).containsEntry("event", "failed-authentications").containsEntry("count", 19_999L)
                .containsEntry("source", "127.0.0.1");
        f.flush();
        assertThat(lines).hasSize(2);
    }

    @Test
    void sourcesAreKeptApartAndTheirNumberIsBounded() {
        FailedAuthentications f = new FailedAuthentications(Duration.ofSeconds(60), clock, lines::add);
        for (int i = 0; i < 5000; i++) {
            String src = "10.0." + (i / 250) + "." + (i % 250);
            f.failed(src, record(src));
            f.failed(src, record(src));
        }
        assertThat(f.tracked()).isLessThanOrEqualTo(FailedAuthentications.MAX_SOURCES + 1);
        assertThat(lines).hasSize(FailedAuthentications.MAX_SOURCES + 1);
        clock.advance(Duration.ofSeconds(60));
        f.flush();
        assertThat(f.tracked()).isZero();
        long counted = lines.stream().filter(l -> "failed-authentications".equals(l.get("event")))
                .mapToLong(l -> (Long) l.get("count")).sum();
        // Every failure is either a full line or counted in a summary.
        assertThat(counted + FailedAuthentications.MAX_SOURCES + 1).isEqualTo(10_000);
    }

    @Test
    void aZeroIntervalLogsEveryOne() {
        FailedAuthentications f = new FailedAuthentications(Duration.ZERO, clock, lines::add);
        for (int i = 0; i < 5; i++) {
            f.failed("127.0.0.1", record("127.0.0.1"));
        }
        assertThat(lines).hasSize(5);
    }
}
