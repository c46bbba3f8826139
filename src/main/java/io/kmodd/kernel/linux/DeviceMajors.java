package io.kmodd.kernel.linux;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** /proc/devices: "Character devices:" then "Block devices:", each line "MAJOR NAME". Immutable. */
record DeviceMajors(Map<Integer, String> chars, Map<Integer, String> blocks) {
    private static final Pattern NUMBER = Pattern.compile("[0-9]+");

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
            if (f.length == 2 && NUMBER.matcher(f[0]).matches()) {
                into.put(Integer.parseInt(f[0]), f[1]);
            }
        }
        return new DeviceMajors(Map.copyOf(chars), Map.copyOf(blocks));
    }
}
