package io.kmodd.jobs;

import io.kmodd.kernel.ModuleParameters;
import io.kmodd.kernel.ResolvedModule;
import java.util.Map;

/** What a job is asked to do, with the options of that operation only. Immutable. */
public sealed interface JobSpec {

    Operation operation();

    /** Requests whose keys are equal are the same work: a request joins an unfinished job with its key. */
    MergeKey mergeKey();

    /** The parameters the job document shows; empty for an unload. */
    Map<String, String> shownParams();

    /** The parameters the kernel receives: modprobe.d's options, then the request's; null for an unload. */
    Map<String, String> effectiveParams();

    /** @param target the module as libkmod resolved it, with its dependencies and modprobe.d options */
    record Load(ResolvedModule target, ModuleParameters parameters) implements JobSpec {
        @Override
        public Operation operation() {
            return Operation.LOAD;
        }

        @Override
        public MergeKey mergeKey() {
            return MergeKey.load(parameters);
        }

        @Override
        public Map<String, String> shownParams() {
            return parameters.asMap();
        }

        @Override
        public Map<String, String> effectiveParams() {
            return parameters.effective(target.options());
        }
    }

    /**
     * A patient removal with {@code removal}'s timeout, then {@code load}, as one job: nothing else on the
     * lane runs between the two.
     *
     * @param withHolders first take down the unused modules that use it, and bring them back afterwards
     */
    record Reload(Load load, UnloadOptions removal, boolean withHolders) implements JobSpec {
        @Override
        public Operation operation() {
            return Operation.RELOAD;
        }

        /** Reloads merge when their parameters are equal; the joining request takes the queued timeout. */
        @Override
        public MergeKey mergeKey() {
            return new MergeKey(Operation.RELOAD, java.util.List.of(load.parameters(), withHolders));
        }

        @Override
        public Map<String, String> shownParams() {
            return load.shownParams();
        }

        @Override
        public Map<String, String> effectiveParams() {
            return load.effectiveParams();
        }

        ResolvedModule target() {
            return load.target();
        }

        ModuleParameters parameters() {
            return load.parameters();
        }
    }

    record Unload(UnloadOptions options) implements JobSpec {
        @Override
        public Operation operation() {
            return Operation.UNLOAD;
        }

        @Override
        public MergeKey mergeKey() {
            return MergeKey.unload(options.force());
        }

        @Override
        public Map<String, String> shownParams() {
            return Map.of();
        }

        @Override
        public Map<String, String> effectiveParams() {
            return null;
        }
    }

    /**
     * The merge rule's key: loads merge when their parameters are equal (a load with other parameters is
     * other work); unloads merge when both are forced or neither is, and the joining request takes the
     * queued job's timeout and dependency choice.
     */
    record MergeKey(Operation operation, Object discriminator) {
        public static MergeKey load(ModuleParameters params) {
            return new MergeKey(Operation.LOAD, params);
        }

        public static MergeKey unload(boolean force) {
            return new MergeKey(Operation.UNLOAD, force);
        }
    }
}
