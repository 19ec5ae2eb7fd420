package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code mediaplane diff} end to end with the real planner: bases as directories and as git refs, exit codes, formats. */
class DiffCommandTest {

    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Cli.create();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private static Path copyOfRepo(Path dir) throws IOException {
        Path repo = Path.of("").toAbsolutePath();
        for (String p : List.of("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "templates", "startup-scripts")) {
            try (Stream<Path> s = Files.walk(repo.resolve(p))) {
                for (Path f : s.toList()) {
                    Path to = dir.resolve(repo.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(to);
                    } else {
                        Files.createDirectories(to.getParent());
                        Files.copy(f, to, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        return dir;
    }

    private static void editTemplate(Path project) throws IOException {
        Path t = project.resolve("templates/freeswitch/autoload_configs/switch.conf.xml.ftlx");
        Files.writeString(t, Files.readString(t).replace("value=\"50\"/>", "value=\"64\"/>"));
    }

    @Test
    void noChangeExitsZeroAndEveryFormatIsByteIdenticalAcrossRuns() throws IOException {
        Path base = copyOfRepo(tmp.resolve("base"));
        Path head = copyOfRepo(tmp.resolve("head"));
        for (String format : List.of("text", "json", "markdown")) {
            Result a = run("diff", "--stack", "dev", "--project-dir", head.toString(), "--base", base.toString(), "--format", format);
            Result b = run("diff", "--stack", "dev", "--project-dir", head.toString(), "--base", base.toString(), "--format", format);
            assertEquals(0, a.code(), format + ": " + a.err());
            assertEquals(a.out(), b.out(), format);
            assertEquals("", a.err());
        }
        assertEquals("stack dev: no changes\n", run("diff", "--stack", "dev", "--project-dir", head.toString(),
                "--base", base.toString()).out());
        JsonObject json = JsonParser.parseString(run("diff", "--stack", "dev", "--project-dir", head.toString(), "--base",
                base.toString(), "--format", "json").out()).getAsJsonObject();
        assertEquals("mediaplane.diff/v1", json.get("schema").getAsString());
        assertFalse(json.get("changed").getAsBoolean());
    }

    @Test
    void aChangeExitsTwoAndIsDeterministic() throws IOException {
        Path base = copyOfRepo(tmp.resolve("base"));
        Path head = copyOfRepo(tmp.resolve("head"));
        editTemplate(head);
        for (String format : List.of("text", "json", "markdown")) {
            Result a = run("diff", "--stack", "dev", "--project-dir", head.toString(), "--base", base.toString(), "--format", format);
            Result b = run("diff", "--stack", "dev", "--project-dir", head.toString(), "--base", base.toString(), "--format", format);
            assertEquals(2, a.code(), format + ": " + a.err());
            assertEquals(a.out(), b.out(), format + " output differs between runs");
            assertTrue(a.out().contains("max-db-handles"), format);
        }
        Result md = run("diff", "--stack", "dev", "--project-dir", head.toString(), "--base", base.toString(), "--format", "markdown");
        assertTrue(md.out().startsWith("<!-- mediaplane-diff -->\n## mediaplane diff\n\n| stack | adds | changes | replaces |"),
                md.out());
        assertTrue(md.out().contains("```mermaid\nflowchart LR\n"), "the picture of the head");
        assertTrue(java.util.regex.Pattern.compile("<code>\\+-</code> replace \\d+ release objects \\(").matcher(md.out()).find(),
                "the renamed release objects share one section");
        assertTrue(md.out().contains("-release-") && md.out().contains(", content changed\n"), md.out());
        assertTrue(md.out().lines().anyMatch(l -> l.startsWith("  class ") && l.endsWith(" changed")
                && List.of(l.substring(8, l.length() - 8).split(",")).contains("release_stable")), "the replaced template's release is marked");
        JsonObject json = JsonParser.parseString(run("diff", "--stack", "dev", "--project-dir", head.toString(), "--base",
                base.toString(), "--format", "json").out()).getAsJsonObject();
        JsonObject dev = json.getAsJsonArray("stacks").get(0).getAsJsonObject();
        assertTrue(dev.getAsJsonObject("summary").get("releaseChanged").getAsBoolean());
        assertEquals("1", dev.getAsJsonObject("summary").get("nodesOnReplacedTemplates").getAsString());
    }

    @Test
    void theBaseCanBeAGitRef() throws Exception {
        Path repo = copyOfRepo(tmp.resolve("repo"));
        git(repo, "init", "-q", "-b", "main");
        git(repo, "add", "-A");
        git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base");
        editTemplate(repo);
        git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-am", "head");
        long tempsBefore = baseTemps();

        Result vsParent = run("diff", "--stack", "dev", "--project-dir", repo.toString(), "--base", "HEAD~1");
        assertEquals(2, vsParent.code(), vsParent.err());
        assertTrue(vsParent.out().contains("+    <param name=\"max-db-handles\" value=\"64\"/>"), vsParent.out());
        Result vsHead = run("diff", "--stack", "dev", "--project-dir", repo.toString(), "--base", "main");
        assertEquals(0, vsHead.code(), vsHead.err());
        assertEquals(tempsBefore, baseTemps(), "the exported base is deleted after the diff");
        assertEquals("", git(repo, "worktree", "list", "--porcelain").lines().filter(l -> l.startsWith("worktree ")).skip(1)
                .reduce("", String::concat), "no worktree left behind");

        // A project in a subdirectory of its repository: the ref's copy of that subdirectory is the base.
        Path outer = tmp.resolve("outer");
        Path project = copyOfRepo(outer.resolve("infra"));
        git(outer, "init", "-q");
        git(outer, "add", "-A");
        git(outer, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base");
        editTemplate(project);
        Result sub = run("diff", "--stack", "dev", "--project-dir", project.toString(), "--base", "HEAD");
        assertEquals(2, sub.code(), sub.err());
    }

    @Test
    void errorsExitOneAndUsageErrorsToo() throws IOException {
        Path head = copyOfRepo(tmp.resolve("head"));
        Result noRef = run("diff", "--stack", "dev", "--project-dir", head.toString(), "--base", "no-such-ref");
        assertEquals(1, noRef.code());
        assertTrue(noRef.err().contains("--base 'no-such-ref' is neither a directory nor a commit"), noRef.err());
        assertEquals("", noRef.out());
        Result option = run("diff", "--stack", "dev", "--project-dir", head.toString(), "--base", "--upload-pack=x");
        assertEquals(1, option.code(), "an option-like ref is refused, never passed to git");
        Result missing = run("diff", "--stack", "dev");
        assertEquals(1, missing.code(), "usage errors exit 1, so 2 always means changes");
        assertTrue(missing.err().contains("--base"), missing.err());
        Result format = run("diff", "--stack", "dev", "--base", head.toString(), "--format", "yaml");
        assertEquals(1, format.code());
        assertTrue(format.err().contains("yaml"), format.err());
        Result badStack = run("diff", "--stack", "nope", "--project-dir", head.toString(), "--base", head.toString());
        assertEquals(1, badStack.code());
        assertTrue(badStack.err().contains("stack 'nope' has no config file"), badStack.err());
        Result help = run("diff", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("Exit codes:\n    0   no changes\n    2   changes"), help.out());
        assertTrue(help.out().contains("this build's Java program"), help.out());
    }

    @Test
    void severalStacksMakeOneComment() throws IOException {
        Path base = copyOfRepo(tmp.resolve("base"));
        Path head = copyOfRepo(tmp.resolve("head"));
        // Only dev changes: prod's row says so, and the exit code is still "changes".
        Path devFile = head.resolve("Pulumi.dev.yaml");
        Files.writeString(devFile, Files.readString(devFile).replace("mediaplane:fleetMaxSessions: 500",
                "mediaplane:fleetMaxSessions: 400"));
        Result md = run("diff", "--stack", "dev", "--stack", "prod", "--project-dir", head.toString(), "--base", base.toString(),
                "--format", "markdown");
        assertEquals(2, md.code(), md.err());
        assertTrue(md.out().contains("\n| prod | 0 | 0 | 0 | 0 | no | 0 |\n"), md.out());
        assertTrue(md.out().contains("\n| dev | "), md.out());
        assertTrue(md.out().contains("### dev\n") && md.out().contains("### prod\n"), "a picture per stack");
        assertTrue(md.out().contains("max-sessions"), "dev's switch.conf diff");
        JsonObject json = JsonParser.parseString(run("diff", "--stack", "dev", "--stack", "prod", "--project-dir", head.toString(),
                "--base", base.toString(), "--format", "json").out()).getAsJsonObject();
        assertEquals(2, json.getAsJsonArray("stacks").size());
        assertFalse(json.getAsJsonArray("stacks").get(1).getAsJsonObject().get("changed").getAsBoolean());
        Result twice = run("diff", "--stack", "dev", "--stack", "dev", "--project-dir", head.toString(), "--base", base.toString());
        assertEquals(1, twice.code());
        assertTrue(twice.err().contains("--stack 'dev' is given twice"), twice.err());
    }

    @Test
    void outWritesTheFileAndPrintsTheSummary() throws IOException {
        Path base = copyOfRepo(tmp.resolve("base"));
        Path head = copyOfRepo(tmp.resolve("head"));
        editTemplate(head);
        Path file = tmp.resolve("out/diff.md");
        Result r = run("diff", "--stack", "dev", "--project-dir", head.toString(), "--base", base.toString(), "--format",
                "markdown", "--out", file.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.out().startsWith("stack dev: 0 to add, 1 to update, "), r.out());
        assertTrue(r.out().endsWith("written to " + file + "\n"), r.out());
        assertTrue(Files.readString(file).startsWith("<!-- mediaplane-diff -->"));
        try (Stream<Path> s = Files.list(file.getParent())) {
            assertEquals(List.of(file), s.toList(), "no temporary file left beside it");
        }
    }

    private static long baseTemps() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("mediaplane-diff-base-")).count();
        }
    }

    private static String git(Path dir, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        return out;
    }
}
