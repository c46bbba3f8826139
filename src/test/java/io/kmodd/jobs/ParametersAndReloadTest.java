package io.kmodd.jobs;

import static io.kmodd.jobs.OperationsFixture.awaitEnd;
import static io.kmodd.jobs.OperationsFixture.awaitState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmodd.kernel.Errno;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import io.kmodd.params.LiveParameters;
import io.kmodd.params.LoadedWith;
import io.kmodd.params.ParameterConflict;
import io.kmodd.policy.ModulePolicy;
import io.kmodd.testing.SimulatedKernel;
import io.kmodd.testing.VirtualTicker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parameters are never dropped without the caller being told, and a reload is one job: against the
 * simulated kernel, which shows parameters as sysfs does (some hidden) and numbers each load of a module.
 */
class ParametersAndReloadTest {
    private final OperationsFixture fixture = new OperationsFixture();
    private final SimulatedKernel kernel = fixture.kernel;
    private final VirtualTicker ticker = fixture.ticker;
    @TempDir
    Path dir;
    private ModuleOperations ops;

    @BeforeEach
    void setUp() {
        ops = operations(LoadedWith.at(dir.resolve("loaded-with.json"), new ObjectMapper()));
        kernel.define("loop");
    }

    private ModuleOperations operations(LoadedWith record) {
        return fixture.loadedWith(record).start();
    }

    @AfterEach
    void tearDown() {
        ops.close();
    }

    private static ModuleName n(String s) {
        return ModuleName.of(s);
    }

