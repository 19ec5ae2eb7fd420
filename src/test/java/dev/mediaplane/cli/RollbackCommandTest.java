package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.mediaplane.cli.ReleaseCommandsTest.Result;
import dev.mediaplane.config.StackFileLoader;
import dev.mediaplane.ops.release.ReleaseFixtures;
import dev.mediaplane.ops.release.ReleaseState;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanRunner;
import dev.mediaplane.plan.PlannedResource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rollback and promote, proved on the plan the program makes from the edited stack file. */
class RollbackCommandTest {

    @TempDir
    Path dir;

    ReleaseFixtures f;
    String original;

    @BeforeEach
    void setUp() throws IOException {
        f = new ReleaseFixtures(dir);
        original = f.stackText();
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    private Result run(String... args) {
        return ReleaseCommandsTest.run(f.context(), dir, args);
    }

    /** Instance templates of the plan: name -> inputs. */
    private Map<String, Map<String, Object>> templates() {
        Plan plan = PlanRunner.run(StackFileLoader.load(dir, "prod"));
        Map<String, Map<String, Object>> out = new TreeMap<>();
        plan.ofType("gcp:compute/instanceTemplate:InstanceTemplate")
                .forEach((PlannedResource r) -> out.put((String) r.inputs().get("name"), r.inputs()));
        return out;
    }

    @Test
    void withoutACanaryBothRefuse() throws IOException {
        for (String cmd : new String[] {"rollback", "promote"}) {
            Result r = run(cmd, "--stack", "prod");
            assertEquals(ExitCode.REFUSED.code(), r.code(), cmd);
            assertTrue(r.err().contains("refused: no canary runs on stack prod"), r.err());
        }
        assertEquals(original, f.stackText());
    }

    @Test
    void rollbackReturnsTheCanaryNodesToTheStableTemplateByteForByte() throws IOException {
        assertEquals(0, run("canary", "start", "--stack", "prod", "--offline", "--stable", ReleaseFixtures.OLD).code());
        ReleaseState during = f.state();
        Map<String, Map<String, Object>> before = templates();
        assertEquals(2, before.size(), before.keySet().toString());
        Map<String, Object> stableBefore = before.get(during.stableTemplate());
        assertTrue(stableBefore != null, before.keySet() + " lacks " + during.stableTemplate());

        Result dry = run("rollback", "--stack", "prod", "--dry-run", "--json");
        assertEquals(0, dry.code(), dry.err());
        assertEquals("-  mediaplane:releaseCanarySize: 1", JsonParser.parseString(dry.out()).getAsJsonObject().get("diff")
                .getAsString().lines().filter(l -> l.startsWith("-") && !l.startsWith("---")).findFirst().orElseThrow());

        Result r = run("rollback", "--stack", "prod");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("every node runs the stable template " + during.stableTemplate()), r.out());
        assertEquals(original + "  mediaplane:releaseStable: " + ReleaseFixtures.OLD + "\n", f.stackText());
        Map<String, Map<String, Object>> after = templates();
        // One template left: the stable one, same name, same inputs (metadata with the same release hash).
        assertEquals(java.util.Set.of(during.stableTemplate()), after.keySet());
        assertEquals(stableBefore, after.get(during.stableTemplate()));
        assertEquals(ReleaseFixtures.OLD, f.state().stable());
    }

    @Test
    void promoteMakesTheCanaryTemplateTheOnlyOne() throws IOException {
        assertEquals(0, run("canary", "start", "--stack", "prod", "--offline", "--stable", ReleaseFixtures.OLD).code());
        ReleaseState during = f.state();
        Map<String, Object> canaryBefore = templates().get(during.canaryTemplate().orElseThrow());

        Result r = run("promote", "--stack", "prod", "--json", "--offline");
        assertEquals(0, r.code(), r.err());
        var o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(during.currentRender(), o.getAsJsonObject("after").get("stable").getAsString());
        assertTrue(o.getAsJsonObject("after").get("canary").isJsonNull());
        // Both keys gone: the file is the original again, byte for byte.
        assertEquals(original, f.stackText());
        Map<String, Map<String, Object>> after = templates();
        assertEquals(java.util.Set.of(during.canaryTemplate().orElseThrow()), after.keySet());
        assertEquals(canaryBefore, after.get(during.canaryTemplate().orElseThrow()));
    }

    @Test
    void onlinePromoteShipsOnlyWhatTheCanaryNodesRun() throws IOException {
        assertEquals(0, run("canary", "start", "--stack", "prod", "--offline", "--stable", ReleaseFixtures.OLD).code());
        ReleaseState s = f.state();
        String stableT = s.stableTemplate();
        String canaryT = s.canaryTemplate().orElseThrow();
        f.compute.templates.put(stableT, ReleaseFixtures.OLD);
        f.compute.group(dev.mediaplane.ops.release.ReleaseChecks.groupName(s), java.util.List.of(
                new dev.mediaplane.ops.release.ComputeStandIn.Version("stable", stableT, null)), java.util.List.of());
        Result notApplied = run("promote", "--stack", "prod");
        assertEquals(ExitCode.REFUSED.code(), notApplied.code());
        assertTrue(notApplied.err().contains("runs no canary version"), notApplied.err());

        // The canary nodes run some other build's render.
        String other = "ab".repeat(32);
        f.compute.templates.put(canaryT, other);
        f.compute.group(dev.mediaplane.ops.release.ReleaseChecks.groupName(s), java.util.List.of(
                new dev.mediaplane.ops.release.ComputeStandIn.Version("stable", stableT, null),
                new dev.mediaplane.ops.release.ComputeStandIn.Version("canary", canaryT, 1)), java.util.List.of());
        Result untested = run("promote", "--stack", "prod");
        assertEquals(ExitCode.REFUSED.code(), untested.code());
        assertTrue(untested.err().contains("the canary nodes run " + other + " but this build renders " + s.currentRender()),
                untested.err());
        String pinned = f.stackText();

        f.compute.templates.put(canaryT, s.currentRender());
        Result ok = run("promote", "--stack", "prod");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("ok: the canary version of mp-prod-nodes runs " + ReleaseState.short12(s.currentRender())),
                ok.out());
        assertEquals(original, f.stackText());
        assertTrue(!pinned.equals(original));
    }
}
