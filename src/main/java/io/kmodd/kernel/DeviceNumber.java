package io.kmodd.kernel;

/** A device number as the kernel writes it (MAJ:MIN), of a character or a block device. */
public record DeviceNumber(Kind kind, int major, int minor) {
    public enum Kind {
        CHAR, BLOCK;

        /** The directory name under /sys/dev. */
        public String sysDir() {
            return this == CHAR ? "char" : "block";
        }
    }

    @Override
    public String toString() {
        return major + ":" + minor;
    }
}
