package io.kmodd.journal;

import java.nio.file.Path;
import java.time.Clock;

/** Recovers a journal in a JVM of its own (the test gives it a small heap) and prints what it kept. */
public final class JournalRecoveryMain {
    private JournalRecoveryMain() {
    }

    public static void main(String[] args) {
        JobJournal.Recovery r = new JobJournal(Path.of(args[0]), JournalBoundsTest.JSON, Clock.systemUTC())
                .recover(Integer.parseInt(args[1]));
        Runtime rt = Runtime.getRuntime();
        System.out.println("jobs=" + r.jobs().size() + " skipped=" + r.skippedLines() + " heapUsedMB="
                + (rt.totalMemory() - rt.freeMemory()) / (1 << 20));
    }
}
