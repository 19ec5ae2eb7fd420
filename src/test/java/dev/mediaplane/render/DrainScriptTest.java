package dev.mediaplane.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.StackConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shutdown script against a stand-in fs_cli whose active channel count drains, or never does. */
class DrainScriptTest {

    @TempDir
    Path tmp;

    StackConfig config(int timeoutSec) throws Exception {
        StackConfig c = Scenarios.withExtra("dev", "  mediaplane:fleetDrainTimeoutSec: " + timeoutSec + "\n").config();
        assertEquals(timeoutSec, c.fleet().drainTimeoutSec());
        return c;
    }

    Tools.Result drain(NodeSandbox node, StackConfig c) throws Exception {
        Files.createDirectories(node.root.resolve("run/mediaplane"));
        Files.writeString(node.root.resolve("run/mediaplane/ready"), "");
        Files.writeString(node.state.resolve("freeswitch-active"), "");
        return node.runScript("shutdown-script.sh", Renderer.shutdownScript(c), node.env(null), List.of(), null);
    }

    @Test
    void activeCallsDrainToZeroAfterInboundIsPausedAndReadinessFails() throws Exception {
        NodeSandbox node = new NodeSandbox(tmp);
        Files.writeString(node.state.resolve("channels"), "3\n2\n1\n0\n");
        Tools.Result r = drain(node, config(30));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("{\"event\":\"drain_started\""), r.output());
        assertTrue(r.output().contains("\"event\":\"drain_finished\"") && r.output().contains("\"active_channels\":0"), r.output());
        assertFalse(r.output().contains("drain_timeout"), r.output());
        List<String> calls = List.of(node.log("fs_cli.log").split("\n"));
        assertEquals("-x fsctl pause inbound", calls.get(0), "new calls must be refused before waiting: " + calls);
        assertEquals(4, calls.stream().filter(l -> l.equals("-x show channels count")).count(), calls.toString());
        assertTrue(Files.exists(node.root.resolve("run/mediaplane/draining")), "readiness must fail while draining");
        assertFalse(Files.exists(node.root.resolve("run/mediaplane/ready")));
    }

    @Test
    void callsThatNeverEndAreCutOffAtTheConfiguredTimeout() throws Exception {
        NodeSandbox node = new NodeSandbox(tmp);
        Files.writeString(node.state.resolve("channels"), "4\n");
        Tools.Result r = drain(node, config(5));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("\"event\":\"drain_timeout\",") && r.output().contains("\"active_channels\":4,\"timeout_sec\":5"),
                r.output());
        long polls = List.of(node.log("fs_cli.log").split("\n")).stream().filter(l -> l.equals("-x show channels count")).count();
        // About one poll a second: bounded by the timeout, not by the calls.
        assertTrue(polls >= 2 && polls <= 8, "polls: " + polls);
    }

    @Test
    void aNodeWhoseFreeswitchIsDownDrainsAtOnce() throws Exception {
        NodeSandbox node = new NodeSandbox(tmp);
        Files.createDirectories(node.root.resolve("run/mediaplane"));
        Tools.Result r = node.runScript("shutdown-script.sh", Renderer.shutdownScript(config(30)), node.env(null), List.of(), null);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("drain_skipped"), r.output());
        assertTrue(Files.exists(node.root.resolve("run/mediaplane/draining")));
    }

    @Test
    void theShutdownScriptIsTheBundledDrainScript() {
        StackConfig c = Scenarios.config("prod");
        assertEquals(Renderer.shutdownScript(c),
                new String(Renderer.render(c).file("node/mediaplane-drain.sh"), java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(Renderer.shutdownScript(c).contains("DRAIN_TIMEOUT_SEC=" + c.fleet().drainTimeoutSec() + "\n"));
        assertTrue(c.fleet().drainTimeoutSec() < 90, "must fit GCE's shutdown window");
    }

    /**
     * The agent's /ready (its real Telemetry, reading the node's run dir) answers 200 before the drain
     * and 503 from the drain's first step on, while /live stays 200: the balancer stops sending calls
     * and autohealing leaves the draining node alone.
     */
    @Test
    void theAgentsReadyFailsFromTheDrainsFirstStepWhileLiveStays() throws Exception {
        NodeSandbox node = new NodeSandbox(tmp);
        NodeContract.Paths p = NodeContract.STANDARD.paths();
        Files.createDirectories(node.root.resolve(p.runDir().substring(1)));
        Files.writeString(node.root.resolve(p.runDir().substring(1)).resolve(p.readyMarker()), "");
        Files.writeString(node.state.resolve("freeswitch-active"), "");
        Files.writeString(node.state.resolve("channels"), "0\n");
        try (AgentHealth agent = new AgentHealth(node, List.of("external", "internal"))) {
            String before = agent.get("/ready");
            assertTrue(before.startsWith("200"), "ready before the drain: " + before);
            Tools.Result r = node.runScript("shutdown-script.sh", Renderer.shutdownScript(config(30)), node.env(null), List.of(), null);
            assertEquals(0, r.exit(), r.output());
            String during = agent.get("/ready");
            assertTrue(during.startsWith("503") && during.contains("draining"), "the drain's marker fails readiness: " + during);
            String live = agent.get("/live");
            assertTrue(live.startsWith("200"), "a draining node stays live: " + live);
        }
    }
}
