package io.kmodd.kernel.linux;

import io.kmodd.kernel.DeviceNumber;
import io.kmodd.kernel.HostFacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** /sys/block: every disk and partition, its number, driver, loop backing file and what is built on it. Stateless. */
final class BlockDevices {

    private BlockDevices() {
    }

    static List<HostFacts.BlockDevice> read(Path sysBlock) {
        List<Path> all = new ArrayList<>();
        for (Path disk : KernelFiles.list(sysBlock)) {
            all.add(disk);
            // Its partitions (vda1, loop0p1): directories of their own with a "partition" file.
            KernelFiles.list(disk).stream().filter(p -> Files.exists(p.resolve("partition"))).forEach(all::add);
        }
        List<HostFacts.BlockDevice> devices = new ArrayList<>();
        for (Path dev : all) {
            Optional<DeviceNumber> number = KernelFiles.firstLine(dev.resolve("dev")).flatMap(BlockDevices::number);
            if (number.isEmpty()) {
                continue;
            }
            Optional<String> backing = KernelFiles.firstLine(dev.resolve("loop/backing_file")).filter(s -> !s.isEmpty());
            List<String> holders = KernelFiles.list(dev.resolve("holders")).stream()
                    .map(p -> p.getFileName().toString()).sorted().toList();
            devices.add(new HostFacts.BlockDevice(dev.getFileName().toString(), number.get(),
                    KernelFiles.moduleLink(dev.resolve("device/driver/module")), backing, holders));
        }
        return devices;
    }

    private static Optional<DeviceNumber> number(String majMin) {
        String[] f = majMin.strip().split(":");
        if (f.length != 2) {
            return Optional.empty();
        }
        OptionalInt major = KernelFiles.decimal(f[0]);
        OptionalInt minor = KernelFiles.decimal(f[1]);
        if (major.isEmpty() || minor.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new DeviceNumber(DeviceNumber.Kind.BLOCK, major.getAsInt(), minor.getAsInt()));
    }
}
