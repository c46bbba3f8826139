package io.kmodd.kernel.linux;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/** /proc/devices: "Character devices:" then "Block devices:", each line "MAJOR NAME". Immutable. */
record DeviceMajors(Map<Integer, String> chars, Map<Integer, String> blocks) {

    static DeviceMajors read(Path file) {
        Map<Integer, String> chars = new HashMap<>();
        Map<Integer, String> blocks = new HashMap<>();
        Map<Integer, String> into = chars;
        for (String line : KernelFiles.lines(file)) {
            if (line.startsWith("Block devices")) {
                into = blocks;
                continue;
            }
            String[] f = line.strip().split("\\s+");
            OptionalInt major = f.length == 2 ? KernelFiles.decimal(f[0]) : OptionalInt.empty();
            if (major.isPresent()) {
                into.put(major.getAsInt(), f[1]);
            }
        }
        return new DeviceMajors(Map.copyOf(chars), Map.copyOf(blocks));
    }
}