    private static ModuleParameters p(String... kv) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return ModuleParameters.of(m);
    }

    private Job load(String name, ModuleParameters params) throws Exception {
        ModuleOperations.LoadAnswer a = ops.load(n(name), params);
        assertThat(a).isInstanceOf(ModuleOperations.Queued.class);
        return awaitEnd(((ModuleOperations.Queued) a).job());
    }

    private ParameterConflict conflictOf(Runnable r) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(r::run);
        assertThat(t).isInstanceOf(ParameterConflictException.class);
        assertThat(((RefusedException) t).refusal()).isEqualTo(Refusal.PARAMETER_CONFLICT);
        return ((ParameterConflictException) t).conflict();
    }

    private Job reload(String name, ModuleParameters params, Duration timeout) {
        return ops.reload(n(name), new ReloadRequest(params, new UnloadOptions(timeout, false, false), false, false)).job();
    }

    /** A reload that takes the module's holders down and brings them back, within 5 s. */
    private static ReloadRequest withHolders(ModuleParameters params) {
        return new ReloadRequest(params, new UnloadOptions(Duration.ofSeconds(5), false, false), false, true);
    }

    @Test
    void aLoadWithOtherValuesThanTheLiveModuleIs409WithBothSets() throws Exception {
        assertThat(load("loop", p("max_loop", "4")).state()).isEqualTo(JobState.SUCCEEDED);
        ParameterConflict c = conflictOf(() -> ops.load(n("loop"), p("max_loop", "8")));
        assertThat(c.requested()).containsEntry("max_loop", "8");
        assertThat(c.live()).containsEntry("max_loop", "4");
        assertThat(c.differ()).containsExactly("max_loop");
        assertThat(c.describe("loop")).contains("loop is loaded with max_loop=4", "requested max_loop=8", "/modules/loop/reload");
        assertThat(kernel.finitCalls("loop")).isEqualTo(1);
    }

    @Test
    void theSameValuesAsTheKernelPrintsThemAndNoParametersAreStillAlreadyLoaded() {
        kernel.loadedByOther("loop", Map.of("max_loop", "16", "debug", "Y", "ids", "1,2,3", "name", "x", "bint_flag", "1"));
        for (ModuleParameters same : new ModuleParameters[] {ModuleParameters.NONE, p("max_loop", "16"), p("max_loop", "0x10"),
                p("max_loop", "020"), p("max-loop", "16"), p("debug", "1"), p("debug", "on"), p("debug", "yes"),
                p("ids", "1,0x2,3"), p("ids", "1,2"), p("name", "x"), p("bint_flag", "y")}) {
            assertThat(ops.load(n("loop"), same)).as(same.toString()).isInstanceOf(ModuleOperations.AlreadyThere.class);
        }
        // "" is sent as debug=, which kstrtobool refuses: never the same as Y.
        for (ModuleParameters other : new ModuleParameters[] {p("max_loop", "17"), p("debug", "0"), p("debug", "maybe"),
                p("debug", ""), p("ids", "1,2,4"), p("ids", "1,2,3,4"), p("name", "X"), p("bint_flag", "n")}) {
            assertThat(conflictOf(() -> ops.load(n("loop"), other)).differ()).as(other.toString()).hasSize(1);
        }
        assertThat(kernel.totalCalls()).isZero();
    }

    @Test
    void aValueTheKernelDoesNotShowIsUnconfirmedUnlessKmoddLoadedIt() throws Exception {
        kernel.hideParameter("loop", "secret");
        kernel.loadedByOther("loop", Map.of("secret", "1"));
        ParameterConflict c = conflictOf(() -> ops.load(n("loop"), p("secret", "1")));
        assertThat(c.unconfirmed()).containsExactly("secret");
        assertThat(c.describe("loop")).contains("cannot be confirmed");

        kernel.removedByOther("loop");
        assertThat(load("loop", p("secret", "1")).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(ops.load(n("loop"), p("secret", "1"))).isInstanceOf(ModuleOperations.AlreadyThere.class);
        assertThat(conflictOf(() -> ops.load(n("loop"), p("secret", "2"))).live()).containsEntry("secret", "1");

        // The record outlives a restart of kmodd ...
        ops.close();
        ops = operations(LoadedWith.at(dir.resolve("loaded-with.json"), new ObjectMapper()));
        assertThat(Files.readString(dir.resolve("loaded-with.json"))).contains("secret");
        assertThat(ops.load(n("loop"), p("secret", "1"))).isInstanceOf(ModuleOperations.AlreadyThere.class);
        // ... but not a removal and load by someone else: that is another load of the module.
        kernel.removedByOther("loop");
        kernel.loadedByOther("loop", Map.of("secret", "2"));
        assertThat(conflictOf(() -> ops.load(n("loop"), p("secret", "1"))).unconfirmed()).containsExactly("secret");
    }

    @Test
    void aLoadWithOtherValuesThanAQueuedLoadIs409NamingTheJob() throws Exception {
        kernel.holdLoads();
        Job first = ((ModuleOperations.Queued) ops.load(n("loop"), p("max_loop", "4"))).job();
        ParameterConflict c = conflictOf(() -> ops.load(n("loop"), p("max_loop", "8")));
        assertThat(c.queued()).containsEntry("max_loop", "4");
        assertThat(c.queuedJob()).isEqualTo(first.id());
        assertThat(c.live()).isNull();
        // Without parameters, or with other parameters only, it queues and is answered by the live values.
        Job plain = ((ModuleOperations.Queued) ops.load(n("loop"), ModuleParameters.NONE)).job();
        Job other = ((ModuleOperations.Queued) ops.load(n("loop"), p("max_part", "3"))).job();
        kernel.releaseLoads();
        assertThat(awaitEnd(first).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(awaitEnd(plain).snapshot().alreadyLoaded()).isTrue();
        Job otherDone = awaitEnd(other);
        assertThat(otherDone.state()).isEqualTo(JobState.FAILED);
        assertThat(otherDone.snapshot().error().reason()).isEqualTo(Reason.PARAMETER_CONFLICT);
        // The simulated loop shows no max_part, and kmodd loaded it without one: its value is unknown.
        assertThat(otherDone.snapshot().error().parameters().unconfirmed()).containsExactly("max_part");
        assertThat(kernel.finitCalls("loop")).isEqualTo(1);
    }

    @Test
    void anotherLoaderWinningTheRaceWithOtherValuesFailsTheJobNotSucceedsIt() throws Exception {
        kernel.afterScriptedFinit("loop", () -> kernel.loadedByOther("loop", Map.of("max_loop", "2")));
        kernel.scriptFinit("loop", Errno.EEXIST);
        Job job = load("loop", p("max_loop", "4"));
        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(job.snapshot().error().reason()).isEqualTo(Reason.PARAMETER_CONFLICT);
        assertThat(job.snapshot().error().parameters().live()).containsEntry("max_loop", "2");
        assertThat(job.snapshot().error().detail()).contains("loop is loaded with max_loop=2");
    }

    @Test
    void theJobShowsTheEffectiveSetWithModprobeOptionsFirstAndTheRequestWinning() throws Exception {
        kernel.defineResolved(new io.kmodd.kernel.ResolvedModule(n("dummy"), java.util.Optional.of(Path.of("/x/dummy.ko")),
                "numdummies=2 debug=1", java.util.List.of(), java.util.List.of(), java.util.List.of(), false, false));
        Job job = load("dummy", p("numdummies", "4"));
        assertThat(job.snapshot().effectiveParams()).containsExactly(Map.entry("numdummies", "4"), Map.entry("debug", "1"));
        assertThat(job.snapshot().params()).containsExactly(Map.entry("numdummies", "4"));
        assertThat(kernel.paramsOf("dummy")).containsEntry("numdummies", "4");
    }

    @Test
    void aReloadRemovesPatientlyAndLoadsWithTheNewValuesInOneJob() throws Exception {
        load("loop", p("max_loop", "4"));
        kernel.setUsers("loop", 1);
        Job reload = reload("loop", p("max_loop", "8"), Duration.ofSeconds(30));
        awaitState(reload, JobState.WAITING);
        // Loads arriving during the wait queue behind it and are answered after it, never between its halves.
        Job conflicting = ((ModuleOperations.Queued) ops.load(n("loop"), p("max_loop", "4"))).job();
        Job plain = ((ModuleOperations.Queued) ops.load(n("loop"), ModuleParameters.NONE)).job();
        Job same = ((ModuleOperations.Queued) ops.load(n("loop"), p("max_loop", "8"))).job();
        assertThat(conflicting.state()).isEqualTo(JobState.QUEUED);
        ticker.after(Duration.ofMillis(300), () -> kernel.setUsers("loop", 0));
        Job done = awaitEnd(reload);
        assertThat(done.state()).as(done.snapshot().toString()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.snapshot().outcome()).isEqualTo("reloaded loop with max_loop=8");
        assertThat(done.snapshot().operation()).isEqualTo("reload");
        assertThat(kernel.paramsOf("loop")).containsEntry("max_loop", "8");
        assertThat(kernel.deleteCalls("loop")).isEqualTo(1);
        assertThat(kernel.finitCalls("loop")).isEqualTo(2);
        Job c = awaitEnd(conflicting);
        assertThat(c.snapshot().error().reason()).isEqualTo(Reason.PARAMETER_CONFLICT);
        assertThat(c.snapshot().error().parameters().live()).containsEntry("max_loop", "8");
        assertThat(awaitEnd(plain).snapshot().alreadyLoaded()).isTrue();
        assertThat(awaitEnd(same).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(kernel.finitCalls("loop")).isEqualTo(2);
        assertThat(done.snapshot().events()).extracting(JobEvent::type).contains(EventType.REFCNT, EventType.ATTEMPT);
    }

    @Test
    void aReloadCancelledWhileWaitingLeavesTheModuleAsItWas() throws Exception {
        load("loop", p("max_loop", "4"));
        kernel.setUsers("loop", 1);
        Job reload = reload("loop", p("max_loop", "8"), Duration.ofSeconds(30));
        awaitState(reload, JobState.WAITING);
        ops.cancel(reload.id());
        assertThat(awaitEnd(reload).state()).isEqualTo(JobState.CANCELLED);
        assertThat(reload.snapshot().outcome()).contains("loop is still loaded");
        assertThat(kernel.paramsOf("loop")).containsEntry("max_loop", "4");
        assertThat(kernel.deleteCalls("loop")).isZero();
    }

    @Test
    void aReloadThatTimesOutChangesNothing() throws Exception {
        load("loop", p("max_loop", "4"));
        kernel.setUsers("loop", 1);
        Job reload = reload("loop", p("max_loop", "8"), Duration.ofMillis(200));
        Job done = awaitEnd(reload);
        assertThat(done.snapshot().error().reason()).isEqualTo(Reason.TIMEOUT);
        assertThat(done.snapshot().error().detail()).contains("still in use: refcnt 1");
        assertThat(kernel.paramsOf("loop")).containsEntry("max_loop", "4");
    }

    @Test
    void aReloadWhoseLoadFailsBringsTheModuleBackWithItsPreviousValues() throws Exception {
        load("loop", p("max_loop", "4"));
        kernel.scriptFinit("loop", Errno.EINVAL);
        Job done = awaitEnd(reload("loop", p("max_loop", "2000000"), Duration.ofSeconds(5)));
        assertThat(done.state()).isEqualTo(JobState.FAILED);
        assertThat(done.snapshot().error().errno()).isEqualTo(Errno.EINVAL);
        assertThat(done.snapshot().error().detail()).contains("removed loop, but loading it with max_loop=2000000 failed",
                "loaded it again with its previous parameters max_loop=4: OK");
        assertThat(kernel.isLoaded("loop")).isTrue();
        assertThat(kernel.paramsOf("loop")).containsEntry("max_loop", "4");
        // The record follows the module back: its values are known again.
        assertThat(ops.load(n("loop"), p("max_loop", "4"))).isInstanceOf(ModuleOperations.AlreadyThere.class);
    }

    @Test
    void aReloadThatCannotBringTheModuleBackSaysSo() throws Exception {
        load("loop", p("max_loop", "4"));
        kernel.scriptFinit("loop", Errno.EINVAL, Errno.ENOMEM);
        Job done = awaitEnd(reload("loop", p("max_loop", "2000000"), Duration.ofSeconds(5)));
        assertThat(done.state()).isEqualTo(JobState.FAILED);
        assertThat(done.snapshot().error().detail()).contains("failed too", "loop is NOT loaded");
        assertThat(kernel.isLoaded("loop")).isFalse();
        assertThat(done.snapshot().events()).anySatisfy(e -> assertThat(e.data()).containsEntry("restored", false));
    }

    @Test
    void aReloadCannotBeCancelledOnceTheModuleIsOutEvenWhileItsLoadWaits() throws Exception {
        load("loop", p("max_loop", "4"));
        // The reload's load meets an outside loader's EBUSY, and waits for it to settle.
        kernel.afterScriptedFinit("loop", () -> kernel.loadedByOther("loop", io.kmodd.kernel.ModuleState.COMING));
        kernel.scriptFinit("loop", Errno.EBUSY);
        Job reload = reload("loop", p("max_loop", "8"), Duration.ofSeconds(5));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (kernel.finitCalls("loop") < 2 || reload.state() != JobState.WAITING) {
            assertThat(System.nanoTime()).as("the reload's load to wait").isLessThan(deadline);
            Thread.sleep(1);
        }
        assertThatThrownBy(() -> ops.cancel(reload.id())).isInstanceOf(RefusedException.class)
                .hasMessageContaining("loop has been removed and is being loaded again");
        kernel.setState("loop", io.kmodd.kernel.ModuleState.LIVE);
        Job done = awaitEnd(reload);
        // The other loader's loop shows no max_loop: the reload says its value cannot be confirmed.
        assertThat(done.snapshot().error().reason()).as(done.snapshot().toString()).isEqualTo(Reason.PARAMETER_CONFLICT);
        assertThat(done.snapshot().error().parameters().unconfirmed()).containsExactly("max_loop");
    }

    @Test
    void aKernelThatMergedTheLoadWithAnotherAppliesTheirValuesAndTheJobSaysSo() throws Exception {
        kernel.nextLoadJoinsAnother("loop", Map.of("max_loop", "2"));
        Job job = load("loop", p("max_loop", "4"));
        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(job.snapshot().error().reason()).isEqualTo(Reason.PARAMETER_CONFLICT);
        assertThat(job.snapshot().error().detail()).contains("the kernel answered success, but loop is loaded with max_loop=2",
                "since Linux 6.5");
        // Nothing was recorded as applied: a hidden value would not be vouched for by kmodd.
        kernel.hideParameter("loop", "max_loop");
        assertThat(conflictOf(() -> ops.load(n("loop"), p("max_loop", "4"))).unconfirmed()).containsExactly("max_loop");
    }

    @Test
    void aReloadOfAModuleNotLoadedOrHeldByModulesIsRefusedAtOnce() throws Exception {
        assertThatThrownBy(() -> reload("loop", ModuleParameters.NONE, Duration.ofSeconds(1)))
                .isInstanceOf(RefusedException.class).hasMessageContaining("loop is not loaded")
                .extracting(e -> ((RefusedException) e).refusal()).isEqualTo(Refusal.NOT_LOADED);
        kernel.define("loop_user", "loop");
        load("loop_user", ModuleParameters.NONE);
        assertThatThrownBy(() -> reload("loop", ModuleParameters.NONE, Duration.ofSeconds(1)))
                .isInstanceOf(RefusedException.class).hasMessageContaining("used by loop_user")
                .extracting(e -> ((RefusedException) e).refusal()).isEqualTo(Refusal.IN_USE_BY_HOLDERS);
        assertThat(kernel.deleteCalls("loop")).isZero();
    }

    @Test
    void withHoldersTakesTheUnusedUsersDownUsersFirstAndBringsThemBackWithTheirParameters() throws Exception {
        kernel.define("mid", "loop").define("top", "loop", "mid");
        load("loop", p("max_loop", "4"));
        load("mid", p("depth", "2"));
        load("top", ModuleParameters.NONE);
        assertThatThrownBy(() -> reload("loop", p("max_loop", "8"), Duration.ofSeconds(5)))
                .isInstanceOf(RefusedException.class).hasMessageContaining("withHolders=true");
        Job done = awaitEnd(ops.reload(n("loop"), withHolders(p("max_loop", "8"))).job());
        assertThat(done.state()).as(done.snapshot().toString()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.snapshot().outcome()).isEqualTo("reloaded loop with max_loop=8; top, mid taken down and back");
        assertThat(kernel.paramsOf("loop")).containsEntry("max_loop", "8");
        assertThat(kernel.paramsOf("mid")).containsEntry("depth", "2");
        assertThat(kernel.isLoaded("top")).isTrue();
        assertThat(kernel.deleteCalls("top")).isEqualTo(1);
        assertThat(kernel.deleteCalls("mid")).isEqualTo(1);
        assertThat(done.snapshot().events()).extracting(JobEvent::message)
                .anySatisfy(m -> assertThat(m).startsWith("taking down top"))
                .anySatisfy(m -> assertThat(m).startsWith("bringing back mid"));
    }

    @Test
    void withHoldersRefusesAUserThatIsInUseAndBringsUsersBackWhenTheReloadFails() throws Exception {
        kernel.define("user", "loop");
        load("loop", p("max_loop", "4"));
        load("user", ModuleParameters.NONE);
        kernel.setUsers("user", 1);
        assertThatThrownBy(() -> ops.reload(n("loop"), withHolders(ModuleParameters.NONE)))
                .isInstanceOf(RefusedException.class).hasMessageContaining("user is in use (refcnt 1)");
        kernel.setUsers("user", 0);
        kernel.scriptFinit("loop", Errno.EINVAL);
        Job done = awaitEnd(ops.reload(n("loop"), withHolders(p("max_loop", "2000000"))).job());
        assertThat(done.state()).isEqualTo(JobState.FAILED);
        assertThat(done.snapshot().error().detail()).contains("loaded it again with its previous parameters max_loop=4: OK",
                "user taken down and back");
        assertThat(kernel.isLoaded("user")).isTrue();
        assertThat(kernel.paramsOf("loop")).containsEntry("max_loop", "4");
    }

    @Test
    void aBuiltInModuleTakesNoParametersFromALoad() {
        kernel.defineResolved(new io.kmodd.kernel.ResolvedModule(n("crc32c"), java.util.Optional.empty(), "",
                java.util.List.of(), java.util.List.of(), java.util.List.of(), false, false));
        assertThat(ops.load(n("crc32c"), ModuleParameters.NONE)).isInstanceOf(ModuleOperations.AlreadyThere.class);
        assertThatThrownBy(() -> ops.load(n("crc32c"), p("x", "1"))).isInstanceOf(RefusedException.class)
                .hasMessageContaining("kernel command line");
    }
}
