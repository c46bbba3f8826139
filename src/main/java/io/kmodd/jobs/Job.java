package io.kmodd.jobs;

import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One load or unload of one module: its state, how many requests it serves, its event history, and its
 * outcome. The lane thread drives it; HTTP threads read snapshots, join, cancel and subscribe. All
 * mutable state is guarded by the job's monitor, which also carries the cancel signal so a waiting job
 * wakes at once. The history stays bounded however long a job waits: progress ticks replace each
 * other; past {@value #COALESCE_AFTER} events a refcnt or attempt event replaces a preceding one of its
 * type; past {@value #MAX_HISTORY} the oldest events after the first are dropped. Live subscribers see
 * every event.
 */
public final class Job {
    static final int COALESCE_AFTER = 256;
    static final int MAX_HISTORY = 1000;
    private final String id = UUID.randomUUID().toString();
    private final ModuleName module;
    private final Operation operation;
    private final ModuleParameters params;
    private final UnloadOptions unloadOptions;
    private final String parentId;
    private final Clock clock;
    private final Instant createdAt;
    private final CompletableFuture<Job> done = new CompletableFuture<>();

    private JobState state = JobState.QUEUED;
    private int requests = 1;
    private Instant startedAt;
    private Instant finishedAt;
    private JobError error;
    private String outcome;
    private boolean alreadyLoaded;
    private boolean cancelRequested;
    private long seq;
    private final List<JobEvent> events = new ArrayList<>();
    private final List<Consumer<JobEvent>> listeners = new ArrayList<>();

    Job(ModuleName module, Operation operation, ModuleParameters params, UnloadOptions unloadOptions, String parentId,
            Clock clock) {
        this.module = module;
        this.operation = operation;
        this.params = params;
        this.unloadOptions = unloadOptions;
        this.parentId = parentId;
        this.clock = clock;
        this.createdAt = clock.instant();
        emit("queued", "queued on lane " + module, Map.of());
    }

    public String id() {
        return id;
    }

    public ModuleName module() {
        return module;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public Operation operation() {
        return operation;
    }

    ModuleParameters params() {
        return params;
    }

    UnloadOptions unloadOptions() {
        return unloadOptions;
    }

    /** Completes with this job when it reaches succeeded, failed or cancelled. */
    public CompletableFuture<Job> completion() {
        return done;
    }

    public synchronized JobSnapshot snapshot() {
        return new JobSnapshot(id, module.value(), operation.wireName(), state.wireName(), requests, createdAt,
                startedAt, finishedAt, error, outcome, alreadyLoaded, params.asMap(), parentId,
                List.copyOf(events));
    }

    public synchronized JobState state() {
        return state;
    }

    synchronized boolean isFinished() {
        return state.finished();
    }

    /** Another request joins this job: same id, same outcome. False when the job has already finished. */
    synchronized boolean join() {
        if (state.finished()) {
            return false;
        }
        requests++;
        emit("joined", "another request joined; serving " + requests, Map.of("requests", requests));
        return true;
    }

    synchronized int requests() {
        return requests;
    }

    synchronized void transition(JobState next, String message) {
        if (state.finished() || state == next) {
            return;
        }
        if (startedAt == null && next != JobState.QUEUED) {
            startedAt = clock.instant();
        }
        state = next;
        emit("state", message, Map.of());
    }

    synchronized void event(String type, String message, Map<String, Object> data) {
        if (!state.finished()) {
            emit(type, message, data);
        }
    }

    /** A steady progress tick; the history keeps only the latest one, listeners see them all. */
    synchronized void progress(Duration elapsed, String message, Map<String, Object> data) {
        if (state.finished()) {
            return;
        }
        if (!events.isEmpty() && events.get(events.size() - 1).type().equals("progress")) {
            events.remove(events.size() - 1);
        }
        Map<String, Object> d = new HashMap<>(data);
        d.put("elapsedMs", elapsed.toMillis());
        emit("progress", message, d);
    }

    void succeed(String message, boolean alreadyLoaded) {
        finish(JobState.SUCCEEDED, message, null, alreadyLoaded);
    }

    void fail(JobError failure) {
        finish(JobState.FAILED, failure.detail(), failure, false);
    }

    void cancelled(String message) {
        finish(JobState.CANCELLED, message, null, false);
    }

    private void finish(JobState end, String message, JobError failure, boolean loaded) {
        synchronized (this) {
            if (state.finished()) {
                return;
            }
            if (startedAt == null) {
                startedAt = clock.instant();
            }
            state = end;
            finishedAt = clock.instant();
            error = failure;
            outcome = message;
            alreadyLoaded = loaded;
            Map<String, Object> data = new HashMap<>();
            data.put("durationMs", Duration.between(createdAt, finishedAt).toMillis());
            if (failure != null) {
                data.put("reason", failure.reason());
                if (failure.errno() != null) {
                    data.put("errno", failure.errno());
                }
            }
            emit("outcome", message, data);
            listeners.clear();
            notifyAll();
        }
        done.complete(this);
    }

    /**
     * Asks the job to stop. A queued job is cancelled at once; a waiting one wakes and cancels itself.
     *
     * @throws RefusedException when the job has finished, or is inside a kernel call
     */
    void requestCancel() {
        boolean queued;
        synchronized (this) {
            if (state.finished()) {
                throw new RefusedException(Refusal.JOB_FINISHED,
                        "job " + id + " has already " + state.wireName() + "; there is nothing to cancel");
            }
            if (state == JobState.RUNNING) {
                throw new RefusedException(Refusal.NOT_CANCELLABLE, "job " + id + " is inside a kernel call on "
                        + module + " and cannot be cancelled now; retry in a moment");
            }
            cancelRequested = true;
            notifyAll();
            queued = state == JobState.QUEUED;
        }
        if (queued) {
            cancelled("cancelled before it started; " + module + " is as it was");
        }
    }

    /**
     * Moves to {@code next} unless a cancel was requested or the job has ended; the lane calls this before
     * each step so that a cancel and a kernel call never overlap.
     */
    synchronized boolean enter(JobState next, String message) {
        if (state.finished() || cancelRequested) {
            return false;
        }
        transition(next, message);
        return true;
    }

    synchronized boolean cancelRequested() {
        return cancelRequested;
    }

    /** Sleeps up to {@code d}, waking early when a cancel is requested. Returns true when cancelled. */
    synchronized boolean pause(Duration d) throws InterruptedException {
        long deadline = System.nanoTime() + d.toNanos();
        while (!cancelRequested) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(left / 1_000_000, (int) (left % 1_000_000));
        }
        return true;
    }

    /**
     * Replays the history to {@code onEvent}, then streams live events until the job ends, then calls
     * {@code onEnd}. Returns a handle that stops the stream.
     */
    public AutoCloseable subscribe(Consumer<JobEvent> onEvent, Runnable onEnd) {
        boolean ended;
        synchronized (this) {
            events.forEach(onEvent);
            ended = state.finished();
            if (!ended) {
                listeners.add(e -> {
                    onEvent.accept(e);
                    if (e.type().equals("outcome")) {
                        onEnd.run();
                    }
                });
            }
        }
        if (ended) {
            onEnd.run();
            return () -> {
            };
        }
        return () -> {
            synchronized (this) {
                listeners.clear();
            }
        };
    }

    private void emit(String type, String message, Map<String, Object> data) {
        JobEvent e = new JobEvent(++seq, clock.instant(), type, state.wireName(), message, data);
        boolean repetitive = type.equals("refcnt") || type.equals("attempt");
        if (repetitive && events.size() >= COALESCE_AFTER && events.get(events.size() - 1).type().equals(type)) {
            events.remove(events.size() - 1);
        }
        if (events.size() >= MAX_HISTORY) {
            events.remove(1);
        }
        events.add(e);
        for (Consumer<JobEvent> l : List.copyOf(listeners)) {
            l.accept(e);
        }
    }
}
