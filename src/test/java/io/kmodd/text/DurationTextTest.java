package io.kmodd.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationTextTest {
    private static final Duration MAX = Duration.ofHours(1);

    @Test
    void acceptsTheDocumentedForms() {
        assertThat(DurationText.parse("500ms", MAX)).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationText.parse("10s", MAX)).isEqualTo(Duration.ofSeconds(10));
        assertThat(DurationText.parse("2m", MAX)).isEqualTo(Duration.ofMinutes(2));
        assertThat(DurationText.parse("0", MAX)).isZero();
        assertThat(DurationText.parse("7", MAX)).isEqualTo(Duration.ofSeconds(7));
        assertThat(DurationText.format(Duration.ofMillis(300))).isEqualTo("300ms");
        assertThat(DurationText.format(Duration.ofSeconds(120))).isEqualTo("2m");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1s", "1.5s", "10 s", "10sec", "s", "99999999999s", "1e3", "\u0661s", ""})
    void refusesEverythingElse(String bad) {
        assertThatThrownBy(() -> DurationText.parse(bad, MAX)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesMoreThanTheLimit() {
        assertThatThrownBy(() -> DurationText.parse("2h", MAX)).hasMessageContaining("limit of 1h");
    }
}
