package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.ops.release.ReleaseContext;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The release commands' shared surface (help, exit codes), and the runner the other release CLI tests use. */
class ReleaseCommandsTest {

    record Result(int code, String out, String err) {}

    /** Runs the CLI from the factory with {@code ctx} as every release command's outside world. */
    static Result run(ReleaseContext ctx, Path projectDir, String... args) {
        CommandLine cli = Cli.create();
        inject(cli, ctx);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        if (projectDir != null) {
            all.add("--project-dir");
            all.add(projectDir.toString());
        }
        int code = cli.execute(all.toArray(String[]::new));
        return new Result(code, out.toString(), err.toString());
    }

    static void inject(CommandLine cli, ReleaseContext ctx) {
        cli.getSubcommands().values().forEach(c -> {
            Object o = c.getCommand();
            if (o instanceof ReleaseCommand r) {
                r.context = ctx;
            } else if (o instanceof CanaryCommand r) {
                r.context = ctx;
            } else if (o instanceof PromoteCommand r) {
                r.context = ctx;
            } else if (o instanceof RollbackCommand r) {
                r.context = ctx;
            } else if (o instanceof RolloutCommand r) {
                r.context = ctx;
            }
        });
    }

    @Test
    void everyReleaseCommandHasExamplesAndListsTheExitCodes() {
        for (String[] cmd : List.of(new String[] {"release", "status"}, new String[] {"canary", "start"},
                new String[] {"promote"}, new String[] {"rollback"}, new String[] {"canary", "status"},
                new String[] {"rollout"})) {
            List<String> args = new ArrayList<>(List.of(cmd));
            args.add("--help");
            Result r = run(ReleaseContext.system(), null, args.toArray(String[]::new));
            assertEquals(0, r.code(), String.join(" ", cmd));
            assertTrue(r.out().contains("Examples:"), r.out());
            assertTrue(r.out().contains("--json"), r.out());
            assertTrue(r.out().contains("REFUSED") && r.out().contains("UNAVAILABLE"), r.out());
            assertTrue(r.out().contains("--dry-run"), r.out());
            if (List.of("start", "promote", "rollback").contains(cmd[cmd.length - 1])) {
                assertTrue(r.out().contains("--apply"), r.out());
            }
        }
    }
}
