package io.kmodd.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kmodd.kernel.ModuleName;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModulePolicyTest {
    private static ModuleName n(String s) {
        return ModuleName.of(s);
    }

    @Test
    void starAndQuestionMarkMatchWithinAName() {
        ModulePolicy p = new ModulePolicy(List.of("nf_*", "loop", "dumm?"), List.of());
        assertThat(p.denial(n("nf_tables"), "loading")).isEmpty();
        assertThat(p.denial(n("nf_"), "loading")).isEmpty();
        assertThat(p.denial(n("loop"), "loading")).isEmpty();
        assertThat(p.denial(n("dummy"), "loading")).isEmpty();
        assertThat(p.denial(n("dumm"), "loading")).isPresent();
        assertThat(p.denial(n("loop2"), "loading")).isPresent();
        assertThat(p.denial(n("xnf_tables"), "loading")).isPresent();
    }

    @Test
    void dashAndUnderscoreAreTheSameCharacterInPatternsAndNames() {
        ModulePolicy p = new ModulePolicy(List.of("nf-conntrack*"), List.of());
        assertThat(p.denial(n("nf_conntrack_ftp"), "loading")).isEmpty();
        assertThat(p.denial(n("nf-conntrack-ftp"), "loading")).isEmpty();
    }

    @Test
    void denyWinsAndSaysWhichPatternMatched() {
        ModulePolicy p = new ModulePolicy(List.of("*"), List.of("usb?storage", " nvidia* "));
        assertThat(p.denial(n("usb_storage"), "loading")).hasValueSatisfying(
                why -> assertThat(why).contains("denies loading usb_storage").contains("'usb?storage'"));
        assertThat(p.denial(n("nvidia_drm"), "removing")).hasValueSatisfying(
                why -> assertThat(why).contains("'nvidia*'"));
        assertThat(p.denial(n("xfs"), "loading")).isEmpty();
    }

    @Test
    void anEmptyAllowListAllowsNothingAndSaysSo() {
        ModulePolicy p = new ModulePolicy(List.of(), List.of());
        assertThat(p.denial(n("loop"), "loading")).hasValueSatisfying(
                why -> assertThat(why).contains("kmodd.policy.allow is []"));
    }

    @Test
    void patternsWithOtherCharactersAreRejectedAtStart() {
        assertThatThrownBy(() -> new ModulePolicy(List.of("loop.*"), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'.'");
        assertThatThrownBy(() -> new ModulePolicy(List.of("*"), List.of("a[b]")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
