package io.kmodd.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModuleNameTest {

    @Test
    void dashAndUnderscoreAreTheSameModule() {
        assertThat(ModuleName.of("snd-hda-intel")).isEqualTo(ModuleName.of("snd_hda_intel"));
        assertThat(ModuleName.of("snd-hda-intel").value()).isEqualTo("snd_hda_intel");
    }

    @Test
    void fiftyFiveCharactersAreTheLimit() {
        assertThat(ModuleName.of("a".repeat(55)).value()).hasSize(55);
        assertThatThrownBy(() -> ModuleName.of("a".repeat(56))).hasMessageContaining("at most 55");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "../xfs", "xfs/..", "xfs.ko", "x fs", "xfs\u0000", "xf\u0455", "xfs\n", "%2e%2e"})
    void everythingOutsideTheGrammarIsRefused(String bad) {
        assertThatThrownBy(() -> ModuleName.of(bad)).isInstanceOf(InvalidModuleNameException.class);
    }

    @Test
    void parametersAreValidatedAndQuoted() {
        assertThat(ModuleParameters.of(Map.of("max_loop", "4")).toKernelArgs("")).isEqualTo("max_loop=4");
        assertThat(ModuleParameters.of(Map.of("name", "a b")).toKernelArgs("x=1")).isEqualTo("x=1 name=\"a b\"");
        assertThatThrownBy(() -> ModuleParameters.of(Map.of("a", "1\nb=2"))).isInstanceOf(InvalidParameterException.class)
                .hasMessageContaining("U+000A");
        assertThatThrownBy(() -> ModuleParameters.of(Map.of("a b", "1"))).isInstanceOf(InvalidParameterException.class);
        assertThatThrownBy(() -> ModuleParameters.of(Map.of("a", "\"x"))).isInstanceOf(InvalidParameterException.class);
    }
}
