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
        Path run = Files.createDirectories(node.root.resolve(p.runDir().substring(1)));
        Files.writeString(run.resolve(p.readyMarker()), "");
        Path recordings = Files.createDirectories(node.root.resolve(p.recordingsDir().substring(1)));
        Map<String, String> replies = Map.of(
                "status", "UP 0 years, 0 days, 1 hour\nFreeSWITCH (Version 1.11.2) is ready\n",
                "sofia status", "     external\tprofile\tsips:mod_sofia@10.0.0.5:5061\tRUNNING (0)\n"
                        + "     internal\tprofile\tsip:mod_sofia@10.0.0.5:5080\tRUNNING (0)\n",
                "fsctl pause_check inbound", "false\n",
                "show channels count", "\n0 total.\n",
                "show calls count", "\n0 total.\n");
        // FreeSWITCH's process as procfs shows it (liveness needs it): pid file, comm, stat, status.
        Path proc = Files.createDirectories(tmp.resolve("proc/4242"));
        Files.writeString(proc.resolve("comm"), "freeswitch\n");
        Files.writeString(proc.resolve("stat"), "4242 (freeswitch) S 1 4242 4242 0 -1 4194560 2069 0 0 0 10 5 0 0 20 0 35 0 120"
                + " 2035761152 62500 18446744073709551615\n");
        Files.writeString(proc.resolve("status"), "Name:\tfreeswitch\nState:\tS (sleeping)\nVmRSS:\t  250000 kB\nThreads:\t35\n");
        Path pidFile = Files.writeString(tmp.resolve("freeswitch.pid"), "4242\n");
        var stats = new dev.mediaplane.esl.EslClient.Stats(0, 0, 0, 0, 0, 1, 0, 0);
        var log = new dev.mediaplane.agent.JsonLog(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()),
                java.time.Clock.systemUTC(), Map.of());
        try (var t = new dev.mediaplane.agent.telemetry.Telemetry(new dev.mediaplane.agent.telemetry.Telemetry.Settings(
                List.of(java.net.InetAddress.getLoopbackAddress()), 0, run.resolve(p.readyMarker()), run.resolve(p.drainingMarker()),
                recordings, List.of("external", "internal"), pidFile, "freeswitch", tmp.resolve("proc"),
                cmd -> replies.getOrDefault(cmd, "-ERR\n"), () -> stats, log, System::nanoTime, java.time.Duration.ofMillis(100),
                java.time.Duration.ofSeconds(60), java.time.Duration.ofSeconds(15), 100)).start()) {
            t.onEslState(dev.mediaplane.esl.EslClient.State.CONNECTED);
            var http = java.net.http.HttpClient.newHttpClient();
            java.util.function.Function<String, String> get = path -> {
                try {
                    var resp = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + t.port() + path))
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                    return resp.statusCode() + " " + resp.body().strip();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!get.apply("/ready").startsWith("200") && System.nanoTime() < deadline) {
                Thread.sleep(50); // the first poll of FreeSWITCH's state
            }
            String before = get.apply("/ready");
            assertTrue(before.startsWith("200"), "ready before the drain: " + before);
            Files.writeString(node.state.resolve("channels"), "0\n");
            Files.writeString(node.state.resolve("freeswitch-active"), "");
            Tools.Result r = node.runScript("shutdown-script.sh", Renderer.shutdownScript(config(30)), node.env(null), List.of(), null);
            assertEquals(0, r.exit(), r.output());
            String during = get.apply("/ready");
            assertTrue(during.startsWith("503") && during.contains("draining"), "the drain's marker fails readiness: " + during);
            String live = get.apply("/live");
            assertTrue(live.startsWith("200"), "a draining node stays live: " + live);
        }
    }
}
