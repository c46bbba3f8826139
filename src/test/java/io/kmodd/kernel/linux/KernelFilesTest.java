package io.kmodd.kernel.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class KernelFilesTest {
    @Test
    void aDecimalIsDigitsOnlyAndFitsAnInt() {
        assertThat(KernelFiles.decimal("0")).hasValue(0);
        assertThat(KernelFiles.decimal("2010")).hasValue(2010);
        assertThat(KernelFiles.decimal("2147483647")).hasValue(Integer.MAX_VALUE);
        for (String notOne : new String[] {"", "-1", "+1", " 7", "7 ", "1a", "self", "thread-self", "٣", "2147483648",
                "99999999999"}) {
            assertThat(KernelFiles.decimal(notOne)).as("'%s'", notOne).isEqualTo(OptionalInt.empty());
        }
    }
}
