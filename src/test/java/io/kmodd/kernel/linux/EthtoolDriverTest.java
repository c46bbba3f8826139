package io.kmodd.kernel.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The C structs are laid out as the kernel's UAPI has them on 64-bit Linux (the guest suite asks real
 * interfaces for their driver); a name no interface can have never reaches an ioctl.
 */
class EthtoolDriverTest {

    @Test
    void theStructsHaveTheKernelsSizes() {
        assertThat(new EthtoolDriver.EthtoolDrvinfo().size()).as("struct ethtool_drvinfo").isEqualTo(196);
        assertThat(new EthtoolDriver.Ifreq().size()).as("struct ifreq").isEqualTo(40);
        assertThat(new EthtoolDriver.CapUserHeader().size()).as("struct __user_cap_header_struct").isEqualTo(8);
        assertThat(new EthtoolDriver.CapUserData().size()).as("struct __user_cap_data_struct").isEqualTo(12);
        EthtoolDriver.Ifreq ifreq = new EthtoolDriver.Ifreq();
        ifreq.ifrData = new com.sun.jna.Pointer(0x1234_5678_9abcL);
        ifreq.write();
        assertThat(com.sun.jna.Pointer.nativeValue(ifreq.getPointer().getPointer(16))).as("ifr_data at 16")
                .isEqualTo(0x1234_5678_9abcL);
        EthtoolDriver.EthtoolDrvinfo info = new EthtoolDriver.EthtoolDrvinfo();
        info.getPointer().setString(4, "virtio_net", "US-ASCII");
        info.getPointer().setInt(176, 7);
        info.read();
        assertThat(com.sun.jna.Native.toString(info.driver, "US-ASCII")).as("driver at 4").isEqualTo("virtio_net");
        assertThat(info.nPrivFlags).as("n_priv_flags at 176").isEqualTo(7);
    }

    @Test
    void aNameLongerThanTheKernelAllowsIsNoDriver() {
        assertThat(new EthtoolDriver().apply("x".repeat(16))).isEmpty();
    }
}
