package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.cli.ReleaseCommandsTest.Result;
import dev.mediaplane.ops.release.ReleaseFixtures;
import dev.mediaplane.ops.release.ReleaseState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CanaryStartCommandTest {

    @TempDir
    Path dir;

    ReleaseFixtures f;
    String before;

    @BeforeEach
    void setUp() throws IOException {
        f = new ReleaseFixtures(dir);
        before = f.stackText();
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    private Result run(String... args) {
        return ReleaseCommandsTest.run(f.context(), dir, args);
    }

    /** The stack file gained exactly the two release lines, at the end of config, and nothing else moved. */
    private void assertPinned(String stable, int size) throws IOException {
        assertEquals(before + "  mediaplane:releaseStable: " + stable + "\n  mediaplane:releaseCanarySize: " + size + "\n",
                f.stackText());
        ReleaseState s = f.state();
        assertEquals(stable, s.stable());
        assertEquals(size, s.canarySize());
        assertEquals(s.currentRender(), s.canary().orElseThrow());
        assertEquals(s.templateOf(stable), s.stableTemplate());
    }

    @Test
    void onlineItPinsWhatTheGroupServesAfterCheckingItIsPublished() throws IOException {
        f.deployed(ReleaseFixtures.OLD, 3);
        f.publish(ReleaseFixtures.OLD);
        Result r = run("canary", "start", "--stack", "prod");
        assertEquals(0, r.code(), r.err());
        assertPinned(ReleaseFixtures.OLD, 1);
        assertTrue(r.out().contains("ok: instance group mp-prod-nodes serves " + ReleaseFixtures.OLD), r.out());
        assertTrue(r.out().contains("ok: the stable release is published"), r.out());
        assertTrue(r.out().contains("+  mediaplane:releaseCanarySize: 1"), r.out());
        assertTrue(r.out().contains("next: pulumi up --stack prod --cwd " + dir.toAbsolutePath()), r.out());
        assertTrue(f.pulumiUps.isEmpty(), "pulumi up only with --apply");
        // The operator's token went to both APIs and never to the output.
        assertFalse((r.out() + r.err()).contains(f.token));
        assertTrue(f.compute.requests.stream().anyMatch(x -> x.contains("/instanceGroupManagers/")), f.compute.requests.toString());

        Result again = run("canary", "start", "--stack", "prod");
        assertEquals(ExitCode.REFUSED.code(), again.code());
        assertTrue(again.err().contains("refused: a canary already runs: 1 node(s)"), again.err());
    }

    @Test
    void anUnpublishedStableReleaseIsRefusedAndNothingIsWritten() throws IOException {
        f.deployed(ReleaseFixtures.OLD, 3);
        Result r = run("canary", "start", "--stack", "prod");
        assertEquals(ExitCode.REFUSED.code(), r.code(), r.out() + r.err());
        assertTrue(r.err().contains("is not published: gs://" + f.state().releasesBucket() + "/releases/"
                + ReleaseFixtures.OLD + "/MANIFEST.sha256 does not exist"), r.err());
        assertEquals(before, f.stackText());
    }

    @Test
    void aCallerWithoutAccessGetsTheApiAnswerAndExit69() throws IOException {
        f.deployed(ReleaseFixtures.OLD, 3);
        f.compute.grants.clear();
        Result r = run("canary", "start", "--stack", "prod");
        assertEquals(ExitCode.UNAVAILABLE.code(), r.code(), r.out() + r.err());
        assertTrue(r.err().contains("HTTP 403 Required 'compute.instanceGroupManagers.get' permission"), r.err());
        assertEquals(before, f.stackText());
    }

    @Test
    void sizeMustBeSmallerThanTheFleet() throws IOException {
        Result r = run("canary", "start", "--stack", "prod", "--offline", "--stable", ReleaseFixtures.OLD, "--size", "3");
        assertEquals(ExitCode.REFUSED.code(), r.code());
        assertTrue(r.err().contains("--size 3 must be smaller than the fleet (3 nodes)"), r.err());
        assertEquals(before, f.stackText());
    }

    @Test
    void offlineWithoutAPinOrStableItRefusesToGuess() throws IOException {
        Result r = run("canary", "start", "--stack", "prod", "--offline");
        assertEquals(ExitCode.REFUSED.code(), r.code());
        assertTrue(r.err().contains("pass --stable HASH"), r.err());
        Result same = run("canary", "start", "--stack", "prod", "--offline", "--stable", f.state().currentRender());
        assertEquals(ExitCode.REFUSED.code(), same.code());
        assertTrue(same.err().contains("is the release now serving: there is nothing to canary"), same.err());
        assertEquals(before, f.stackText());
    }

    @Test
    void dryRunPrintsTheDiffAndWritesNothing() throws IOException {
        Result r = run("canary", "start", "--stack", "prod", "--offline", "--stable", ReleaseFixtures.OLD, "--size", "2",
                "--dry-run", "--apply");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("+  mediaplane:releaseStable: " + ReleaseFixtures.OLD), r.out());
        assertTrue(r.out().contains("+  mediaplane:releaseCanarySize: 2"), r.out());
        assertTrue(r.out().contains("dry run: Pulumi.prod.yaml not written; would run: pulumi up --stack prod"), r.out());
        assertEquals(before, f.stackText());
        assertTrue(f.pulumiUps.isEmpty());
    }

    @Test
    void applyRunsPulumiUpWhenItIsOnPathAndSaysTheCommandWhenNot() throws IOException {
        Result missing = run("canary", "start", "--stack", "prod", "--offline", "--stable", ReleaseFixtures.OLD, "--apply");
        assertEquals(ExitCode.UNAVAILABLE.code(), missing.code());
        assertTrue(missing.err().contains("the pulumi binary is not on PATH; the stack file is edited, now run: pulumi up"
                + " --stack prod --cwd " + dir.toAbsolutePath()), missing.err());
        assertPinned(ReleaseFixtures.OLD, 1);

        Result rb = ReleaseCommandsTest.run(f.context(), dir, "rollback", "--stack", "prod");
        assertEquals(0, rb.code(), rb.err());
        f.pulumiOnPath();
        Result ran = ReleaseCommandsTest.run(f.context(), dir, "canary", "start", "--stack", "prod", "--offline", "--apply",
                "--json");
        assertEquals(0, ran.code(), ran.err());
        assertEquals(List.of(dir + " prod"), f.pulumiUps);
        JsonObject o = JsonParser.parseString(ran.out()).getAsJsonObject();
        assertEquals("canary start", o.get("command").getAsString());
        assertTrue(o.getAsJsonObject("pulumi").get("ran").getAsBoolean());
        assertEquals(ReleaseFixtures.OLD, o.getAsJsonObject("after").get("stable").getAsString());
        assertEquals(1, o.getAsJsonObject("after").get("canarySize").getAsInt());
        assertEquals(0, o.getAsJsonObject("before").get("canarySize").getAsInt());
        assertTrue(o.get("diff").getAsString().contains("+  mediaplane:releaseCanarySize: 1"));
        // pulumi's own lines went to stderr: stdout is one JSON document.
        assertTrue(ran.err().contains("| Resources: 2 updated"), ran.err());
    }
}
