package dev.mediaplane;

import com.pulumi.Pulumi;
import dev.mediaplane.cli.Cli;
import dev.mediaplane.config.PulumiConfigLoader;
import dev.mediaplane.infra.MediaPlaneProgram;
import dev.mediaplane.render.Renderer;

/**
 * One jar, two entry points: the Pulumi language host runs it (PULUMI_MONITOR set, no
 * arguments) as the program behind {@code pulumi up}; anyone else gets the CLI.
 */
public final class Main {

    /** The commands whose first step renders a release, and so reads the node agent's jar. */
    private static final java.util.Set<String> RENDERS = java.util.Set.of("plan", "check", "render");

    /** System property the mediaplane wrapper sets on the run that trains its AOT cache or CDS archive. */
    static final String TRAINING = "mediaplane.archiveTraining";

    private Main() {}

    public static void main(String[] args) {
        dev.mediaplane.plan.Phases.mark("main");
        if (System.getenv("PULUMI_MONITOR") != null && args.length == 0) {
            Pulumi.run(ctx -> MediaPlaneProgram.define(ctx, PulumiConfigLoader.load(ctx)));
            return;
        }
        if (args.length > 0 && RENDERS.contains(args[0])) {
            // The agent jar's hash and the template parse run beside picocli's set-up (Renderer.prefetch).
            Renderer.prefetch();
        }
        int code = Cli.execute(args);
        if (Boolean.getBoolean(TRAINING)) {
            // The wrapper's archive training run (a plan or check): also load what --help loads, the full CLI
            // and its usage text, which a plan no longer builds, so that one archive serves both.
            Cli.create().usage(new java.io.PrintWriter(java.io.Writer.nullWriter()));
        }
        dev.mediaplane.plan.Phases.mark("exit");
        System.exit(code);
    }
}
