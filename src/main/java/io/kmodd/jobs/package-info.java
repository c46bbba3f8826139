/**
 * The lanes and their jobs: {@link io.kmodd.jobs.ModuleOperations} is the entry for every write,
 * {@code Admission} refuses what can be refused at once, each module's {@code Lane} queues and merges
 * its jobs, and the steps of each operation (LoadSteps, RemovalSteps, ReloadSteps) run on the shared
 * {@code WorkerPool} and wait on the {@link io.kmodd.jobs.Ticker}, never on a parked thread. Plain Java, no CDI.
 */
package io.kmodd.jobs;
