package dev.mediaplane.agent.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.agent.AgentHarness;
import dev.mediaplane.agent.AgentMain;
import dev.mediaplane.render.NodeContract;
import dev.mediaplane.testing.GcpStandIn;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The refresh inside the agent service, wired as AgentMain wires it: node.env's SECRET_PREFIX and period, Google's
 * Secret Manager client from the agent's GoogleClients (HTTP/JSON, metadata token) on the stand-in holding the dev
 * plan's secrets and grants, the agent's ESL connection to the loopback FreeSWITCH, and the result on the health
 * port's /secrets and /metrics.
 */
class SecretsExtensionTest {

    @TempDir
    Path tmp;

    @Test
    void aRotatedTrunkPasswordReachesTheRunningAgentAndIsReportedOnItsHealthPort() throws Exception {
        var cloud = AgentHarness.plannedCloud();
        Path nodeRoot = tmp.resolve("node");
        for (String d : List.of(NodeContract.STANDARD.paths().includeDir(), NodeContract.STANDARD.paths().tlsDir(),
                NodeContract.STANDARD.paths().sttKeysDir(), NodeContract.STANDARD.paths().agentStateDir())) {
            Files.createDirectories(nodeRoot.resolve(d.substring(1)));
        }
        String marker = "MARKERtrunk-" + java.util.UUID.randomUUID();
        try (GcpStandIn gcp = cloud.gcp(); AgentHarness h = new AgentHarness(tmp.resolve("h"), cloud, false)) {
            gcp.addSecretVersion("mp-dev-sip-trunk-password", "trunk-v1-password".getBytes(StandardCharsets.UTF_8));
            gcp.addSecretVersion("mp-dev-esl-password", "esl-v1-password-x".getBytes(StandardCharsets.UTF_8));
            gcp.addSecretVersion("mp-dev-tls-certificate", "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n"
                    .getBytes(StandardCharsets.US_ASCII));
            gcp.addSecretVersion("mp-dev-tls-private-key", "-----BEGIN PRIVATE KEY-----\ny\n-----END PRIVATE KEY-----\n"
                    .getBytes(StandardCharsets.US_ASCII));
            Files.writeString(h.nodeEnv, Files.readString(h.nodeEnv) + "SECRET_PREFIX=mp-dev\nSECRET_REFRESH_SECONDS=10\n");
            List<String> calls = new CopyOnWriteArrayList<>();
            h.fs.api = cmd -> {
                if (cmd.equals("reloadxml") || cmd.startsWith("sofia profile") || cmd.equals("sofia status gateway signalwire")) {
                    calls.add(cmd);
                }
                return switch (cmd) {
                    case "reloadxml" -> "+OK [Success]\n";
                    case "sofia profile external killgw signalwire" -> "+OK gateway marked for deletion.\n";
                    case "sofia profile external rescan" -> "Reload XML [Success]\n+OK scan complete\n";
                    case "sofia status gateway signalwire" -> "Name    \tsignalwire\nState   \tREGED\n";
                    default -> "+OK " + cmd + "\n";
                };
            };
            AgentMain agent = new AgentMain();
            SecretsExtension ext = new SecretsExtension(ctx -> new SecretSource(ctx.clients().secretManager(), ctx.env().project()),
                    s -> new SecretRefresher.Settings(nodeRoot, s.prefix(), s.adminPassword(), s.agentUser(), s.gatewayWait(),
                            s.restartWait(), s.idleBound(), s.poll()),
                    o -> new String[] {"root", "root"});
            agent.addExtension(ext);
            Map<String, String> env = new java.util.HashMap<>(h.env);
            env.put("SECRETMANAGER_ENDPOINT", gcp.url());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread t = new Thread(() -> agent.run(new String[] {"--node-env", h.nodeEnv.toString()}, env,
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8)));
            t.start();
            try {
                h.await("the first refresh", () -> version(h, "sip-trunk-password") == 1);
                assertTrue(Files.readString(nodeRoot.resolve("etc/mediaplane/freeswitch/secrets.xml"))
                        .contains("mp_esl_admin_password=" + h.eslPassword + "\""), "the admin password from the agent's login");
                calls.clear();
                gcp.addSecretVersion("mp-dev-sip-trunk-password", marker.getBytes(StandardCharsets.UTF_8));
                h.await("the rotated version applied", () -> version(h, "sip-trunk-password") == 2);
                assertEquals(List.of("reloadxml", "sofia profile external killgw signalwire", "sofia profile external rescan",
                        "sofia status gateway signalwire"), calls);
                String metrics = h.get("/metrics").body();
                assertTrue(metrics.contains("mediaplane_secret_version{secret=\"sip-trunk-password\"} 2.0"), metrics);
                assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"event\":\"secret_applied\""));
                assertFalse(out.toString(StandardCharsets.UTF_8).contains(marker), "the value reached the agent's log");
                assertFalse(out.toString(StandardCharsets.UTF_8).contains(h.eslPassword), "the admin password reached the log");
                assertFalse(h.get("/secrets").body().contains(marker) || metrics.contains(marker));
            } finally {
                agent.stop();
                t.join(60_000);
            }
        }
    }

    private static int version(AgentHarness h, String secret) {
        try {
            var r = h.get("/secrets");
            if (r.statusCode() != 200) {
                return -1;
            }
            JsonObject doc = JsonParser.parseString(r.body()).getAsJsonObject();
            if (!doc.has("secrets") || !doc.getAsJsonObject("secrets").has(secret)) {
                return -1;
            }
            JsonObject s = doc.getAsJsonObject("secrets").getAsJsonObject(secret);
            return s.get("state").getAsString().equals("applied") ? s.get("version").getAsInt() : 0;
        } catch (Exception e) {
            return -1;
        }
    }
}
