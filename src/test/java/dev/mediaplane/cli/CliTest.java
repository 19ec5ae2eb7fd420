package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.config.NodeSecret;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanFixtures;
import dev.mediaplane.policy.PolicyEngine;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    private Result run(Function<LoadedConfig, Plan> planner, String... args) {
        return run(Cli.create(planner), args);
    }

    private Result run(CommandLine cli, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        if (all.contains("--stack")) {
            all.add("--project-dir");
            all.add(dir.toString());
        }
        int code = cli.execute(all.toArray(String[]::new));
        return new Result(code, out.toString(), err.toString());
    }

    private Result run(String... args) {
        return run(c -> PlanFixtures.compliant(), args);
    }

    private void stackFile(String stack, String yaml) throws IOException {
        Files.writeString(dir.resolve("Pulumi." + stack + ".yaml"), yaml);
    }

    /** picocli formats help text with String.format; a bare '%' makes it warn on stderr and print the raw string. */
    @Test
    void everyCommandsHelpFormatsWithoutAPicocliWarning() {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        List<String> commands = new ArrayList<>();
        try {
            System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            java.util.ArrayDeque<CommandLine> todo = new java.util.ArrayDeque<>(List.of(Cli.create(c -> PlanFixtures.compliant())));
            while (!todo.isEmpty()) {
                CommandLine c = todo.pop();
                commands.add(c.getCommandSpec().qualifiedName());
                c.getUsageMessage(CommandLine.Help.Ansi.OFF);
                todo.addAll(c.getSubcommands().values());
            }
        } finally {
            System.setErr(saved);
        }
        assertTrue(commands.size() > 20, "walked " + commands);
        String err = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertFalse(err.contains("picocli WARN"), err);
    }

    @Test
    void planRunsTheSameWithoutItsSiblingCommands() throws IOException {
        // Cli.execute builds only the plan subcommand for a plan command line: every plan command line must
        // give the same exit code and the same bytes on stdout and stderr as under the full CLI.
        stackFile("test", PlanFixtures.STACK_YAML);
        stackFile("broken", "config:\n  mediaplane:project: \"\"\n");
        Function<LoadedConfig, Plan> planner = c -> PlanFixtures.compliant();
        List<List<String>> lines = List.of(
                List.of("plan"), List.of("plan", "--help"), List.of("plan", "-h"), List.of("plan", "--version"),
                List.of("plan", "--stack", "test"), List.of("plan", "--stack", "test", "--json"),
                List.of("plan", "--stack", "test", "--format", "mermaid"), List.of("plan", "--stack", "test", "--format", "xml"),
                List.of("plan", "--stack", "test", "--json", "--format", "tree"), List.of("plan", "--stak", "test"),
                List.of("plan", "--stack", "test", "extra"), List.of("plan", "--stack", "absent"),
                List.of("plan", "--stack", "broken"), List.of("plan", "--stack", "../x"), List.of("plan", "check"));
        int failures = 0;
        for (List<String> line : lines) {
            String[] args = line.toArray(String[]::new);
            Result full = run(Cli.create(planner), args);
            Result alone = run(Cli.createForPlan(planner), args);
            assertEquals(full, alone, String.join(" ", line));
            failures += full.code() == ExitCode.OK.code() ? 0 : 1;
        }
        assertTrue(failures >= 8, "the lines above include usage and config errors: " + failures);
    }

    @Test
    void fullyQualifiedStackNamesAreAccepted() throws IOException {
        stackFile("test", PlanFixtures.STACK_YAML);
        Files.writeString(dir.resolve("Pulumi.yaml"), "name: mediaplane\nruntime: java\n");
        for (String name : List.of("test", "acme/test", "acme/mediaplane/test")) {
            Result r = run("plan", "--stack", name);
            assertEquals(ExitCode.OK.code(), r.code(), name + ": " + r.err());
            assertTrue(r.out().startsWith("stack test\n"), r.out());
        }
        Result other = run("plan", "--stack", "acme/billing/test");
        assertEquals(ExitCode.USAGE.code(), other.code());
        assertTrue(other.err().contains("names project 'billing'"), other.err());
        // Pulumi.yaml is YAML: a quoted project name is the same name.
        Files.writeString(dir.resolve("Pulumi.yaml"), "name: \"mediaplane\" # quoted\nruntime: java\n");
        assertEquals(ExitCode.OK.code(), run("plan", "--stack", "acme/mediaplane/test").code());
        for (String bad : List.of("a/b/c/d", "acme//test", "../x", "acme/..")) {
            assertEquals(ExitCode.USAGE.code(), run("plan", "--stack", bad).code(), bad);
        }
    }

    @Test
    void planFormats() throws IOException {
        stackFile("test", PlanFixtures.STACK_YAML);
        Result json = run("plan", "--stack", "test", "--json");
        assertEquals(json.out(), run("plan", "--stack", "test", "--format", "json").out(), "--json is --format json");
        assertEquals(run("plan", "--stack", "test").out(), run("plan", "--stack", "test", "--format", "tree").out());
        Result mermaid = run("plan", "--stack", "test", "--format", "mermaid");
        assertEquals(ExitCode.OK.code(), mermaid.code(), mermaid.err());
        assertTrue(mermaid.out().startsWith("flowchart LR\n"), mermaid.out());
        assertTrue(mermaid.out().contains("mp-test-sip-tls: tcp 5061"), mermaid.out());
        Result both = run("plan", "--stack", "test", "--json", "--format", "mermaid");
        assertEquals(ExitCode.USAGE.code(), both.code());
        assertTrue(both.err().contains("--json and --format mermaid contradict each other"), both.err());
        Result bad = run("plan", "--stack", "test", "--format", "svg");
        assertEquals(ExitCode.USAGE.code(), bad.code());
        assertTrue(bad.err().contains("svg") && bad.err().contains("tree, json, mermaid"), bad.err());
    }

    @Test
    void planPrintsTheTree() throws IOException {
        stackFile("test", PlanFixtures.STACK_YAML);
        Result r = run("plan", "--stack", "test");
        assertEquals(ExitCode.OK.code(), r.code(), r.err());
        assertTrue(r.out().startsWith("stack test\n"), r.out());
        assertTrue(r.out().contains("gcp:compute/instanceTemplate:InstanceTemplate mp-test-node-template"));
        assertEquals("", r.err());
    }

    @Test
    void planJsonParsesBackWithSecretsMasked() throws IOException {
        stackFile("test", PlanFixtures.STACK_YAML);
        Result r = run("plan", "--stack", "test", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject doc = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("test", doc.get("stack").getAsString());
        boolean sawSecret = false;
        for (var e : doc.getAsJsonArray("resources")) {
            JsonObject res = e.getAsJsonObject();
            if (res.get("type").getAsString().equals(PlanFixtures.SECRET_VERSION)) {
                assertEquals("[secret]", res.getAsJsonObject("inputs").get("secretData").getAsString());
                sawSecret = true;
            }
        }
        assertTrue(sawSecret);
    }

    @Test
    void theStackConfigReachesThePlanner() throws IOException {
        stackFile("test", PlanFixtures.STACK_YAML);
        List<LoadedConfig> seen = new ArrayList<>();
        run(c -> {
            seen.add(c);
            return PlanFixtures.compliant();
        }, "plan", "--stack", "test");
        assertEquals(1, seen.size());
        assertEquals(List.of("10.50.0.0/24"), seen.get(0).config().controller().cidrs());
        assertEquals("test", seen.get(0).config().stack());
    }

    @Test
    void missingStackFileIsAConfigError() {
        Result r = run("plan", "--stack", "nope");
        assertEquals(ExitCode.CONFIG_ERROR.code(), r.code());
        assertTrue(r.err().contains("Pulumi.nope.yaml does not exist"), r.err());
        assertEquals("", r.out());
        assertFalse(r.err().contains("\tat "), "no stack trace");
    }

    @Test
    void invalidConfigListsEveryProblemWithKeyAndValue() throws IOException {
        stackFile("broken", PlanFixtures.STACK_YAML + "  mediaplane:rtpStartPort: 16385\n  mediaplane:bogusKey: 1\n");
        Result r = run("check", "--stack", "broken");
        assertEquals(ExitCode.CONFIG_ERROR.code(), r.code());
        assertTrue(r.err().contains("mediaplane:rtpStartPort") && r.err().contains("16385"), r.err());
        assertTrue(r.err().contains("mediaplane:bogusKey"), r.err());
        assertTrue(r.err().contains("(2 problems)"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void checkPasses() throws IOException {
        stackFile("test", PlanFixtures.STACK_YAML);
        Result r = run("check", "--stack", "test");
        assertEquals(ExitCode.OK.code(), r.code(), r.out() + r.err());
        assertEquals(PolicyEngine.policies().size() + " checks passed (stack test, "
                + PlanFixtures.compliant().resources().size() + " resources)\n", r.out());
    }

    @Test
    void checkFailsWithOneLinePerViolation() throws IOException {
        stackFile("test", PlanFixtures.STACK_YAML);
        Function<LoadedConfig, Plan> bad = c -> PlanFixtures.edit(PlanFixtures.compliant(), "mp-test-node-template",
                in -> in.put("canIpForward", true));
        Result r = run(bad, "check", "--stack", "test");
        assertEquals(ExitCode.POLICY_VIOLATION.code(), r.code());
        List<String> lines = r.out().lines().toList();
        assertEquals("FAIL gce-no-ip-forwarding [CIS 4.6 / CKV_GCP_36] gcp:compute/instanceTemplate:InstanceTemplate "
                + "mp-test-node-template: canIpForward = true: a media node never routes packets for others; "
                + "must be false or unset", lines.get(0));
        assertTrue(lines.get(1).startsWith("1 of " + PolicyEngine.policies().size() + " checks failed with 1 violation (stack test"),
                r.out());

        Result json = run(bad, "check", "--stack", "test", "--json");
        assertEquals(ExitCode.POLICY_VIOLATION.code(), json.code());
        JsonObject doc = JsonParser.parseString(json.out()).getAsJsonObject();
        assertFalse(doc.get("passed").getAsBoolean());
        JsonObject v = doc.getAsJsonArray("violations").get(0).getAsJsonObject();
        assertEquals("gce-no-ip-forwarding", v.get("policy").getAsString());
        assertEquals("canIpForward", v.get("path").getAsString());
        assertEquals(PolicyEngine.policies().size(), doc.getAsJsonArray("checks").size());
    }

    @Test
    void secretMarkersNeverReachAnyOutput() throws IOException {
        String marker = "MARKER7f3a";
        stackFile("test", PlanFixtures.STACK_YAML
                + "  mediaplane:eslPassword:\n    secure: v1:ciphertext-" + marker + "-esl\n"
                + "  mediaplane:sipTrunkPassword:\n    secure: v1:ciphertext-" + marker + "-sip\n");
        // The planner stands in for PlanRunner: the secret version's data came from the marker
        // value, and the plan models it as Plan.SECRET.
        Function<LoadedConfig, Plan> planner = c -> {
            assertTrue(c.secret(NodeSecret.ESL_PASSWORD).isPresent(), "the ciphertext counts as a provided secret");
            return PlanFixtures.compliant();
        };
        List<Result> results = new ArrayList<>();
        results.add(run(planner, "plan", "--stack", "test"));
        results.add(run(planner, "plan", "--stack", "test", "--json"));
        results.add(run(planner, "check", "--stack", "test"));
        results.add(run(planner, "check", "--stack", "test", "--json"));
        results.add(run(c -> {
            throw new IllegalStateException("planner failed for stack " + c.config().stack() + " with " + c);
        }, "plan", "--stack", "test", "--verbose"));
        stackFile("plain", PlanFixtures.STACK_YAML + "  mediaplane:eslPassword: plain-" + marker + "\n");
        results.add(run(planner, "check", "--stack", "plain"));
        for (Result r : results) {
            assertFalse((r.out() + r.err()).contains(marker), r.out() + r.err());
        }
        assertEquals(0, results.get(0).code());
        assertEquals(ExitCode.INTERNAL.code(), results.get(4).code());
        assertEquals(ExitCode.CONFIG_ERROR.code(), results.get(5).code());
        assertTrue(results.get(5).err().contains("mediaplane:eslPassword"), results.get(5).err());
    }

    @Test
    void internalErrorsShowATraceOnlyWhenVerbose() throws IOException {
        stackFile("test", PlanFixtures.STACK_YAML);
        Function<LoadedConfig, Plan> broken = c -> {
            throw new IllegalStateException("boom");
        };
        Result quiet = run(broken, "plan", "--stack", "test");
        assertEquals(ExitCode.INTERNAL.code(), quiet.code());
        assertTrue(quiet.err().contains("internal error: IllegalStateException: boom"), quiet.err());
        assertFalse(quiet.err().contains("\tat "), quiet.err());
        assertEquals("", quiet.out());
        Result loud = run(broken, "plan", "--stack", "test", "--verbose");
        assertEquals(ExitCode.INTERNAL.code(), loud.code());
        assertTrue(loud.err().contains("\tat dev.mediaplane.cli"), loud.err());
    }

    @Test
    void usageErrorsExitWithUsage() {
        assertEquals(ExitCode.USAGE.code(), run("plan").code());
        assertEquals(ExitCode.USAGE.code(), run("plan", "--stack", "test", "--frobnicate").code());
        Result escape = run("plan", "--stack", "../etc");
        assertEquals(ExitCode.USAGE.code(), escape.code());
        assertTrue(escape.err().contains("got '../etc'"), escape.err());
        assertEquals(ExitCode.USAGE.code(), run().code());
    }

    @Test
    void policiesListsTheCatalogue() {
        Result r = run("policies");
        assertEquals(0, r.code(), r.err());
        assertEquals(PolicyEngine.policies().size() + 1, r.out().lines().count());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("gce-os-login +4\\.4 +CKV_GCP_34 +AVD-GCP-0036 +VMs .*")), r.out());
        Result json = run("policies", "--json");
        assertEquals(PolicyEngine.policies().size(), JsonParser.parseString(json.out()).getAsJsonArray().size());
    }

    @Test
    void helpListsTheExitCodes() {
        Result r = run("check", "--help");
        assertEquals(0, r.code());
        // check's own codes (Cli.EXIT_CODES), not the whole table: CommandExitCodesTest covers every command.
        for (ExitCode c : Cli.codes(Cli.create().getSubcommands().get("check")).returns()) {
            assertTrue(r.out().contains(c.name()), r.out());
        }
        assertTrue(r.out().contains("70") && !r.out().contains("CANARY_HOLD"), r.out());
    }
}
