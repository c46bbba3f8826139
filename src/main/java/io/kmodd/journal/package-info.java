/**
 * The job journal: every job appended as a JSON line, read back at start so a job's outcome stays knowable
 * across restarts, bounded by compaction, healed on a timer after a full disk.
 */
package io.kmodd.journal;
