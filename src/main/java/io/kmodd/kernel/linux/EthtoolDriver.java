package io.kmodd.kernel.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The driver of a network interface as {@code ethtool -i} reports it (SIOCETHTOOL, ETHTOOL_GDRVINFO): for
 * virtual links their kind (dummy, veth, bridge), which is also their module's name. The C structs are JNA
 * {@link Structure}s, as JNA's own platform bindings write them.
 *
 * <p>One thread asks. SIOCETHTOOL first calls the kernel's dev_load(), which, for a name that no longer
 * exists (an interface gone since /sys/class/net was listed), runs request_module() with the caller's
 * CAP_SYS_MODULE or CAP_NET_ADMIN: kmodd would load a module named after an interface, past its own policy.
 * This thread drops both capabilities, from its effective and permitted sets, before its first ioctl;
 * capabilities are per thread, so the rest of kmodd keeps them. Thread-safe.
 */
final class EthtoolDriver implements Function<String, Optional<String>> {
    private static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;
    private static final int ETHTOOL_GDRVINFO = 3;
    private static final long SIOCETHTOOL = 0x8946;
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int IFNAMSIZ = 16;

    private final ExecutorService netInfo = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kmodd-netinfo");
        t.setDaemon(true);
        return t;
    });
    /** Touched on the netinfo thread only. */
    private LibC libc;
    private boolean autoloadDropped;

    /**
     * Empty when the interface has no such answer, or when the capabilities that let the kernel autoload
     * could not be dropped (then no ioctl is made at all).
     */
    @Override
    public Optional<String> apply(String ifname) {
        byte[] name = ifname.getBytes(StandardCharsets.US_ASCII);
        if (name.length >= IFNAMSIZ) {
            return Optional.empty();
        }
        try {
            return netInfo.submit(() -> autoloadDropped() ? drvinfo(name) : Optional.<String>empty())
                    .get(1, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private LibC libc() {
        if (libc == null) {
            libc = LibC.load();
        }
        return libc;
    }

    /** On the netinfo thread: drops CAP_SYS_MODULE and CAP_NET_ADMIN for good; whether they are gone. */
    private boolean autoloadDropped() {
        if (autoloadDropped) {
            return true;
        }
        CapUserHeader header = new CapUserHeader();
        CapUserData[] data = (CapUserData[]) new CapUserData().toArray(2);
        try {
            header.version = LINUX_CAPABILITY_VERSION_3;
            header.pid = 0; // this thread
            libc().capget(header, data);
            int drop = ~((1 << SelfStatus.CAP_SYS_MODULE) | (1 << SelfStatus.CAP_NET_ADMIN));
            data[0].effective &= drop;
            data[0].permitted &= drop;
            header.version = LINUX_CAPABILITY_VERSION_3;
            libc().capset(header, data);
            autoloadDropped = true;
        } catch (LastErrorException e) {
            autoloadDropped = false;
        }
        return autoloadDropped;
    }

    private Optional<String> drvinfo(byte[] name) {
        int fd;
        try {
            fd = libc().socket(AF_INET, SOCK_DGRAM | LibC.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            return Optional.empty();
        }
        try {
            EthtoolDrvinfo info = new EthtoolDrvinfo();
            info.cmd = ETHTOOL_GDRVINFO;
            info.write();
            Ifreq ifreq = new Ifreq();
            System.arraycopy(name, 0, ifreq.ifrName, 0, name.length);
            ifreq.ifrData = info.getPointer();
            ifreq.write();
            libc().ioctl(fd, SIOCETHTOOL, ifreq.getPointer());
            info.read();
            String driver = Native.toString(info.driver, StandardCharsets.US_ASCII.name());
            return driver.isEmpty() ? Optional.empty() : Optional.of(driver);
        } catch (LastErrorException e) {
            return Optional.empty();
        } finally {
            try {
                libc().close(fd);
            } catch (LastErrorException ignored) {
                // Nothing was written through it.
            }
        }
    }

    /** struct __user_cap_header_struct. */
    @Structure.FieldOrder({"version", "pid"})
    public static final class CapUserHeader extends Structure {
        public int version;
        public int pid;
    }

    /** struct __user_cap_data_struct; version 3 takes two, for capabilities 0-31 and 32-63. */
    @Structure.FieldOrder({"effective", "permitted", "inheritable"})
    public static final class CapUserData extends Structure {
        public int effective;
        public int permitted;
        public int inheritable;
    }

    /** struct ethtool_drvinfo (196 bytes). */
    @Structure.FieldOrder({"cmd", "driver", "version", "fwVersion", "busInfo", "eromVersion", "reserved2", "nPrivFlags",
            "nStats", "testinfoLen", "eedumpLen", "regdumpLen"})
    public static final class EthtoolDrvinfo extends Structure {
        public int cmd;
        public byte[] driver = new byte[32];
        public byte[] version = new byte[32];
        public byte[] fwVersion = new byte[32];
        public byte[] busInfo = new byte[32];
        public byte[] eromVersion = new byte[32];
        public byte[] reserved2 = new byte[12];
        public int nPrivFlags;
        public int nStats;
        public int testinfoLen;
        public int eedumpLen;
        public int regdumpLen;
    }

    /** struct ifreq with ifr_data, the member SIOCETHTOOL reads (40 bytes on 64-bit Linux). */
    @Structure.FieldOrder({"ifrName", "ifrData", "unionRest"})
    public static final class Ifreq extends Structure {
        public byte[] ifrName = new byte[IFNAMSIZ];
        public Pointer ifrData;
        /** The rest of the union: its largest member (struct ifmap) is 24 bytes. */
        public byte[] unionRest = new byte[16];
    }
}
