package dev.mediaplane.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.mediaplane.ops.release.CloudException;
import dev.mediaplane.ops.release.PulumiRunner;
import dev.mediaplane.ops.release.RefusedException;
import dev.mediaplane.ops.release.ReleaseContext;
import dev.mediaplane.ops.release.ReleaseMoves.Move;
import dev.mediaplane.ops.release.ReleaseState;
import dev.mediaplane.ops.release.StackFileEditor;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The shared plumbing of the release commands: refusals and cloud errors as their exit codes, the
 * edit-then-{@code pulumi up} flow, the JSON of a release state. Not a command.
 */
final class ReleaseSupport {

    private ReleaseSupport() {}

    /** The body's exit code; refusals and cloud errors as one clear line on stderr and their own codes. */
    static int guarded(CommandSpec spec, Callable<Integer> body) throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        String name = spec.qualifiedName(" ");
        try {
            return body.call();
        } catch (RefusedException e) {
            err.println(name + ": refused: " + e.getMessage());
            err.flush();
            return ExitCode.REFUSED.code();
        } catch (StackFileEditor.UneditableException e) {
            err.println(name + ": refused: the stack file cannot be edited safely: " + e.getMessage());
            err.flush();
            return ExitCode.REFUSED.code();
        } catch (CloudException e) {
            err.println(name + ": " + e.getMessage());
            err.flush();
            return ExitCode.UNAVAILABLE.code();
        }
    }

    /** {@code --project-dir} of the StackOptions mixin. */
    static Path projectDir(CommandSpec spec) {
        return spec.findOption("--project-dir").getValue();
    }

    static String json(JsonElement e) {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(e) + "\n";
    }

    static JsonObject releases(ReleaseState s) {
        JsonObject o = new JsonObject();
        o.addProperty("stable", s.stable());
        o.addProperty("stablePinned", s.pinnedStable().isPresent());
        o.addProperty("stableTemplate", s.stableTemplate());
        o.addProperty("canary", s.canary().orElse(null));
        o.addProperty("canaryTemplate", s.canaryTemplate().orElse(null));
        o.addProperty("canarySize", s.canarySize());
        o.addProperty("currentRender", s.currentRender());
        o.addProperty("fleetSize", s.fleetSize());
        return o;
    }

    /**
     * Prints the move, writes it unless {@code dryRun}, then with {@code apply} runs {@code pulumi up}
     * through the Automation API, or says the exact command to run.
     */
    static int finish(CommandSpec spec, ReleaseContext ctx, Move m, MoveOptions move, boolean asJson) {
        boolean dryRun = move.dryRun;
        boolean apply = move.apply;
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path dir = projectDir(spec);
        String stack = m.before().stack();
        String up = PulumiRunner.upCommand(dir, stack);
        boolean pulumi = ctx.pulumiOnPath();
        if (!dryRun) {
            m.write();
        }
        // In JSON mode stdout carries one document: progress and pulumi's own lines go to stderr.
        PrintWriter progress = asJson ? err : out;
        if (!asJson) {
            out.printf("%s on stack %s (%s)%n", m.command(), stack, m.before().file().getFileName());
            m.checks().forEach(c -> out.println("  ok: " + c));
            out.printf("  before: stable %s (%s)%s%n", ReleaseState.short12(m.before().stable()), m.before().stableTemplate(),
                    m.before().canary().map(c -> ", canary " + ReleaseState.short12(c) + " on " + m.before().canarySize()
                            + " node(s) (" + m.before().canaryTemplate().orElseThrow() + ")").orElse(", no canary"));
            out.printf("  after:  stable %s (%s)%s%n", ReleaseState.short12(m.after().stable()), m.after().stableTemplate(),
                    m.after().canary().map(c -> ", canary " + ReleaseState.short12(c) + " on " + m.after().canarySize()
                            + " node(s) (" + m.after().canaryTemplate().orElseThrow() + ")").orElse(", no canary"));
            out.print(m.diff());
            out.println(dryRun ? "dry run: " + m.before().file().getFileName() + " not written; would run: " + up
                    : "wrote " + m.before().file());
            out.flush();
        }
        boolean ran = false;
        int code = ExitCode.OK.code();
        String note;
        if (dryRun) {
            note = "dry run";
        } else if (!apply) {
            note = "next: " + up + " (or rerun with --apply)";
        } else if (!pulumi) {
            note = "the pulumi binary is not on PATH; the stack file is edited, now run: " + up;
            code = ExitCode.UNAVAILABLE.code();
        } else {
            progress.println("running pulumi up --stack " + stack + " (Automation API) ...");
            progress.flush();
            try {
                ctx.pulumi().up(dir, stack, line -> {
                    progress.println("  | " + line);
                    progress.flush();
                });
            } catch (CloudException e) {
                throw new CloudException(e.getMessage() + "; " + m.before().file().getFileName() + " is edited already:"
                        + " fix the cause and run: " + up, e);
            }
            ran = true;
            note = "pulumi up --stack " + stack + " succeeded";
        }
        if (asJson) {
            JsonObject o = new JsonObject();
            o.addProperty("command", m.command());
            o.addProperty("stack", stack);
            o.addProperty("file", m.before().file().toString());
            o.addProperty("dryRun", dryRun);
            o.addProperty("written", !dryRun);
            JsonArray checks = new JsonArray();
            m.checks().forEach(checks::add);
            o.add("checks", checks);
            o.add("before", releases(m.before()));
            o.add("after", releases(m.after()));
            JsonArray changes = new JsonArray();
            m.changes().forEach(c -> {
                JsonObject x = new JsonObject();
                x.addProperty("key", c.key());
                x.addProperty("action", c.value().isPresent() ? "set" : "remove");
                c.value().ifPresent(v -> x.addProperty("value", String.valueOf(v)));
                changes.add(x);
            });
            o.add("changes", changes);
            o.addProperty("diff", m.diff());
            JsonObject p = new JsonObject();
            p.addProperty("onPath", pulumi);
            p.addProperty("ran", ran);
            p.addProperty("command", up);
            o.add("pulumi", p);
            o.addProperty("note", note);
            out.print(json(o));
        } else if (!dryRun) {
            (code == ExitCode.OK.code() ? out : err).println(note);
        }
        out.flush();
        err.flush();
        return code;
    }
}
