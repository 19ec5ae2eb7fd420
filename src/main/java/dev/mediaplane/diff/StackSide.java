package dev.mediaplane.diff;

import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.config.StackFileLoader;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanRunner;
import dev.mediaplane.render.BootScripts;
import dev.mediaplane.render.Bundle;
import dev.mediaplane.render.Renderer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.BiFunction;

/**
 * One side of a diff: a project directory's stack config, its plan, and what it renders (the
 * release bundle and the instance template's boot scripts), all from that directory's own
 * {@code Pulumi.<stack>.yaml}, {@code templates/} and {@code startup-scripts/}. The Java program
 * is the running one for both sides.
 *
 * @param root the project directory the side was read from
 * @param config the validated stack config (secret values stay inside it)
 * @param plan the plan under the mock engine
 * @param bundle the release bundle the plan's instance template boots
 * @param scripts the instance template's startup and shutdown scripts
 */
public record StackSide(Path root, LoadedConfig config, Plan plan, Bundle bundle, BootScripts scripts) {

    /** Plans {@code stack} from {@code root} with the real planner. */
    public static StackSide plan(Path root, String stack, Instant now) {
        return plan(root, stack, now, PlanRunner::run);
    }

    /**
     * Plans {@code stack} from {@code root}; {@code planner} turns the loaded config into a plan
     * (the CLI's planner, so tests can substitute it) and runs while templates come from {@code root}.
     */
    public static StackSide plan(Path root, String stack, Instant now, BiFunction<LoadedConfig, Instant, Plan> planner) {
        LoadedConfig config = StackFileLoader.load(root, stack);
        return Renderer.fromDirectory(root, () -> {
            Plan plan = planner.apply(config, now);
            Bundle bundle = Renderer.render(config.config());
            BootScripts scripts = Renderer.bootScripts(config.config(), bundle.hash());
            return new StackSide(root, config, plan, bundle, scripts);
        });
    }
}
