package dev.mediaplane.cli;

import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.diff.BaseCheckout;
import dev.mediaplane.diff.DiffJson;
import dev.mediaplane.diff.DiffMarkdown;
import dev.mediaplane.diff.DiffText;
import dev.mediaplane.diff.PlanDiff;
import dev.mediaplane.diff.StackSide;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanMermaid;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code mediaplane diff}: what a change does to a stack, planned offline at a base and at the working tree. */
@Command(name = "diff", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Plans a stack offline at --base (a git ref or a directory) and at --project-dir, and prints what changes:"
                    + " resources added, updated, replaced (names carrying a content hash, inputs GCP cannot update in place)"
                    + " and deleted, with the changed inputs only; the release hash before and after; a unified diff of"
                    + " every rendered file and boot script.",
            "Secrets show as [secret] on both sides; a changed secret shows as changed, never its value.",
            "Both sides run this build's Java program: the diff covers the stack file, templates/ and startup-scripts/"
                    + " of each side. A change to the Java code shows only as its effect on both sides alike.",
            "Exit codes as `pulumi preview --expect-no-changes` users expect: 0 no change, 2 changes, 1 error"
                    + " (usage and config errors included, so 2 always means changes)."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"  0:no changes", "  2:changes (resources, rendered files or secrets)",
            "  1:error (usage, stack config, git, internal; nothing on stdout)"})
public final class DiffCommand implements Callable<Integer> {

    enum Format { text, markdown, json }

    @Option(names = {"-s", "--stack"}, required = true, paramLabel = "STACK",
            description = "Stack name (or ORG/PROJECT/STACK); repeat for several stacks in one diff (one PR comment).")
    List<String> stacks;

    @Option(names = "--project-dir", paramLabel = "DIR", defaultValue = ".",
            description = "The head: the directory holding Pulumi.yaml and the stack files (default: ${DEFAULT-VALUE}).")
    Path projectDir;

    @Mixin
    CommonOptions common;

    @Option(names = "--base", required = true, paramLabel = "REF|DIR",
            description = "The base: a directory holding the project as it was, or a git ref (branch, tag, commit)"
                    + " of the repository holding --project-dir, exported to a temporary directory and deleted after.")
    String base;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default), markdown (a pull-request comment, at most 60,000 bytes) or json"
                    + " (schema " + DiffJson.SCHEMA + ", see README).")
    Format format;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Write the diff to FILE (replaced atomically) and print only the summary line on stdout.")
    Path out;

    @Spec
    private CommandSpec spec;

    private final BiFunction<LoadedConfig, Instant, Plan> planner;

    DiffCommand(BiFunction<LoadedConfig, Instant, Plan> planner) {
        this.planner = planner;
    }

    @Override
    public Integer call() throws IOException {
        List<String> names = new ArrayList<>();
        for (String raw : stacks) {
            String name = StackOptions.stackName(spec.commandLine(), raw, projectDir);
            if (names.contains(name)) {
                throw new ParameterException(spec.commandLine(), "--stack '" + raw + "' is given twice");
            }
            names.add(name);
        }
        // One clock for both sides: rotation schedules read it, and must not differ between them.
        Instant now = Instant.now();
        BaseCheckout opened;
        try {
            opened = BaseCheckout.of(base, projectDir);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        List<PlanDiff> diffs = new ArrayList<>();
        Map<String, String> pictures = new LinkedHashMap<>();
        try (BaseCheckout checkout = opened) {
            for (String name : names) {
                StackSide baseSide = StackSide.plan(checkout.root(), name, now, planner);
                StackSide headSide = StackSide.plan(projectDir, name, now, planner);
                PlanDiff diff = PlanDiff.between(baseSide, headSide);
                diffs.add(diff);
                if (format == Format.markdown) {
                    Set<String> changed = new TreeSet<>();
                    diff.resources().forEach(r -> changed.add(r.key()));
                    pictures.put(name, PlanMermaid.render(headSide.plan(), headSide.config().config(), changed));
                }
            }
        }
        String text = switch (format) {
            case text -> String.join("\n", diffs.stream().map(DiffText::render).toList());
            case json -> DiffJson.render(diffs);
            case markdown -> DiffMarkdown.render(diffs, pictures);
        };
        PrintWriter stdout = spec.commandLine().getOut();
        if (out != null) {
            write(out, text);
            for (PlanDiff d : diffs) {
                StringBuilder line = new StringBuilder();
                DiffText.summary(line, d);
                stdout.print(line.substring(0, line.indexOf("\n") + 1));
            }
            stdout.println("written to " + out);
        } else {
            stdout.print(text);
        }
        stdout.flush();
        return diffs.stream().allMatch(PlanDiff::isEmpty) ? ExitCode.OK.code() : ExitCode.DIFF_CHANGES.code();
    }

    /** Writes beside the target and moves into place, so a reader never sees half a diff. */
    private static void write(Path file, String text) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".mediaplane-diff-", ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
