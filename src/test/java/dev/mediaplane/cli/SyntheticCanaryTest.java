package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.config.GcpNames;
import dev.mediaplane.ops.node.EslNode;
import dev.mediaplane.ops.release.ComputeStandIn;
import dev.mediaplane.ops.release.ReleaseChecks;
import dev.mediaplane.ops.release.ReleaseFixtures;
import dev.mediaplane.ops.release.ReleaseState;
import dev.mediaplane.ops.smoke.CallingNode;
import dev.mediaplane.ops.smoke.RecordingClients;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * synthetic --canary on the committed prod stack with a canary started: Compute (its stand-in, through
 * ComputeFleet) says which instance runs the canary template, and only that inventory node is called.
 */
class SyntheticCanaryTest {

    static final String PASSWORD = "MARKER-operator-pw-canary-8d";

    @TempDir
    Path dir;

    ReleaseFixtures f;
    EslNode esl;
    CallingNode node;
    Path pw;
    Path inventory;

    @BeforeEach
    void setUp() throws IOException {
        f = new ReleaseFixtures(dir);
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        // The inventory gives nodes by address; ESL is on the stack's controllerEslPort, so that port is this node's.
        Files.writeString(dir.resolve("Pulumi.prod.yaml"), f.stackText() + "  mediaplane:controllerEslPort: " + port + "\n");
        assertEquals(0, ReleaseCommandsTest.run(f.context(), dir, "canary", "start", "--stack", "prod", "--offline", "--stable",
                ReleaseFixtures.OLD).code());
        ReleaseState s = f.state();
        String stableT = s.stableTemplate();
        String canaryT = s.canaryTemplate().orElseThrow();
        f.compute.templates.put(stableT, ReleaseFixtures.OLD);
        f.compute.templates.put(canaryT, s.currentRender());
        f.compute.group(ReleaseChecks.groupName(s), List.of(new ComputeStandIn.Version("stable", stableT, null),
                new ComputeStandIn.Version("canary", canaryT, 1)), List.of(
                new ComputeStandIn.Instance("mp-prod-node-a", "europe-west1-b", stableT),
                new ComputeStandIn.Instance("mp-prod-node-b", "europe-west1-c", canaryT),
                new ComputeStandIn.Instance("mp-prod-node-c", "europe-west1-d", stableT)));
        esl = new EslNode(java.net.InetAddress.getLoopbackAddress(), port).user(CallingNode.OPERATOR_USER, PASSWORD,
                CallingNode.OPERATOR_API);
        String project = s.config().project();
        String bucket = GcpNames.recordingsBucket(project, s.config().prefix());
        String topic = GcpNames.eventsTopic(s.config().prefix());
        CallingNode.provision(f.gcs, bucket, topic);
        CallingNode.grantChecker(f.gcs, bucket, ReleaseFixtures.OPERATOR);
        node = new CallingNode(esl, f.gcs, bucket, topic, "127.0.0.1", s.config().trunk().sipTlsPort(),
                Files.createDirectories(dir.resolve("recordings")));
        pw = dir.resolve("pw");
        Files.writeString(pw, PASSWORD + "\n");
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
        // Only node b is on this host; a call to a or c would find no ESL at 127.0.0.2/3 and fail.
        inventory = dir.resolve("nodes.json");
        StringBuilder inv = new StringBuilder("[");
        String[][] nodes = {{"a", "127.0.0.2"}, {"b", "127.0.0.1"}, {"c", "127.0.0.3"}};
        for (String[] n : nodes) {
            inv.append(inv.length() > 1 ? "," : "").append("{\"name\":\"mp-prod-node-").append(n[0])
                    .append("\",\"labels\":{\"stack\":\"prod\",\"component\":\"fleet\"},\"networkInterfaces\":[{\"networkIP\":\"")
                    .append(n[1]).append("\"}]}");
        }
        Files.writeString(inventory, inv.append("]").toString());
    }

    @AfterEach
    void tearDown() throws IOException {
        node.close();
        esl.close();
        f.close();
    }

    record Result(int code, String out, String err) {}

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Cli.create(c -> dev.mediaplane.plan.PlanFixtures.compliant());
        SyntheticCommand s = cli.getSubcommands().get("synthetic").getCommand();
        s.context = f.context();
        var creds = f.credentials();
        s.recordings = new RecordingClients(() -> creds, Optional.of(f.gcs.url()), Optional.of(f.gcs.url()));
        s.tty = false;
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--project-dir", dir.toString()));
        return new Result(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    @Test
    void onlyTheCanaryNodeIsCalled() {
        Result r = run("synthetic", "--stack", "prod", "--inventory", inventory.toString(), "--canary", "--rate", "2/s",
                "--duration", "1s", "--hold", "1s", "--upload-timeout", "3s", "--esl-user", CallingNode.OPERATOR_USER,
                "--esl-password-file", pw.toString(), "--json");
        assertEquals(0, r.code(), r.toString());
        JsonObject j = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(List.of("mp-prod-node-b"), j.getAsJsonArray("nodes").asList().stream().map(e -> e.getAsString()).toList());
        assertEquals(2, j.get("placed").getAsInt());
        assertEquals(2, j.getAsJsonObject("byNode").getAsJsonObject("mp-prod-node-b").get("complete").getAsInt());
        assertEquals(2, node.calls());
    }

    @Test
    void dryRunNamesTheComputeCallAndCallsNothing() {
        Result r = run("synthetic", "--stack", "prod", "--inventory", inventory.toString(), "--canary", "--rate", "2/min",
                "--duration", "1h", "--esl-password-file", pw.toString(), "--dry-run");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("synthetic prod (canary) would call:\n  Compute listManagedInstances of "), r.out());
        assertTrue(r.out().contains("120 calls, one every 30000 ms"), r.out());
        assertEquals(0, node.calls());
        assertTrue(r.out().contains("  the inventory's nodes on the canary template (of mp-prod-node-a, mp-prod-node-b,"
                + " mp-prod-node-c): userauth user operator@mediaplane, password from " + pw), r.out());
        assertTrue(f.compute.requests.isEmpty(), f.compute.requests.toString());
    }
}
