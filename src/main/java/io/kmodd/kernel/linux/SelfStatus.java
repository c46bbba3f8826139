package io.kmodd.kernel.linux;

import java.io.IOException;
import java.nio.file.Files;

/**
 * This process's credentials as /proc/self/status shows them: whether its effective uid is root, and its
 * effective capabilities; and the capability numbers kmodd cares about. Unreadable or malformed, it is
 * neither root nor capable. Immutable.
 */
final class SelfStatus {
    static final int CAP_DAC_READ_SEARCH = 2;
    static final int CAP_NET_ADMIN = 12;
    static final int CAP_SYS_MODULE = 16;
    static final int CAP_SYS_PTRACE = 19;

    private final boolean root;
    private final long effective;

    private SelfStatus(boolean root, long effective) {
        this.root = root;
        this.effective = effective;
    }

    static SelfStatus read(KernelPaths paths) {
        boolean root = false;
        long effective = 0;
        try {
            for (String line : Files.readAllLines(paths.selfStatus())) {
                if (line.startsWith("Uid:")) {
                    String[] ids = line.substring(4).strip().split("\\s+");
                    root = ids.length > 1 && ids[1].equals("0");
                } else if (line.startsWith("CapEff:")) {
                    effective = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return new SelfStatus(false, 0);
        }
        return new SelfStatus(root, effective);
    }

    /** Whether the effective uid is 0. */
    boolean root() {
        return root;
    }

    /** Whether every one of the capabilities is in the effective set. */
    boolean has(int... capabilities) {
        for (int c : capabilities) {
            if ((effective & (1L << c)) == 0) {
                return false;
            }
        }
        return true;
    }
}
