package io.kmodd.kernel.linux;

import io.kmodd.kernel.HostFacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS". Stateless. */
final class MountInfo {
    private MountInfo() {
    }

    /** The mounts the file lists; an unreadable file is named in {@code notVisible}. */
    static List<HostFacts.Mount> read(Path file, List<String> notVisible) {
        if (!Files.isReadable(file)) {
            notVisible.add("mounts: " + file + " is not readable");
            return List.of();
        }
        List<HostFacts.Mount> mounts = new ArrayList<>();
        for (String line : KernelFiles.lines(file)) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (f.length < 7 || dash < 6 || dash + 2 >= f.length) {
                continue;
            }
            mounts.add(new HostFacts.Mount(f[2], unescape(f[dash + 1]), unescape(f[dash + 2]), unescape(f[4])));
        }
        return mounts;
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 4 <= s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
