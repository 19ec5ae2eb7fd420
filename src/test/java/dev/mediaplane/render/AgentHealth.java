package dev.mediaplane.render;

import dev.mediaplane.agent.JsonLog;
import dev.mediaplane.agent.telemetry.Telemetry;
import dev.mediaplane.esl.EslClient;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The node agent's /live and /ready (its real {@link Telemetry}) over a sandbox node: the run dir's
 * markers under the sandbox root, FreeSWITCH's answers from the sandbox's fs_cli stand-in (the same
 * replies boot and the drain see), and FreeSWITCH's process in a small procfs of its own.
 */
final class AgentHealth implements AutoCloseable {
    private final Telemetry telemetry;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    AgentHealth(NodeSandbox node, List<String> sipProfiles) throws IOException {
        NodeContract.Paths p = NodeContract.STANDARD.paths();
        Path run = Files.createDirectories(node.root.resolve(p.runDir().substring(1)));
        Path recordings = Files.createDirectories(node.root.resolve(p.recordingsDir().substring(1)));
        Path proc = Files.createDirectories(node.state.resolve("proc/4242"));
        Files.writeString(proc.resolve("comm"), "freeswitch\n");
        Files.writeString(proc.resolve("stat"), "4242 (freeswitch) S 1 4242 4242 0 -1 4194560 2069 0 0 0 10 5 0 0 20 0 35 0 120"
                + " 2035761152 62500 18446744073709551615\n");
        Files.writeString(proc.resolve("status"), "Name:\tfreeswitch\nState:\tS (sleeping)\nVmRSS:\t  250000 kB\nThreads:\t35\n");
        Path pidFile = Files.writeString(node.state.resolve("freeswitch.pid"), "4242\n");
        Map<String, String> env = node.env(null);
        Telemetry.Api fsCli = cmd -> {
            List<String> argv = new ArrayList<>(List.of(node.bin.resolve("fs_cli").toString(), "-x", cmd));
            ProcessBuilder pb = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().putAll(env);
            Process x = pb.start();
            String out = new String(x.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (x.waitFor() != 0) {
                throw new IOException("fs_cli -x '" + cmd + "' exited " + x.exitValue());
            }
            return out;
        };
        EslClient.Stats stats = new EslClient.Stats(0, 0, 0, 0, 0, 1, 0, 0);
        JsonLog log = new JsonLog(new PrintStream(OutputStream.nullOutputStream()), Clock.systemUTC(), Map.of());
        telemetry = new Telemetry(new Telemetry.Settings(List.of(InetAddress.getLoopbackAddress()), 0,
                run.resolve(p.readyMarker()), run.resolve(p.drainingMarker()), recordings, sipProfiles, pidFile, "freeswitch",
                node.state.resolve("proc"), fsCli, () -> stats, log, System::nanoTime, Duration.ofMillis(100),
                Duration.ofSeconds(60), Duration.ofSeconds(15), 100)).start();
        telemetry.onEslState(EslClient.State.CONNECTED);
    }

    /** {@code "<status> <body>"} of a GET, once the agent has polled FreeSWITCH after the last change (two polls). */
    String get(String path) throws Exception {
        Thread.sleep(300);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + telemetry.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body().strip();
    }

    @Override
    public void close() {
        telemetry.close();
    }
}
