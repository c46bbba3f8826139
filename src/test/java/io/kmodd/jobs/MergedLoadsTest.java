package io.kmodd.jobs;

import static io.kmodd.jobs.OperationsFixture.awaitEnd;
import static io.kmodd.jobs.OperationsFixture.awaitState;
import static io.kmodd.jobs.OperationsFixture.queued;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kmodd.kernel.Errno;
import io.kmodd.kernel.KernelSupport;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import io.kmodd.kernel.ModuleState;
import io.kmodd.policy.ModulePolicy;
import io.kmodd.testing.SimulatedKernel;
import io.kmodd.testing.VirtualTicker;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Loads through the lanes against the simulated kernel: merging, dependencies, and racing loaders. */
class MergedLoadsTest {
    private final OperationsFixture fixture = new OperationsFixture();
    private final SimulatedKernel kernel = fixture.kernel;
    private final VirtualTicker ticker = fixture.ticker;
    private ModuleOperations ops;
    private ExecutorService clients;

    @BeforeEach
    void setUp() {
        ops = fixture.start();
        clients = Executors.newFixedThreadPool(50);
    }

    @AfterEach
    void tearDown() {
        clients.shutdownNow();
        ops.close();
    }

    private static ModuleName n(String s) {
        return ModuleName.of(s);
    }

    private Job load(String name, ModuleParameters params) {
        return queued(ops.load(n(name), params)).job();
    }

