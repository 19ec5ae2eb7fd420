package dev.mediaplane.ci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.StackConfigFixtures;
import dev.mediaplane.testing.RequiredTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The project's rules for its GitHub workflows, beyond the schema (.ci/lint-workflows): actions
 * pinned to a commit, least privilege per job, deployments of one stack never overlapping, no
 * expression (secrets above all) spliced into a shell script, every script clean under
 * shellcheck, and the diff step's exit-code handling run for real under bash.
 */
class WorkflowsTest {

    private static final Pattern USES = Pattern.compile("^\\s*(?:-\\s+)?uses:\\s*(\\S+)(.*)$");
    private static final Pattern PINNED = Pattern.compile("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?:/[^@]+)?@[0-9a-f]{40}$");
    private static final Pattern VERSION_COMMENT = Pattern.compile("^\\s*#\\s*v\\d+\\.\\d+\\.\\d+\\s*$");

    record Workflow(String file, String text, Map<String, Object> yaml) {}

    static List<Workflow> workflows() throws IOException {
        Path dir = StackConfigFixtures.projectDir().resolve(".github/workflows");
        List<Workflow> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml")).sorted().toList()) {
                String text = Files.readString(f, StandardCharsets.UTF_8);
                out.add(new Workflow(f.getFileName().toString(), text, parse(text)));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String text) {
        return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(text);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> jobs(Map<String, Object> wf) {
        return (Map<String, Map<String, Object>>) wf.get("jobs");
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> steps(Map<String, Object> job) {
        return (List<Map<String, Object>>) job.getOrDefault("steps", List.of());
    }

    /** Every problem of one workflow against the rules; empty when it follows them all. */
    static List<String> violations(String file, String text, Map<String, Object> wf) {
        List<String> out = new ArrayList<>();
        for (String line : text.lines().toList()) {
            Matcher m = USES.matcher(line);
            if (!m.matches()) {
                continue;
            }
            if (!PINNED.matcher(m.group(1)).matches()) {
                out.add(file + ": uses " + m.group(1) + " is not pinned to a full commit SHA");
            }
            if (!VERSION_COMMENT.matcher(m.group(2)).matches()) {
                out.add(file + ": uses " + m.group(1) + " has no '# vX.Y.Z' comment naming the pinned release");
            }
        }
        if (!(wf.get("permissions") instanceof Map<?, ?> top) || !top.isEmpty()) {
            out.add(file + ": top-level permissions must be {} (got " + wf.get("permissions") + ")");
        }
        Map<String, String> deployGroups = new TreeMap<>();
        jobs(wf).forEach((name, job) -> {
            if (!job.containsKey("permissions")) {
                out.add(file + ": job " + name + " has no permissions");
            } else if (job.get("permissions") instanceof Map<?, ?> p && p.containsValue("write-all")
                    || "write-all".equals(job.get("permissions"))) {
                out.add(file + ": job " + name + " asks for write-all");
            }
            boolean deploys = job.containsKey("environment") || steps(job).stream().anyMatch(s ->
                    String.valueOf(s.get("uses")).startsWith("pulumi/actions@") && s.get("with") instanceof Map<?, ?> w
                            && "up".equals(w.get("command")));
            if (deploys) {
                if (!(job.get("concurrency") instanceof Map<?, ?> c) || !(c.get("group") instanceof String g)) {
                    out.add(file + ": deploying job " + name + " has no concurrency group");
                } else {
                    if (!Boolean.FALSE.equals(c.get("cancel-in-progress"))) {
                        out.add(file + ": deploying job " + name + " must not cancel a deployment in progress");
                    }
                    deployGroups.put(name, g);
                }
            }
            for (Map<String, Object> step : steps(job)) {
                if (step.get("run") instanceof String run && run.contains("${{")) {
                    out.add(file + ": job " + name + " splices an expression into a run script (pass it through env): "
                            + run.substring(run.indexOf("${{"), Math.min(run.length(), run.indexOf("${{") + 40)));
                }
            }
        });
        return out;
    }

    @Test
    void everyWorkflowFollowsTheRules() throws IOException {
        List<Workflow> all = workflows();
        assertEquals(Set.of("pull-request.yml", "deploy-dev.yml", "prod.yml"),
                Set.copyOf(all.stream().map(Workflow::file).toList()));
        List<String> problems = new ArrayList<>();
        all.forEach(w -> problems.addAll(violations(w.file(), w.text(), w.yaml())));
        assertEquals(List.of(), problems);
    }

    /** The rules above can fail: a workflow breaking each one is flagged for each. */
    @Test
    void theRulesCatchEachBreach() {
        String bad = """
                on: push
                permissions: write-all
                jobs:
                  up:
                    runs-on: ubuntu-24.04
                    environment: dev
                    steps:
                      - uses: actions/checkout@v4
                      - uses: pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d
                        with:
                          command: up
                      - run: echo "${{ secrets.PULUMI_ACCESS_TOKEN }}"
                """;
        List<String> v = violations("bad.yml", bad, parse(bad));
        assertTrue(v.stream().anyMatch(s -> s.contains("actions/checkout@v4 is not pinned")), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.contains("no '# vX.Y.Z' comment")), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.contains("top-level permissions")), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.contains("job up has no permissions")), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.contains("no concurrency group")), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.contains("${{ secrets.PULUMI_ACCESS_TOKEN")), v.toString());
    }

    /** Two workflows deploying the same stack share one group; different stacks never do. */
    @Test
    void deploymentsOfOneStackShareOneConcurrencyGroup() throws IOException {
        Map<String, String> groupByStack = new LinkedHashMap<>();
        for (Workflow w : workflows()) {
            jobs(w.yaml()).forEach((name, job) -> {
                if (job.get("environment") instanceof String env) {
                    Object group = ((Map<?, ?>) job.get("concurrency")).get("group");
                    String previous = groupByStack.putIfAbsent(env, (String) group);
                    if (previous != null) {
                        assertEquals(previous, group, "two deployments of " + env + " in different groups");
                    }
                }
            });
        }
        assertEquals(Set.of("dev", "prod"), groupByStack.keySet());
        assertNotEquals(groupByStack.get("dev"), groupByStack.get("prod"));
    }

    /** The prod job waits for the protected environment; the write token is only where it posts. */
    @Test
    void prodIsBehindItsEnvironmentAndOnlyTheCommentJobWritesToThePullRequest() throws IOException {
        Map<String, Workflow> byName = new TreeMap<>();
        workflows().forEach(w -> byName.put(w.file(), w));
        Map<String, Object> release = jobs(byName.get("prod.yml").yaml()).get("release");
        assertEquals("prod", release.get("environment"));
        assertTrue(((Map<?, ?>) byName.get("prod.yml").yaml().get("on")).containsKey("workflow_dispatch"));
        jobs(byName.get("pull-request.yml").yaml()).forEach((name, job) -> {
            boolean writes = job.get("permissions") instanceof Map<?, ?> p && "write".equals(p.get("pull-requests"));
            boolean runsCode = steps(job).stream().anyMatch(s -> s.containsKey("run"));
            if (writes && runsCode) {
                // Only preview runs code with a write token, and only when the repository set up
                // credentials (the job's if).
                assertEquals("preview", name);
                assertTrue(String.valueOf(job.get("if")).contains("vars.GCP_WORKLOAD_IDENTITY_PROVIDER"), job.toString());
            }
        });
    }

    /** Every run: script as GitHub runs it (bash -e) passes shellcheck. */
    @Test
    void everyRunScriptPassesShellcheck(@TempDir Path tmp) throws Exception {
        RequiredTools.require("shellcheck");
        int n = 0;
        for (Workflow w : workflows()) {
            for (var job : jobs(w.yaml()).entrySet()) {
                for (Map<String, Object> step : steps(job.getValue())) {
                    if (!(step.get("run") instanceof String run)) {
                        continue;
                    }
                    Path script = tmp.resolve(w.file() + "-" + job.getKey() + "-" + n++ + ".sh");
                    Files.writeString(script, "#!/usr/bin/env bash\nset -e\n" + run);
                    Process p = new ProcessBuilder("shellcheck", "-s", "bash", script.toString()).redirectErrorStream(true).start();
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertEquals(0, p.waitFor(), w.file() + " job " + job.getKey() + ":\n" + out);
                }
            }
        }
        assertTrue(n >= 8, "run scripts found: " + n);
    }

    private static String diffStep() throws IOException {
        Workflow pr = workflows().stream().filter(w -> w.file().equals("pull-request.yml")).findFirst().orElseThrow();
        return steps(jobs(pr.yaml()).get("diff")).stream().filter(s -> s.containsKey("run"))
                .map(s -> (String) s.get("run")).findFirst().orElseThrow();
    }

    /** Runs the diff step under bash -e with a mediaplane stand-in exiting {@code rc} for stack prod. */
    private static int runDiffStep(Path dir, int rc) throws Exception {
        Files.writeString(dir.resolve("Pulumi.dev.yaml"), "config: {}\n");
        Files.writeString(dir.resolve("Pulumi.prod.yaml"), "config: {}\n");
        Path cli = dir.resolve("mediaplane");
        // Prints its arguments; exits 2 (changes) for dev and the given code for prod.
        Files.writeString(cli, "#!/bin/sh\necho \"diff of $*\"\ncase \"$*\" in *'--stack prod'*) exit " + rc + ";; esac\nexit 2\n");
        cli.toFile().setExecutable(true);
        ProcessBuilder pb = new ProcessBuilder("bash", "-e", "-c", diffStep()).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("log").toFile());
        pb.environment().putAll(Map.of("BASE_REF", "main", "GITHUB_SERVER_URL", "https://github.com",
                "GITHUB_REPOSITORY", "o/r", "GITHUB_RUN_ID", "42"));
        return pb.start().waitFor();
    }

    @Test
    void theDiffStepTakesExitTwoAsChangesAndFailsOnAnError(@TempDir Path tmp) throws Exception {
        Path ok = Files.createDirectories(tmp.resolve("ok"));
        assertEquals(0, runDiffStep(ok, 0), Files.readString(ok.resolve("log")));
        String comment = Files.readString(ok.resolve("out/comment.md"));
        assertTrue(comment.contains("diff of diff --stack dev --base origin/main --format markdown"), comment);
        assertTrue(comment.contains("diff of diff --stack prod --base origin/main --format markdown"), comment);
        assertFalse(comment.contains("--format text"), "the text diff goes to the artifact only");
        assertTrue(comment.contains("<!-- mediaplane-diff -->") && comment.contains("https://github.com/o/r/actions/runs/42"), comment);
        assertTrue(Files.readString(ok.resolve("out/diff.txt")).contains("=== stack prod\ndiff of diff --stack prod --base origin/main --format text"));

        Path broken = Files.createDirectories(tmp.resolve("broken"));
        assertEquals(1, runDiffStep(broken, 1));
        assertTrue(Files.readString(broken.resolve("log")).contains("::error::mediaplane diff --stack prod --format markdown failed (exit 1)"));
    }

    private static Map<String, Map<String, Object>> prodJobs() throws IOException {
        return jobs(workflows().stream().filter(w -> w.file().equals("prod.yml")).findFirst().orElseThrow().yaml());
    }

    /** Runs prod's release step under bash -e for {@code action}, with a mediaplane stand-in exiting {@code rc}. */
    private static int runReleaseStep(Path dir, String action, int rc) throws Exception {
        String step = steps(prodJobs().get("release")).stream().filter(s -> "step".equals(s.get("id")))
                .map(s -> (String) s.get("run")).findFirst().orElseThrow();
        Path cli = dir.resolve("mediaplane");
        Files.writeString(cli, "#!/bin/sh\necho \"mediaplane $*\" >> calls\necho \"verdict report of $*\"\nexit " + rc + "\n");
        cli.toFile().setExecutable(true);
        ProcessBuilder pb = new ProcessBuilder("bash", "-e", "-c", step).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("log").toFile());
        pb.environment().putAll(Map.of("ACTION", action, "GITHUB_STEP_SUMMARY", dir.resolve("summary.md").toString()));
        return pb.start().waitFor();
    }

    @Test
    void prodMovesRunWithApplyAndCanaryStatusVerdictsAreNotFailures(@TempDir Path tmp) throws Exception {
        for (String action : List.of("canary-start", "promote", "rollback")) {
            Path d = Files.createDirectories(tmp.resolve(action));
            assertEquals(0, runReleaseStep(d, action, 0), Files.readString(d.resolve("log")));
            assertEquals("mediaplane " + action.replace('-', ' ') + " --stack prod --apply\n", Files.readString(d.resolve("calls")));
            Path failed = Files.createDirectories(tmp.resolve(action + "-failed"));
            assertEquals(69, runReleaseStep(failed, action, 69), "a failed move fails the job");
        }
        Map<Integer, String> verdicts = Map.of(0, "promote", 5, "hold", 6, "roll back");
        for (var v : verdicts.entrySet()) {
            Path d = Files.createDirectories(tmp.resolve("status-" + v.getKey()));
            assertEquals(0, runReleaseStep(d, "canary-status", v.getKey()), Files.readString(d.resolve("log")));
            String summary = Files.readString(d.resolve("summary.md"));
            assertTrue(summary.startsWith("## Canary verdict: " + v.getValue() + " (exit " + v.getKey() + ")\n"), summary);
            assertTrue(summary.contains("verdict report of canary status --stack prod"), summary);
            assertFalse(Files.readString(d.resolve("calls")).contains("--apply"));
        }
        for (int rc : List.of(1, 4, 69, 70)) {
            Path d = Files.createDirectories(tmp.resolve("status-" + rc));
            assertEquals(rc, runReleaseStep(d, "canary-status", rc));
            assertTrue(Files.readString(d.resolve("log")).contains("::error::mediaplane canary status failed (exit " + rc + ")"));
            assertFalse(Files.exists(d.resolve("summary.md")), "no verdict for exit " + rc);
        }
    }

    /** The write token is only in the job that opens the pull request, and that job runs neither the CLI nor pulumi. */
    @Test
    void onlyTheRecordJobWritesAndItRunsNoProjectCode() throws IOException {
        Map<String, Map<String, Object>> jobs = prodJobs();
        assertEquals(Map.of("contents", "write", "pull-requests", "write"), jobs.get("record").get("permissions"));
        assertEquals(Map.of("contents", "read", "id-token", "write"), jobs.get("release").get("permissions"));
        for (Map<String, Object> step : steps(jobs.get("record"))) {
            String run = String.valueOf(step.get("run"));
            assertFalse(run.contains("./mediaplane") || run.contains("mvnw") || run.lines().anyMatch(l -> l.trim().startsWith("pulumi")), run);
            assertFalse(String.valueOf(step.get("uses")).startsWith("google-github-actions/"), step.toString());
        }
        String record = steps(jobs.get("record")).stream().map(s -> String.valueOf(s.get("run"))).reduce("", String::concat);
        assertTrue(record.contains("git push origin \"$branch\"") && record.contains("gh pr create"), record);
        for (Workflow w : workflows()) {
            jobs(w.yaml()).forEach((name, job) -> {
                if (job.get("permissions") instanceof Map<?, ?> p && "write".equals(p.get("contents"))) {
                    assertEquals("prod.yml record", w.file() + " " + name, "contents: write only to record the stack file");
                }
            });
        }
    }
}
