package dev.mediaplane.agent.bridge;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.agent.JsonLog;
import dev.mediaplane.esl.EslClient;
import dev.mediaplane.esl.EslConnection;
import dev.mediaplane.esl.EslCredentials;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The bridge under test in {@link BridgeLatencyBench}, in a JVM of its own (the unit's flags), so its CPU and
 * RSS are the process's and nothing of the stand-ins or the tap writers is in them. Only what the agent runs:
 * a real {@link EslClient} to the driver's FreeSWITCH stand-in, {@link StreamBridge} with the production
 * defaults but the endpoints (the driver's TLS stand-in, trusted by its certificate file), and doubles for
 * the bucket and the events topic (the topic's turns go to a file, not the heap: RSS stays the bridge's).
 *
 * <p>Arguments: a properties file written by the driver (paths, ports, the ESL password: no secret in argv).
 * Talks to the driver on stdin/stdout: prints {@code ready}; reads {@code window} (start of the measured
 * window: thread CPU snapshot), {@code end} (prints {@code threads <group>=<cpu ms> ...}), {@code finish <n>}
 * (waits for the transcripts of calls CA0..CA(n-1), prints {@code finished ...}, closes, exits).
 */
public final class BridgeBenchProcess {

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(Path.of(args[0]))) {
            p.load(in);
        }
        BridgeSettings settings = BridgeSettings.defaults()
                .withDirs(Path.of(p.getProperty("streams.dir")), Path.of(p.getProperty("recordings.dir")),
                        Path.of(p.getProperty("secrets.dir")))
                .withEndpoints(URI.create(p.getProperty("deepgram.base")), URI.create(p.getProperty("assemblyai.base")),
                        TestTls.client(Path.of(p.getProperty("tls.p12"))));
        int messageMs = Integer.parseInt(p.getProperty("message.ms", "0"));
        if (messageMs > 0) {
            settings = settings.withDeepgram(settings.deepgram().withMessageMillis(messageMs));
        }
        BufferedWriter turns = Files.newBufferedWriter(Path.of(p.getProperty("turns.file")));
        Doubles.Publisher publisher = new Doubles.Publisher() {
            @Override
            public String publish(byte[] data, Map<String, String> attributes) throws java.io.IOException {
                long now = System.nanoTime(); // CLOCK_MONOTONIC: the driver's clock too
                if ("transcript.turn".equals(attributes.get("event_type"))) {
                    JsonObject o = JsonParser.parseString(new String(data, StandardCharsets.UTF_8)).getAsJsonObject();
                    synchronized (turns) {
                        turns.write(o.get("call_sid").getAsString() + " " + o.get("end_ms").getAsLong() + " " + now + "\n");
                    }
                }
                return "m";
            }
        };
        Doubles.Observer observer = new Doubles.Observer();
        PrintStream logOut = new PrintStream(Files.newOutputStream(Path.of(p.getProperty("log.file"))), true,
                StandardCharsets.UTF_8);
        JsonLog log = new JsonLog(logOut, Clock.systemUTC(), Map.of("node", "bench"));
        EslClient[] esl = {null};
        StreamBridge bridge = new StreamBridge(settings, cmd -> esl[0].api(cmd), new Doubles.Store(), publisher, log, observer);
        StreamBridge b = bridge;
        esl[0] = new EslClient(EslCredentials.password("127.0.0.1", Integer.parseInt(p.getProperty("esl.port")),
                p.getProperty("esl.password")),
                new EslClient.Subscription(EslConnection.Format.PLAIN, StreamBridge.EVENTS, List.of()), b::onEvent,
                EslClient.Options.defaults()).start();
        if (!esl[0].awaitConnected(Duration.ofSeconds(60))) {
            throw new IllegalStateException("ESL did not connect");
        }
        bridge.resume();
        System.out.println("ready");
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> at0 = Map.of();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String l; (l = in.readLine()) != null; ) {
            String[] w = l.split(" ");
            switch (w[0]) {
                case "window" -> at0 = threadCpu(mx);
                case "end" -> {
                    Map<String, Long> now = threadCpu(mx);
                    StringBuilder s = new StringBuilder("threads");
                    for (Map.Entry<String, Long> e : now.entrySet()) {
                        s.append(' ').append(e.getKey()).append('=')
                                .append((e.getValue() - at0.getOrDefault(e.getKey(), 0L)) / 1_000_000);
                    }
                    System.out.println(s);
                }
                case "finish" -> {
                    int n = Integer.parseInt(w[1]);
                    int got = 0;
                    long deadline = System.nanoTime() + 60_000_000_000L;
                    for (int i = 0; i < n; i++) {
                        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                        if (bridge.awaitTranscript("CA" + i, "RE" + i, Duration.ofMillis(left)).isPresent()) {
                            got++;
                        }
                    }
                    synchronized (turns) {
                        turns.close();
                    }
                    System.out.printf("finished transcripts=%d lost_overflow=%d lost_reconnect=%d reconnects=%d%n", got,
                            observer.get("lost.overflow"), observer.get("lost.reconnect"), observer.get("reconnects"));
                    bridge.close();
                    esl[0].close();
                    System.exit(0);
                }
                default -> System.out.println("unknown " + l);
            }
        }
        System.exit(1); // the driver went away
    }

    /** CPU ns per thread group (names without their numbers): where the bridge's time goes. */
    private static Map<String, Long> threadCpu(ThreadMXBean mx) {
        Map<String, Long> by = new TreeMap<>();
        for (ThreadInfo ti : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (ti != null) {
                long c = mx.getThreadCpuTime(ti.getThreadId());
                if (c > 0) {
                    by.merge(ti.getThreadName().replaceAll("-[0-9]+$", "").replaceAll("-[0-9]+-", "-")
                            .replace(' ', '_'), c, Long::sum);
                }
            }
        }
        return by;
    }
}
