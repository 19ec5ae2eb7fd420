package dev.mediaplane.render;

import dev.mediaplane.agent.JsonLog;
import dev.mediaplane.agent.telemetry.Telemetry;
import dev.mediaplane.esl.EslClient;
import dev.mediaplane.esl.EslEvent;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A JVM started with the agent unit's flags on the agent jar (AgentJarTest): the agent's real
 * telemetry (Prometheus registry, /metrics, /live, /ready) fed 500 active calls' worth of ESL events,
 * so the RSS the test reads is of the agent's code rather than of an empty main. Not the whole agent
 * (no GCS or Pub/Sub clients yet: AgentMain is written on other branches).
 * Args: state directory, calls.
 */
public final class TelemetryProbe {
    private TelemetryProbe() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int calls = Integer.parseInt(args[1]);
        Files.createDirectories(dir.resolve("run"));
        Files.createDirectories(dir.resolve("recordings"));
        Files.writeString(dir.resolve("run/ready"), "");
        Map<String, String> replies = Map.of(
                "status", "UP 0 years, 0 days, 1 hour\nFreeSWITCH (Version 1.11.2) is ready\n",
                "sofia status", "     external\tprofile\tsips:mod_sofia@10.0.0.5:5061\tRUNNING (0)\n"
                        + "     internal\tprofile\tsip:mod_sofia@10.0.0.5:5080\tRUNNING (0)\n",
                "fsctl pause_check inbound", "false\n",
                "show channels count", "\n" + (2 * calls) + " total.\n",
                "show calls count", "\n" + calls + " total.\n");
        Telemetry.Api api = cmd -> replies.getOrDefault(cmd, "-ERR no reply\n");
        JsonLog log = new JsonLog(new PrintStream(System.out, true, StandardCharsets.UTF_8), Clock.systemUTC(), Map.of("node", "probe"));
        EslClient.Stats stats = new EslClient.Stats(0, 0, 0, 0, 0, 1, 0, 0);
        Telemetry t = new Telemetry(new Telemetry.Settings(List.of(InetAddress.getLoopbackAddress()), 0, dir.resolve("run/ready"),
                dir.resolve("run/draining"), dir.resolve("recordings"), List.of("external", "internal"), null, "freeswitch",
                Path.of("/proc"), api, () -> stats, log, System::nanoTime, Duration.ofSeconds(5), Duration.ofSeconds(60),
                Duration.ofSeconds(15), 20_000)).start();
        for (int i = 0; i < calls; i++) {
            for (String leg : List.of("a", "b")) {
                t.onEvent(EslEvent.parseJson("{\"Event-Name\":\"CHANNEL_CREATE\",\"Unique-ID\":\"" + leg + i
                        + "-6f0c1d2e-0000-4000-8000-000000000000\",\"Call-Direction\":\"" + (leg.equals("a") ? "inbound" : "outbound")
                        + "\"}"));
            }
            t.onEvent(EslEvent.parseJson("{\"Event-Name\":\"CHANNEL_ANSWER\",\"Unique-ID\":\"a" + i
                    + "-6f0c1d2e-0000-4000-8000-000000000000\",\"Call-Direction\":\"inbound\"}"));
        }
        // Connected after the events: its resync then reads the same counts from the stand-in's answers.
        t.onEslState(EslClient.State.CONNECTED);
        System.out.println("listening on 127.0.0.1:" + t.port());
        Thread.currentThread().join();
    }
}
