package io.kmodd.journal;

import java.io.IOException;
import java.io.Reader;
import java.util.Optional;

/**
 * Reads a text file line by line without ever holding more than one bounded line: a line longer than
 * the bound (a corrupt or foreign file) is skipped to its end, not read into memory. Not thread-safe.
 */
final class BoundedLines {
    /** One line, or the news that one was too long and skipped. */
    record Line(String text, boolean tooLong) {
    }

    private final Reader in;
    private final int max;
    private final char[] buf = new char[8192];
    private int pos;
    private int len;

    BoundedLines(Reader in, int max) {
        this.in = in;
        this.max = max;
    }

    /** The next line without its newline; empty at the end of the file. A last line without a newline counts. */
    Optional<Line> next() throws IOException {
        StringBuilder b = new StringBuilder();
        boolean tooLong = false;
        boolean any = false;
        while (true) {
            if (pos == len) {
                len = in.read(buf);
                pos = 0;
                if (len <= 0) {
                    len = 0;
                    return any ? Optional.of(new Line(tooLong ? "" : b.toString(), tooLong)) : Optional.empty();
                }
            }
            any = true;
            int start = pos;
            while (pos < len && buf[pos] != '\n') {
                pos++;
            }
            if (!tooLong) {
                if (b.length() + (pos - start) > max) {
                    tooLong = true;
                    b.setLength(0);
                } else {
                    b.append(buf, start, pos - start);
                }
            }
            if (pos < len) {
                pos++;
                return Optional.of(new Line(tooLong ? "" : b.toString(), tooLong));
            }
        }
    }
}
