package dev.mediaplane.plan;

import dev.mediaplane.config.LoadedConfig;

/**
 * Runs the Pulumi program under the Pulumi mock engine and captures every resource with its
 * inputs: the offline preview and the base of the config-aware diff.
 */
public final class PlanRunner {

    private PlanRunner() {}

    /** Plans the stack described by {@code config}. Deterministic: same input, same plan. */
    public static Plan run(LoadedConfig config) {
        throw new UnsupportedOperationException("PlanRunner is being built");
    }
}
