package io.kmodd.kernel.linux;

import io.kmodd.kernel.HostFacts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** /sys/class/net: every interface, whether it is up, and its driver (sysfs link, else ethtool). Stateless. */
final class NetInterfaces {
    private NetInterfaces() {
    }

    static List<HostFacts.NetInterface> read(Path classNet, Function<String, Optional<String>> ethtoolDriver) {
        List<HostFacts.NetInterface> out = new ArrayList<>();
        for (Path dev : KernelFiles.list(classNet)) {
            String name = dev.getFileName().toString();
            boolean up = KernelFiles.firstLine(dev.resolve("flags")).map(f -> (Long.decode(f.strip()) & 1) != 0).orElse(false);
            Optional<String> module = KernelFiles.moduleLink(dev.resolve("device/driver/module"));
            out.add(new HostFacts.NetInterface(name, up, ethtoolDriver.apply(name), module));
        }
        return out;
    }
}
