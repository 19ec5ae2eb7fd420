package dev.mediaplane.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.esl.EslClient;
import dev.mediaplane.esl.EslEvent;
import dev.mediaplane.esl.FakeFreeSwitch;
import dev.mediaplane.testing.GcpStandIn;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AgentMain in this JVM: the command line, and the hook the streaming bridge plugs into. */
class AgentMainTest {
    @TempDir Path tmp;

    int run(AgentMain m, Map<String, String> env, ByteArrayOutputStream out, String... args) {
        return m.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @Test
    void theCommandLineIsParsedByHand() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, run(new AgentMain(), Map.of(), out, "--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: mediaplane-agent"));
        assertEquals(64, run(new AgentMain(), Map.of(), out, "--frobnicate"));
        assertEquals(64, run(new AgentMain(), Map.of(), out, "upload"));
        assertEquals(64, run(new AgentMain(), Map.of(), out, "--node-env"));
        ByteArrayOutputStream cfg = new ByteArrayOutputStream();
        assertEquals(78, run(new AgentMain(), Map.of(), cfg, "--node-env", tmp.resolve("missing.env").toString(), "sweep"));
        assertTrue(cfg.toString(StandardCharsets.UTF_8).contains("\"event\":\"agent_config_error\""), cfg.toString());
        assertTrue(cfg.toString(StandardCharsets.UTF_8).contains("missing.env"), cfg.toString());
    }

    @Test
    void extensionsGetTheEslClientAndEveryEventAfterTelemetryAndThePipeline() throws Exception {
        var cloud = AgentHarness.plannedCloud();
        try (GcpStandIn gcp = cloud.gcp(); AgentHarness h = new AgentHarness(tmp, cloud, false)) {
            AgentMain agent = new AgentMain();
            List<String> seen = new CopyOnWriteArrayList<>();
            AtomicReference<EslClient> client = new AtomicReference<>();
            AtomicInteger closed = new AtomicInteger();
            final class Bridge implements java.util.function.Consumer<EslEvent>, AutoCloseable {
                @Override
                public void accept(EslEvent e) {
                    seen.add(e.name() + " " + e.header("Unique-ID"));
                }

                @Override
                public void close() {
                    closed.incrementAndGet();
                }
            }
            agent.addExtension(ctx -> {
                client.set(ctx.esl());
                assertEquals("mp-node-test", ctx.env().nodeName());
                return new Bridge();
            });
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Map<String, String> env = new java.util.HashMap<>(h.env);
            Thread t = new Thread(() -> run(agent, env, out, "--node-env", h.nodeEnv.toString()));
            t.start();
            FakeFreeSwitch.Session s = h.fs.nextSession(60);
            assertTrue(s.awaitSubscribed());
            Map<String, String> ev = FakeFreeSwitch.event("CHANNEL_CREATE");
            ev.put("Unique-ID", "uuid-bridge");
            s.sendEvent(ev, null);
            long end = System.nanoTime() + 20_000_000_000L;
            while (seen.isEmpty() && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertEquals(List.of("CHANNEL_CREATE uuid-bridge"), seen);
            assertEquals("+OK status\n", client.get().api("status"), "the extension may send commands on the agent's connection");
            agent.stop();
            t.join(60_000);
            assertEquals(1, closed.get());
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"event\":\"agent_stopped\""));
        }
    }

    @Test
    void theEslClientsJavaLoggingLinesAreTheAgentsJsonLinesWithoutTheSecret() throws Exception {
        var cloud = AgentHarness.plannedCloud();
        try (GcpStandIn gcp = cloud.gcp(); AgentHarness h = new AgentHarness(tmp, cloud, false)) {
            h.fs.password = "not-the-agents-password"; // FreeSWITCH answers -ERR invalid: the client logs SEVERE and retries
            AgentMain agent = new AgentMain();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Map<String, String> env = new java.util.HashMap<>(h.env);
            Thread t = new Thread(() -> agent.run(new String[] {"--node-env", h.nodeEnv.toString()}, env,
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
            t.start();
            long end = System.nanoTime() + 30_000_000_000L;
            while (!out.toString(StandardCharsets.UTF_8).contains("\"logger\":\"dev.mediaplane.esl.EslClient\"")
                    && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            // A library line that carried the password by mistake is redacted too.
            java.util.logging.Logger.getLogger("dev.mediaplane.esl.EslConnection").warning("login with " + h.eslPassword + " failed");
            agent.stop();
            t.join(60_000);
            // Later JUL lines are no longer the agent's (the handler is removed with the service).
            java.util.logging.Logger.getLogger("dev.mediaplane.esl.EslConnection").warning("after the service " + h.eslPassword);
            String log = out.toString(StandardCharsets.UTF_8);
            List<com.google.gson.JsonObject> jul = log.lines().filter(l -> l.contains("\"event\":\"java_log\""))
                    .map(l -> com.google.gson.JsonParser.parseString(l).getAsJsonObject()).toList();
            com.google.gson.JsonObject refused = jul.stream().filter(o -> o.get("logger").getAsString().equals("dev.mediaplane.esl.EslClient"))
                    .findFirst().orElseThrow(() -> new AssertionError("no EslClient line in\n" + log));
            assertEquals("error", refused.get("severity").getAsString(), refused.toString());
            assertTrue(refused.get("message").getAsString().contains("reconnecting in"), refused.toString());
            assertEquals("mp-node-test", refused.get("node").getAsString(), "the agent's common fields");
            assertTrue(jul.stream().anyMatch(o -> o.get("message").getAsString().equals("login with [redacted] failed")), log);
            assertFalse(log.contains(h.eslPassword), "the ESL password reached the agent's log");
            assertFalse(err.toString(StandardCharsets.UTF_8).contains("EslClient"), "no plain-text JUL record on stderr: " + err);
            for (String l : log.lines().toList()) {
                com.google.gson.JsonParser.parseString(l).getAsJsonObject(); // every stdout line is JSON
            }
        }
    }
}
