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
 * window: thread CPU snapshot), {@code steady} (end of the warm-up: a second snapshot), {@code end} (prints
 * {@code threads <group>=<cpu ms> ...} since {@code window}, then {@code steady-threads ...} since
 * {@code steady}, or since {@code window} when there was no warm-up), {@code finish <n>} (waits for the
 * transcripts of calls CA0..CA(n-1), prints {@code finished ...}, closes, exits). The split is every thread
 * of the process from /proc/self/task (utime + stime, 10 ms ticks): Java threads and the JVM's own (C2 and
 * C1 compiler threads, the VM thread, which runs the serial collector), so nothing of the process's CPU is
 * left unexplained but threads that ended inside the window.
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
        Map<String, Long> at0 = Map.of();
        Map<String, Long> atSteady = null;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String l; (l = in.readLine()) != null; ) {
            String[] w = l.split(" ");
            switch (w[0]) {
                case "window" -> at0 = threadCpu();
                case "steady" -> atSteady = threadCpu();
                case "end" -> {
                    Map<String, Long> now = threadCpu();
                    System.out.println(since("threads", now, at0));
                    System.out.println(since("steady-threads", now, atSteady != null ? atSteady : at0));
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

    /** {@code name group=ms ...}: CPU per thread group between two snapshots. */
    private static String since(String name, Map<String, Long> now, Map<String, Long> then) {
        StringBuilder s = new StringBuilder(name);
        for (Map.Entry<String, Long> e : now.entrySet()) {
            s.append(' ').append(e.getKey()).append('=').append(e.getValue() - then.getOrDefault(e.getKey(), 0L));
        }
        return s.toString();
    }

    /**
     * CPU ms per thread group (thread names without their numbers) from /proc/self/task/<tid>/stat, every native
     * thread of the JVM included: where the process's time goes.
     */
    private static Map<String, Long> threadCpu() throws java.io.IOException {
        Map<String, Long> by = new TreeMap<>();
        try (var tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                String comm;
                String stat;
                try {
                    comm = Files.readString(t.resolve("comm")).strip();
                    stat = Files.readString(t.resolve("stat"));
                } catch (java.io.IOException gone) {
                    continue; // the thread ended meanwhile
                }
                // fields after "(comm)": state is the 3rd field of stat, utime the 14th, stime the 15th
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                by.merge(group(comm), ticks * 10, Long::sum); // USER_HZ is 100 on Linux
            }
        }
        return by;
    }

    /** "bridge-audio-2" -> bridge-audio, "C2 CompilerThre" -> C2_compiler, "HttpClient-1-Se" -> HttpClient-selector. */
    static String group(String comm) {
        if (comm.startsWith("HttpClient-") && comm.endsWith("-Se")) {
            return "HttpClient-selector";
        }
        if (comm.startsWith("C2 Compiler") || comm.startsWith("C1 Compiler")) {
            return comm.substring(0, 2) + "_compiler";
        }
        return comm.replaceAll("[-#]?[0-9]+$", "").replaceAll("-[0-9]+-", "-").replaceAll("[-.]+$", "").replace(' ', '_');
    }
}
