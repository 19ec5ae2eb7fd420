package dev.mediaplane.cli;

import dev.mediaplane.ops.release.ReleaseChecks;
import dev.mediaplane.ops.release.ReleaseContext;
import dev.mediaplane.ops.release.ReleaseMoves;
import dev.mediaplane.ops.release.ReleaseState;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mediaplane promote}: the canary becomes the stable release everywhere. */
@Command(name = "promote", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Makes the running canary the stable release on every node: removes mediaplane:releaseStable and"
                    + " mediaplane:releaseCanarySize from Pulumi.<stack>.yaml (the current render is stable again),"
                    + " keeping every other line byte for byte. The canary's nodes keep their template.",
            "Refuses when no canary runs, and (online, the default) when the group's canary nodes run another release"
                    + " than this build renders: promote ships exactly what was tested. --offline skips that check.",
            "Check 'mediaplane canary status' first.",
            "",
            "Examples:",
            "  mediaplane promote --stack prod --dry-run",
            "  mediaplane promote --stack prod --apply"
        })
public final class PromoteCommand implements Callable<Integer> {

    /** The outside world of the release commands; tests replace it before execute. */
    ReleaseContext context = ReleaseContext.system();

    @Mixin
    StackOptions stack;

    @Mixin
    OutputOptions output;

    @Mixin
    CommonOptions common;

    @Option(names = "--offline", description = "Ask no Google API: skip the check that the canary nodes run this render.")
    boolean offline;

    @Mixin
    MoveOptions move;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return ReleaseSupport.guarded(spec, () -> {
            ReleaseState s = ReleaseState.read(ReleaseSupport.projectDir(spec), stack.stackName());
            ReleaseMoves.Move m = ReleaseMoves.promote(s);
            java.util.List<String> checks = new java.util.ArrayList<>(m.checks());
            if (offline) {
                checks.add("offline: not checked that the canary nodes run " + ReleaseState.short12(s.currentRender()));
            } else {
                ReleaseChecks.requireCanaryDeployed(context, s, checks);
            }
            m = new ReleaseMoves.Move(m.command(), m.before(), m.changes(), m.after(), checks);
            return ReleaseSupport.finish(spec, context, m, move, output.json);
        });
    }
}
