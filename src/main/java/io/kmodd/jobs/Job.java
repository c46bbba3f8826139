package io.kmodd.jobs;

import io.kmodd.kernel.ModuleName;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One load or unload of one module: its spec, state, how many requests it serves, its event history and
 * its outcome. The lane's {@link JobStarter} drives it and ends it; HTTP threads read snapshots, join,
 * cancel and subscribe. All mutable state is guarded by the job's monitor; a cancel also runs the waker
 * of the job's current wait, so that a waiting job ends at once. The history stays bounded however long a job waits:
 * progress ticks replace each other; past {@value #COALESCE_AFTER} events a refcnt or attempt event
 * replaces a preceding one of its type; past {@value #MAX_HISTORY} the oldest events after the first are
 * dropped. Live subscribers see every event.
 */
public final class Job {
    static final int COALESCE_AFTER = 256;
    static final int MAX_HISTORY = 1000;
    private final String id;
    private final ModuleName module;
    private final JobSpec spec;
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
    private String uncancellable;
    private boolean stopping;
    private Runnable waker = () -> {
    };
    private long seq;
    private final List<JobEvent> events = new ArrayList<>();
    private final List<Consumer<JobEvent>> listeners = new ArrayList<>();

    /** @param parentId the job this one is a dependency step of, or null */
    Job(ModuleName module, JobSpec spec, String parentId, Clock clock) {
        this.module = module;
        this.spec = spec;
        this.parentId = parentId;
        this.clock = clock;
        this.createdAt = clock.instant();
        this.id = JobIds.next(createdAt);
        emit(EventType.QUEUED, "queued on lane " + module, Map.of());
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
        return spec.operation();
    }

    JobSpec spec() {
        return spec;
    }

    /** Completes with this job when it reaches succeeded, failed or cancelled. */
    public CompletableFuture<Job> completion() {
        return done;
    }

    public synchronized JobSnapshot snapshot() {
        return new JobSnapshot(id, module.value(), operation().wireName(), state.wireName(), requests, createdAt,
                startedAt, finishedAt, error, outcome, alreadyLoaded, spec.shownParams(), spec.effectiveParams(), parentId,
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
        emit(EventType.JOINED, "another request joined; serving " + requests, Map.of("requests", requests));
        return true;
    }

    public synchronized int requests() {
        return requests;
    }

    /**
     * Moves to {@code next} unless a cancel was requested or the job has ended; the runner calls this
     * before each step so that a cancel and a kernel call never overlap. False when the job must stop.
     */
    synchronized boolean enter(JobState next, String message) {
        if (state.finished() || cancelRequested || (stopping && uncancellable == null)) {
            return false;
        }
        if (state != next) {
            if (startedAt == null) {
                startedAt = clock.instant();
            }
            state = next;
            emit(EventType.STATE, message, Map.of());
        }
        return true;
    }

    synchronized void event(EventType type, String message, Map<String, Object> data) {
        if (!state.finished()) {
            emit(type, message, data);
        }
    }

    /** A steady progress tick; the history keeps only the latest one, listeners see them all. */
    synchronized void progress(Duration elapsed, String message, Map<String, Object> data) {
        if (state.finished()) {
            return;
        }
        if (!events.isEmpty() && events.get(events.size() - 1).type() == EventType.PROGRESS) {
            events.remove(events.size() - 1);
        }
        Map<String, Object> d = new HashMap<>(data);
        d.put("elapsedMs", elapsed.toMillis());
        emit(EventType.PROGRESS, message, d);
    }

    /** Applies the outcome; the first one wins. Called by the lane's runner, and by a cancel of a queued job. */
    void end(Outcome o) {
        synchronized (this) {
            if (state.finished()) {
                return;
            }
            if (startedAt == null) {
                startedAt = clock.instant();
            }
            state = o.state();
            finishedAt = clock.instant();
            error = o.error().orElse(null);
            outcome = o.message();
            alreadyLoaded = o.alreadyLoaded();
            Map<String, Object> data = new HashMap<>();
            data.put("durationMs", Duration.between(createdAt, finishedAt).toMillis());
            waker = () -> {
            };
            o.error().ifPresent(e -> {
                data.put("reason", e.reason());
                if (e.errno() != null) {
                    data.put("errno", e.errno());
                }
            });
            emit(EventType.OUTCOME, o.message(), data);
            listeners.clear();
        }
        done.complete(this);
    }

    /**
     * Asks the job to stop. A queued job is cancelled at once (its lane may be busy for a long time); a
     * waiting one wakes, and its runner ends it.
     *
     * @throws RefusedException when the job has finished, or is inside a kernel call
     */
    void requestCancel() {
        boolean queued;
        Runnable wake;
        synchronized (this) {
            if (state.finished()) {
                throw new RefusedException(Refusal.JOB_FINISHED,
                        "job " + id + " has already " + state.wireName() + "; there is nothing to cancel");
            }
            if (uncancellable != null) {
                throw new RefusedException(Refusal.NOT_CANCELLABLE, "job " + id + " cannot be cancelled any more: " + uncancellable);
            }
            if (state == JobState.RUNNING) {
                throw new RefusedException(Refusal.NOT_CANCELLABLE, "job " + id + " is inside a kernel call on "
                        + module + " and cannot be cancelled now; retry in a moment");
            }
            cancelRequested = true;
            queued = state == JobState.QUEUED;
            wake = waker;
        }
        if (queued) {
            end(new Outcome.Cancelled("cancelled before it started; " + module + " is as it was"));
        } else {
            // Ends the current wait now, on this thread: its outcome is applied without queueing for a worker.
            wake.run();
        }
    }

    /**
     * From now on a cancel is refused with {@code why}: the job has changed the module and must finish
     * what it started (a reload that has removed its module loads it again).
     */
    synchronized void uncancellable(String why) {
        uncancellable = why;
        // A cancel that arrived while the last step ended counts no more: the module must come back.
        cancelRequested = false;
    }

    synchronized boolean cancelRequested() {
        return cancelRequested;
    }

    /** kmodd is stopping: the job must end as interrupted at its next step. */
    synchronized boolean stopping() {
        return stopping;
    }

    /** The outcome of a job that kmodd's stop caught between steps. */
    Outcome interrupted() {
        String why;
        synchronized (this) {
            why = uncancellable;
        }
        return new Outcome.Failed(Reason.INTERRUPTED, "kmodd is stopping; this job was " + state().wireName()
                + (why == null ? "" : " (" + why + ")") + " and did not finish. The module is as the kernel says: see GET /modules/"
                + module);
    }

    /** Sets what a cancel runs to end the job's current wait at once. */
    synchronized void onCancel(Runnable wake) {
        this.waker = wake;
    }

    /**
     * Ends the job because kmodd is stopping, unless it is inside a kernel call (then its runner ends it
     * when the call returns). True when it ended here or had ended already.
     */
    boolean interrupt() {
        Runnable wake;
        synchronized (this) {
            // Whatever its state, it takes no further step: a kernel call in flight finishes, nothing more;
            // a job that must finish what it started (uncancellable) goes on within the stop's grace.
            stopping = true;
            if (state == JobState.RUNNING || uncancellable != null) {
                return false;
            }
            wake = waker;
        }
        end(interrupted());
        wake.run();
        return true;
    }

    /**
     * Replays the history to {@code onEvent}, then streams live events until the job ends, then calls
     * {@code onEnd}. Returns a handle that stops the stream.
     */
    public AutoCloseable subscribe(Consumer<JobEvent> onEvent, Runnable onEnd) {
        boolean ended;
        Consumer<JobEvent> listener = null;
        synchronized (this) {
            events.forEach(onEvent);
            ended = state.finished();
            if (!ended) {
                listener = e -> {
                    onEvent.accept(e);
                    if (e.type() == EventType.OUTCOME) {
                        onEnd.run();
                    }
                };
                listeners.add(listener);
            }
        }
        if (ended) {
            onEnd.run();
            return () -> {
            };
        }
        // Each handle removes its own listener only (by identity): other followers of the job go on.
        Consumer<JobEvent> own = listener;
        return () -> {
            synchronized (this) {
                listeners.removeIf(l -> l == own);
            }
        };
    }

    private void emit(EventType type, String message, Map<String, Object> data) {
        JobEvent e = new JobEvent(++seq, clock.instant(), type, state.wireName(), message, data);
        if (type.repetitive() && events.size() >= COALESCE_AFTER && events.get(events.size() - 1).type() == type) {
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
