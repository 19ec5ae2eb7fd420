package dev.mediaplane.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
