package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.cli.ReleaseCommandsTest.Result;
import dev.mediaplane.ops.node.EslNode;
import dev.mediaplane.ops.release.ComputeStandIn;
import dev.mediaplane.ops.release.NodeDrainer;
import dev.mediaplane.ops.release.ReleaseChecks;
import dev.mediaplane.ops.release.ReleaseContext;
import dev.mediaplane.ops.release.ReleaseFixtures;
import dev.mediaplane.ops.release.ReleaseState;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rollout against the Compute stand-in through the real HTTP client: order, drains, readiness, stop, resume. */
class RolloutCommandTest {

    @TempDir
    Path dir;

    ReleaseFixtures f;
    ReleaseState s;
    String newTemplate;
    String oldTemplate;
    /** What happened, in order: "drain X" (with the stand-in's view of the previous node), recreates are counted by the stand-in. */
    final List<String> events = new CopyOnWriteArrayList<>();
    NodeDrainer drainer;
    Path stateFile;

    @BeforeEach
    void setUp() throws IOException {
        if (f == null) {
            f = new ReleaseFixtures(dir);
        }
        s = f.state();
        newTemplate = s.stableTemplate();
        oldTemplate = s.templateOf(ReleaseFixtures.OLD);
        f.compute.templates.put(newTemplate, s.stable());
        f.compute.templates.put(oldTemplate, ReleaseFixtures.OLD);
        f.compute.group(ReleaseChecks.groupName(s), List.of(new ComputeStandIn.Version("stable", newTemplate, null)), List.of(
                new ComputeStandIn.Instance(node("a"), "europe-west1-b", oldTemplate),
                new ComputeStandIn.Instance(node("b"), "europe-west1-c", oldTemplate),
                new ComputeStandIn.Instance(node("c"), "europe-west1-d", oldTemplate)));
        drainer = (n, timeout) -> {
            // A drain must come before its node's recreate, and after every earlier node is back.
            long notReady = f.compute.instances.get(ReleaseChecks.groupName(s)).stream()
                    .filter(i -> !i.action.equals("NONE") || !i.health.equals("HEALTHY")).count();
            events.add("drain " + n + " recreated-before=" + f.compute.recreates(n) + " not-ready-elsewhere=" + notReady
                    + " timeout=" + timeout.toSeconds());
            return 0;
        };
        stateFile = dir.resolve(".mediaplane/rollout-prod.json");
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    private String node(String x) {
        return "mp-prod-node-" + x;
    }

    private Result run(ReleaseContext ctx, String... args) {
        return ReleaseCommandsTest.run(ctx, dir, args);
    }

    private Result run(String... args) {
        return run(f.context(drainer, d -> { }), args);
    }

    @Test
    void replacesOneNodeAtATimeEachDrainedFirstAndReadyBeforeTheNext() {
        Result r = run("rollout", "--stack", "prod", "--drain-timeout", "90s", "--ready-timeout", "60s");
        assertEquals(0, r.code(), r.err() + r.out());
        assertEquals(List.of(
                "drain " + node("a") + " recreated-before=0 not-ready-elsewhere=0 timeout=90",
                "drain " + node("b") + " recreated-before=0 not-ready-elsewhere=0 timeout=90",
                "drain " + node("c") + " recreated-before=0 not-ready-elsewhere=0 timeout=90"), events);
        for (String x : List.of("a", "b", "c")) {
            assertEquals(1, f.compute.recreates(node(x)), x);
        }
        assertTrue(f.compute.instances.get(ReleaseChecks.groupName(s)).stream().allMatch(i -> i.template.equals(newTemplate)));
        assertTrue(r.out().contains("[2/3] " + node("b") + ": ready on " + newTemplate), r.out());
        assertTrue(r.err().contains("health UNKNOWN (poll 1/6)"), "plain progress lines when not a TTY: " + r.err());
        assertFalse(Files.exists(stateFile), "a completed rollout leaves no state");
        assertFalse((r.out() + r.err()).contains(f.token));

        Result again = run("rollout", "--stack", "prod");
        assertEquals(0, again.code());
        assertTrue(again.out().contains("every node of mp-prod-nodes runs one of the group's templates"), again.out());
        assertEquals(1, f.compute.recreates(node("a")));
    }

    @Test
    void stopsAtTheFirstNodeThatDoesNotBecomeReady() throws IOException {
        f.compute.neverReady.add(node("b"));
        Result r = run("rollout", "--stack", "prod", "--ready-timeout", "60s", "--poll", "10s", "--json");
        assertEquals(ExitCode.NODE_NOT_READY.code(), r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("node-not-ready", o.get("outcome").getAsString());
        assertEquals(node("b"), o.get("failedNode").getAsString());
        assertTrue(o.get("message").getAsString().contains("did not become ready after 6 polls (last: RUNNING/NONE/UNHEALTHY)"));
        assertEquals(List.of(node("a")), o.getAsJsonArray("replaced").asList().stream().map(e -> e.getAsString()).toList());
        assertEquals(0, f.compute.recreates(node("c")));
        assertEquals(2, events.size(), "c is never drained: " + events);
        String state = Files.readString(stateFile);
        assertTrue(state.contains("\"current\": \"" + node("b") + "\"") && state.contains("\"phase\": \"recreating\""), state);
    }

    @Test
    void interruptedMidRolloutItResumesWithoutDrainingOrRecreatingANodeTwice() throws IOException {
        AtomicInteger sleeps = new AtomicInteger();
        // Killed while waiting for b's replacement (a took two polls; b's first poll is the third sleep).
        ReleaseContext killed = f.context(drainer, d -> {
            if (sleeps.incrementAndGet() == 3) {
                throw new IllegalStateException("killed (SIGINT stand-in)");
            }
        });
        Result first = run(killed, "rollout", "--stack", "prod");
        assertEquals(ExitCode.INTERNAL.code(), first.code(), first.out() + first.err());
        String state = Files.readString(stateFile);
        assertTrue(state.contains("\"done\": [\n    \"" + node("a") + "\"\n  ]"), state);
        assertTrue(state.contains("\"phase\": \"recreating\""), state);
        assertEquals(1, f.compute.recreates(node("b")));

        Result resumed = run("rollout", "--stack", "prod", "--json");
        assertEquals(0, resumed.code(), resumed.err());
        JsonObject o = JsonParser.parseString(resumed.out()).getAsJsonObject();
        assertTrue(o.get("resumed").getAsBoolean());
        assertEquals(List.of(node("b"), node("c")), o.getAsJsonArray("replaced").asList().stream().map(e -> e.getAsString()).toList());
        assertTrue(resumed.err().contains(node("b") + ": resuming: already recreated"), resumed.err());
        for (String x : List.of("a", "b", "c")) {
            assertEquals(1, f.compute.recreates(node(x)), x);
            assertEquals(1, events.stream().filter(e -> e.startsWith("drain " + node(x) + " ")).count(), events.toString());
        }
        assertFalse(Files.exists(stateFile));
    }

    @Test
    void withoutADrainerItStopsBeforeRecreatingAnything() {
        Result r = run(f.context(), "rollout", "--stack", "prod");
        assertEquals(ExitCode.NODE_NOT_READY.code(), r.code());
        assertTrue(r.err().contains("could not drain " + node("a") + ": no node drainer: give --inventory FILE"), r.err());
        assertTrue(r.err().contains("(--esl-user, and --esl-password-file or --esl-secret)"), r.err());
        assertTrue(r.err().contains("pass --no-drain"), r.err());
        assertEquals(0, f.compute.recreates(node("a")));
        Result cut = run(f.context(), "rollout", "--stack", "prod", "--no-drain");
        assertEquals(0, cut.code(), cut.err());
        assertEquals(1, f.compute.recreates(node("c")));
    }

    @Test
    void withAnInventoryEachNodeIsDrainedOverEslBeforeItIsRecreated() throws IOException {
        String password = "MARKER-rollout-esl-operator-4d1e";
        List<EslNode> esl = new ArrayList<>();
        try {
            // One ESL stand-in per node, all on the stack's controllerEslPort, at 127.0.0.2..4 (the inventory's networkIP).
            esl.add(new EslNode(InetAddress.getByName("127.0.0.2"), 0));
            int port = esl.get(0).port();
            esl.add(new EslNode(InetAddress.getByName("127.0.0.3"), port));
            esl.add(new EslNode(InetAddress.getByName("127.0.0.4"), port));
            Files.writeString(dir.resolve("Pulumi.prod.yaml"), f.stackText() + "  mediaplane:controllerEslPort: " + port + "\n");
            setUp(); // the stack's render (and so its template) changed with the port
            StringBuilder inventory = new StringBuilder("[");
            for (int i = 0; i < 3; i++) {
                String name = node(String.valueOf((char) ('a' + i)));
                EslNode n = esl.get(i).user("operator@mediaplane", password, Set.of("fsctl", "show", "status"));
                if (i == 1) {
                    n.channels.set(1); // b has a call that ends while it is drained
                }
                AtomicInteger counts = new AtomicInteger();
                n.beforeApi = cmd -> {
                    if (cmd.equals("fsctl pause inbound")) {
                        events.add("pause " + name + " recreated-before=" + f.compute.recreates(name));
                    } else if (cmd.equals("show channels count") && n.paused.get() && counts.incrementAndGet() == 2) {
                        n.channels.set(0);
                    }
                    return true;
                };
                inventory.append(i == 0 ? "" : ",").append("{\"name\":\"").append(name)
                        .append("\",\"labels\":{\"stack\":\"prod\",\"component\":\"fleet\"},\"networkInterfaces\":[{\"networkIP\":\"127.0.0.")
                        .append(i + 2).append("\"}]}");
            }
            Path inv = dir.resolve("nodes.json");
            Files.writeString(inv, inventory.append("]").toString());
            Path pw = dir.resolve("operator-password");
            Files.writeString(pw, password + "\n");
            Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));

            // The system context's drainer (NONE) is replaced by the ESL drainer because --inventory is given.
            Result r = run(f.context(NodeDrainer.NONE, d -> { }), "rollout", "--stack", "prod", "--inventory", inv.toString(),
                    "--esl-user", "operator@mediaplane", "--esl-password-file", pw.toString(), "--drain-timeout", "30s",
                    "--ready-timeout", "60s");
            assertEquals(0, r.code(), r.err() + r.out());
            assertEquals(List.of("pause " + node("a") + " recreated-before=0", "pause " + node("b") + " recreated-before=0",
                    "pause " + node("c") + " recreated-before=0"), events);
            for (int i = 0; i < 3; i++) {
                String name = node(String.valueOf((char) ('a' + i)));
                assertEquals(1, f.compute.recreates(name), name);
                List<String> calls = List.copyOf(esl.get(i).apiCalls);
                assertTrue(calls.indexOf("fsctl pause inbound") < calls.indexOf("fsctl pause_check inbound"), calls.toString());
                assertTrue(esl.get(i).paused.get(), name + " stays paused until it is recreated");
            }
            assertTrue(r.err().contains("drain " + node("b") + ": 1 channel (0 calls) up"), r.err());
            assertTrue(r.out().contains(node("b") + ": drained"), r.out());
            assertFalse((r.out() + r.err()).contains(password), "the ESL password leaked");
        } finally {
            for (EslNode n : esl) {
                n.close();
            }
        }
    }

