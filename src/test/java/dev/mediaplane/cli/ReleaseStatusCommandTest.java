package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.cli.ReleaseCommandsTest.Result;
import dev.mediaplane.ops.release.ComputeStandIn;
import dev.mediaplane.ops.release.ReleaseChecks;
import dev.mediaplane.ops.release.ReleaseFixtures;
import dev.mediaplane.ops.release.ReleaseState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseStatusCommandTest {

    @TempDir
    Path dir;

    ReleaseFixtures f;

    @BeforeEach
    void setUp() throws IOException {
        f = new ReleaseFixtures(dir);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    private Result run(String... args) {
        return ReleaseCommandsTest.run(f.context(), dir, args);
    }

    /** A canary running: stable OLD on a and c, the current render on b (the group mid-canary). */
    private ReleaseState canaryRunning() {
        assertEquals(0, run("canary", "start", "--stack", "prod", "--offline", "--stable", ReleaseFixtures.OLD).code());
        ReleaseState s = f.state();
        String stableT = s.stableTemplate();
        String canaryT = s.canaryTemplate().orElseThrow();
        f.compute.templates.put(stableT, ReleaseFixtures.OLD);
        f.compute.templates.put(canaryT, s.currentRender());
        ComputeStandIn.Instance b = new ComputeStandIn.Instance(s.config().prefix() + "-node-b", "europe-west1-c", canaryT);
        b.health = "UNHEALTHY";
        f.compute.group(ReleaseChecks.groupName(s), List.of(new ComputeStandIn.Version("stable", stableT, null),
                new ComputeStandIn.Version("canary", canaryT, 1)), List.of(
                new ComputeStandIn.Instance(s.config().prefix() + "-node-a", "europe-west1-b", stableT), b,
                new ComputeStandIn.Instance(s.config().prefix() + "-node-c", "europe-west1-d", stableT)));
        f.publish(ReleaseFixtures.OLD);
        return s;
    }

    @Test
    void onlineItShowsPublicationVersionsAndWhichNodeRunsWhat() {
        ReleaseState s = canaryRunning();
        Result r = run("release", "status", "--stack", "prod");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("stable  " + ReleaseFixtures.OLD + "  (pinned)  template " + s.stableTemplate() + "  published"),
                r.out());
        assertTrue(r.out().contains("canary  " + s.currentRender() + "  on 1 node(s)  template " + s.canaryTemplate().orElseThrow()
                + "  NOT PUBLISHED"), r.out());
        assertTrue(r.out().matches("(?s).*" + s.config().prefix() + "-node-b +europe-west1-c +RUNNING +NONE +"
                + ReleaseState.short12(s.currentRender()) + " +canary +UNHEALTHY.*"), r.out());

        Result j = run("release", "status", "--stack", "prod", "--json");
        assertEquals(0, j.code(), j.err());
        JsonObject o = JsonParser.parseString(j.out()).getAsJsonObject();
        assertTrue(o.getAsJsonObject("published").get(ReleaseFixtures.OLD).getAsBoolean());
        assertFalse(o.getAsJsonObject("published").get(s.currentRender()).getAsBoolean());
        JsonArray nodes = o.getAsJsonArray("nodes");
        // Three nodes over two pages of listManagedInstances.
        assertEquals(3, nodes.size());
        assertEquals(List.of("stable", "canary", "stable"), nodes.asList().stream()
                .map(n -> n.getAsJsonObject().get("role").getAsString()).toList());
        assertEquals(1, o.getAsJsonArray("versions").get(1).getAsJsonObject().get("targetSize").getAsInt());
        assertEquals(2, f.compute.requests.stream().filter(x -> x.endsWith("/listManagedInstances")).count() / 2);
    }

    @Test
    void offlineItAsksNoApi() {
        ReleaseState s = canaryRunning();
        f.compute.requests.clear();
        int gcsBefore = f.gcs.requests().size();
        Result dry = run("release", "status", "--stack", "prod", "--dry-run");
        assertEquals(0, dry.code(), dry.err());
        assertTrue(dry.out().contains("storage: GET b/" + s.releasesBucket() + "/o/releases/" + s.currentRender()
                + "/MANIFEST.sha256"), dry.out());
        Result r = run("release", "status", "--stack", "prod", "--offline", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(s.currentRender(), o.getAsJsonObject("releases").get("canary").getAsString());
        assertTrue(o.get("nodes").isJsonNull());
        assertTrue(f.compute.requests.isEmpty());
        assertEquals(gcsBefore, f.gcs.requests().size());
    }

    @Test
    void aMissingGroupIsTheApisNotFoundAndExit69() {
        f.publish(f.state().stable());
        Result r = run("release", "status", "--stack", "prod");
        assertEquals(ExitCode.UNAVAILABLE.code(), r.code(), r.out());
        assertTrue(r.err().contains("HTTP 404 The resource 'projects/mediaplane-prod-000000/regions/europe-west1/"
                + "instanceGroupManagers/mp-prod-nodes' was not found"), r.err());
    }
}