    @Test
    void fiftyConcurrentLoadsBecomeOneKernelLoadAndOneJob() throws Exception {
        kernel.define("xfs");
        kernel.holdLoads();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<ModuleOperations.Queued>> answers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            answers.add(clients.submit(() -> {
                start.await();
                return queued(ops.load(n("xfs"), ModuleParameters.NONE));
            }));
        }
        start.countDown();
        assertThat(kernel.awaitLoadInFlight(5000)).isTrue();
        Set<String> ids = ConcurrentHashMap.newKeySet();
        List<ModuleOperations.Queued> tickets = new ArrayList<>();
        // Every request is answered while the load is still held in the kernel.
        for (Future<ModuleOperations.Queued> f : answers) {
            ModuleOperations.Queued t = f.get(5, TimeUnit.SECONDS);
            tickets.add(t);
            ids.add(t.job().id());
        }
        kernel.releaseLoads();
        assertThat(ids).hasSize(1);
        Job job = awaitEnd(tickets.get(0).job());
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(job.requests()).isEqualTo(50);
        assertThat(tickets.stream().filter(ModuleOperations.Queued::joined).count()).isEqualTo(49);
        assertThat(kernel.finitCalls("xfs")).isEqualTo(1);
        assertThat(kernel.isLoaded("xfs")).isTrue();
    }

    @Test
    void sharedDependencyIsLoadedOnceAndFirst() throws Exception {
        kernel.define("libcrc32c").define("xfs", "libcrc32c").define("btrfs", "libcrc32c");
        kernel.holdLoads();
        Job xfs = load("xfs", ModuleParameters.NONE);
        Job btrfs = load("btrfs", ModuleParameters.NONE);
        assertThat(kernel.awaitLoadInFlight(5000)).isTrue();
        kernel.releaseLoads();
        assertThat(awaitEnd(xfs).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(awaitEnd(btrfs).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(kernel.finitCalls("libcrc32c")).isEqualTo(1);
        assertThat(kernel.finitCalls("xfs")).isEqualTo(1);
        assertThat(kernel.finitCalls("btrfs")).isEqualTo(1);
        assertThat(kernel.usage(n("libcrc32c")).orElseThrow().holders()).containsExactlyInAnyOrder(n("xfs"), n("btrfs"));
        assertThat(xfs.snapshot().events()).anyMatch(e -> e.type() == EventType.DEPENDENCY
                && "libcrc32c".equals(e.data().get("module")));
    }

    @Test
    void alreadyLiveIsAnsweredWithoutAJobOrKernelCall() {
        kernel.define("loop");
        kernel.loadedByOther("loop", ModuleState.LIVE);
        ModuleOperations.LoadAnswer t = ops.load(n("loop"), ModuleParameters.NONE);
        assertThat(t).isEqualTo(new ModuleOperations.AlreadyThere(n("loop"), false));
        assertThat(kernel.finitCalls("loop")).isZero();
    }

    @Test
    void eexistFromARacingLoaderIsSuccess() throws Exception {
        kernel.define("dummy");
        kernel.scriptFinit("dummy", Errno.EEXIST);
        kernel.afterScriptedFinit("dummy", () -> kernel.loadedByOther("dummy", ModuleState.LIVE));
        Job job = awaitEnd(load("dummy", ModuleParameters.NONE));
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(job.snapshot().alreadyLoaded()).isTrue();
        assertThat(job.snapshot().outcome()).contains("loaded meanwhile by another loader");
    }

    @Test
    void ebusyFromAnOutsideLoaderIsWaitedOutNotFailed() throws Exception {
        kernel.define("dummy");
        kernel.scriptFinit("dummy", Errno.EBUSY);
        // udev's modprobe has it coming; it goes live 150 ms later.
        kernel.afterScriptedFinit("dummy", () -> {
            kernel.loadedByOther("dummy", ModuleState.COMING);
            ticker.after(Duration.ofMillis(150), () -> kernel.setState("dummy", ModuleState.LIVE));
        });
        Job job = awaitEnd(load("dummy", ModuleParameters.NONE));
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(job.snapshot().events()).anyMatch(e -> e.type() == EventType.STATE && e.state().equals("waiting"));
        assertThat(job.snapshot().alreadyLoaded()).isTrue();
    }

    @Test
    void ebusyThenTheOutsideLoadFailsSoKmoddRetriesAndLoadsIt() throws Exception {
        kernel.define("dummy");
        kernel.scriptFinit("dummy", Errno.EBUSY);
        kernel.afterScriptedFinit("dummy", () -> {
            kernel.loadedByOther("dummy", ModuleState.COMING);
            ticker.after(Duration.ofMillis(100), () -> kernel.removedByOther("dummy"));
        });
        Job job = awaitEnd(load("dummy", ModuleParameters.NONE));
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(job.snapshot().alreadyLoaded()).isFalse();
        assertThat(kernel.finitCalls("dummy")).isEqualTo(2);
    }

    @Test
    void ebusyTwiceWithNoModuleThereIsTheInitFailingAndFailsAtOnce() throws Exception {
        // Linux 7.1+: a module whose init returns -EEXIST (or a driver's -EBUSY) is answered EBUSY, and the
        // kernel has removed it again; nothing settles, so nothing is waited for.
        kernel.define("dummy");
        kernel.scriptFinit("dummy", Errno.EBUSY, Errno.EBUSY, Errno.EBUSY);
        Job job = awaitEnd(load("dummy", ModuleParameters.NONE));
        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(kernel.finitCalls("dummy")).isEqualTo(2);
        JobError e = job.snapshot().error();
        assertThat(e.reason()).isEqualTo(Reason.INIT_FAILED);
        assertThat(e.errno()).isEqualTo(Errno.EBUSY);
        assertThat(e.detail()).startsWith("init of dummy failed").contains("Linux 7.1+", "dmesg");
        assertThat(job.snapshot().events()).noneMatch(ev -> ev.type() == EventType.STATE && ev.state().equals("waiting"));
    }

    @Test
    void oneEbusyWithNoModuleThereIsRetriedOnceAndLoads() throws Exception {
        // A racer's copy went away between its refusal of our call and our look: the retry loads it.
        kernel.define("dummy");
        kernel.scriptFinit("dummy", Errno.EBUSY);
        Job job = awaitEnd(load("dummy", ModuleParameters.NONE));
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(job.snapshot().alreadyLoaded()).isFalse();
        assertThat(kernel.finitCalls("dummy")).isEqualTo(2);
    }

    @Test
    void eexistWithNoModuleLiveIsTheInitsOwnErrorNotSuccess() throws Exception {
        // Before Linux 7.1 an init's -EEXIST reaches the caller as it is: the module is not loaded.
        kernel.define("dummy");
        kernel.scriptFinit("dummy", Errno.EEXIST, Errno.EEXIST);
        Job job = awaitEnd(load("dummy", ModuleParameters.NONE));
        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(job.snapshot().error().reason()).isEqualTo(Reason.INIT_FAILED);
        assertThat(job.snapshot().error().errno()).isEqualTo(Errno.EEXIST);
        assertThat(kernel.finitCalls("dummy")).isEqualTo(2);
    }

    @Test
    void ebusyWhileAnOutsideCopyIsGoingIsWaitedOutThenLoaded() throws Exception {
        kernel.define("dummy");
        kernel.scriptFinit("dummy", Errno.EBUSY);
        kernel.afterScriptedFinit("dummy", () -> {
            kernel.loadedByOther("dummy", ModuleState.GOING);
            ticker.after(Duration.ofMillis(100), () -> kernel.removedByOther("dummy"));
        });
        Job job = awaitEnd(load("dummy", ModuleParameters.NONE));
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(job.snapshot().alreadyLoaded()).isFalse();
        assertThat(kernel.finitCalls("dummy")).isEqualTo(2);
    }

    @Test
    void kernelErrorsBecomeTypedFailures() throws Exception {
        kernel.define("dummy");
        kernel.scriptFinit("dummy", Errno.EINVAL);
        Job job = awaitEnd(load("dummy", ModuleParameters.of(Map.of("numdummies", "x"))));
        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(job.snapshot().error().errno()).isEqualTo(Errno.EINVAL);
        assertThat(job.snapshot().error().detail()).contains("invalid parameters");
    }

    @Test
    void parametersReachTheKernel() throws Exception {
        kernel.define("loop");
        Job job = awaitEnd(load("loop", ModuleParameters.of(Map.of("max_loop", "4"))));
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(kernel.paramsOf("loop")).containsEntry("max_loop", "4");
    }

    @Test
    void unknownModuleIsRefusedWithoutKernelCall() {
        assertThatThrownBy(() -> ops.load(n("nosuchmod"), ModuleParameters.NONE))
                .isInstanceOf(RefusedException.class)
                .extracting(e -> ((RefusedException) e).refusal()).isEqualTo(Refusal.NOT_FOUND);
        assertThat(kernel.finitCalls("nosuchmod")).isZero();
    }

    @Test
    void kernelWithoutModuleSupportRefusesWrites() {
        kernel.define("xfs");
        kernel.setSupport(new KernelSupport(false, true, false, true, List.of("no module support")));
        assertThatThrownBy(() -> ops.load(n("xfs"), ModuleParameters.NONE))
                .extracting(e -> ((RefusedException) e).refusal()).isEqualTo(Refusal.NO_MODULE_SUPPORT);
        kernel.setSupport(new KernelSupport(true, false, false, true, List.of("no CAP_SYS_MODULE")));
        assertThatThrownBy(() -> ops.load(n("xfs"), ModuleParameters.NONE))
                .extracting(e -> ((RefusedException) e).refusal()).isEqualTo(Refusal.NO_PRIVILEGE);
        assertThat(kernel.finitCalls("xfs")).isZero();
    }

    @Test
    void failedDependencyFailsTheDependent() throws Exception {
        kernel.define("libcrc32c").define("xfs", "libcrc32c");
        kernel.scriptFinit("libcrc32c", Errno.ENOMEM);
        Job job = awaitEnd(load("xfs", ModuleParameters.NONE));
        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(job.snapshot().error().reason()).isEqualTo(Reason.DEPENDENCY_FAILED);
        assertThat(job.snapshot().error().errno()).isEqualTo(Errno.ENOMEM);
        assertThat(kernel.finitCalls("xfs")).isZero();
    }
}