    @Test
    void eslLoginOptionsWithoutAnInventoryAreAUsageError() {
        Result r = run("rollout", "--stack", "prod", "--esl-user", "operator@mediaplane");
        assertEquals(ExitCode.USAGE.code(), r.code(), r.err());
        assertTrue(r.err().contains("--esl-user log in to the nodes of --inventory FILE; give --inventory (from: gcloud"), r.err());
        Result both = run("rollout", "--stack", "prod", "--inventory", "nodes.json", "--no-drain");
        assertEquals(ExitCode.USAGE.code(), both.code(), both.err());
        assertTrue(both.err().contains("--inventory is for draining and --no-drain drains nothing"), both.err());
        assertTrue(events.isEmpty());
    }

    @Test
    void dryRunListsTheCallsAndChangesNothing() {
        Result r = run("rollout", "--stack", "prod", "--dry-run");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("drain " + node("a") + " (bound 120s)"), r.out());
        assertTrue(r.out().contains("/instanceGroupManagers/mp-prod-nodes/recreateInstances {instances: [zones/europe-west1-c"
                + "/instances/" + node("b") + "]}"), r.out());
        assertTrue(events.isEmpty());
        assertEquals(0, f.compute.recreates(node("a")));
        assertFalse(Files.exists(stateFile));
    }

    @Test
    void refusesToStartWhileANodeIsAlreadyDownAndReportsApiRefusals() {
        f.compute.instances.get(ReleaseChecks.groupName(s)).get(2).health = "UNHEALTHY";
        Result r = run("rollout", "--stack", "prod");
        assertEquals(ExitCode.REFUSED.code(), r.code());
        assertTrue(r.err().contains("node " + node("c") + " is not ready (RUNNING, action NONE, health UNHEALTHY)"), r.err());
        assertTrue(events.isEmpty());

        f.compute.instances.get(ReleaseChecks.groupName(s)).get(2).health = "HEALTHY";
        f.compute.grants.get(ReleaseFixtures.OPERATOR).remove("compute.instanceGroupManagers.update");
        Result denied = run("rollout", "--stack", "prod");
        assertEquals(ExitCode.UNAVAILABLE.code(), denied.code());
        assertTrue(denied.err().contains("HTTP 403 Required 'compute.instanceGroupManagers.update' permission"), denied.err());
    }
}
