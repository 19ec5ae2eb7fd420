package dev.mediaplane.agent.bridge;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.mediaplane.agent.JsonLog;
import dev.mediaplane.esl.EslClient;
import dev.mediaplane.esl.EslConnection;
import dev.mediaplane.esl.EslCredentials;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * One node's worth of real parts on loopback: the ESL stand-in with a real {@link EslClient}, a tap writer
 * behind {@code uuid_record}, a provider stand-in over TLS, the strict doubles, a captured {@link JsonLog}.
 * Keys are planted marker values; {@link #assertNoKeyAnywhere()} checks every log line, event, object,
 * state file and this JVM's command line.
 */
final class Harness implements AutoCloseable {
    static final String ESL_PASSWORD = "EslPw-Marker-5d1e";
    static final String DG_KEY = "DgKey-Marker-7f3a91c2";
    static final String AAI_KEY = "AaiKey-Marker-0b62d4e8";

    final Path root;
    final Path streams;
    final Path recordings;
    final Path secrets;
    final EslStandIn fs;
    final FakeSpeechServer deepgram;
    final FakeSpeechServer assemblyai;
    final Doubles.Store store = new Doubles.Store();
    final Doubles.Publisher publisher = new Doubles.Publisher();
    final Doubles.Observer observer = new Doubles.Observer();
    final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    final JsonLog log = new JsonLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8), Clock.systemUTC(),
            Map.of("node", "mp-node-1"));
    final List<String> commands = new CopyOnWriteArrayList<>();
    final Map<String, FakeTap> taps = new ConcurrentHashMap<>();
    final Map<String, Boolean> up = new ConcurrentHashMap<>();
    volatile boolean splitWrites = true;
    /** Writer threads shared by every tap (a benchmark's many calls), each tap at a random 20 ms phase; null: a thread per tap. */
    volatile java.util.concurrent.ScheduledExecutorService tapWriters;
    private final java.util.Random phases = new java.util.Random(42);
    BridgeSettings settings;
    EslClient esl;
    StreamBridge bridge;

    Harness(Path root) throws Exception {
        this.root = root;
        streams = root.resolve("run/mediaplane/streams");
        recordings = root.resolve("var/lib/mediaplane/recordings");
        secrets = root.resolve("etc/mediaplane/secrets");
        Files.createDirectories(secrets);
        Files.writeString(secrets.resolve("deepgram-api-key"), DG_KEY + "\n");
        Files.writeString(secrets.resolve("assemblyai-api-key"), AAI_KEY + "\n");
        deepgram = new FakeSpeechServer(FakeSpeechServer.Kind.DEEPGRAM, DG_KEY);
        assemblyai = new FakeSpeechServer(FakeSpeechServer.Kind.ASSEMBLYAI, AAI_KEY);
        fs = new EslStandIn(ESL_PASSWORD);
        fs.api(this::api);
        settings = BridgeSettings.defaults().withDirs(streams, recordings, secrets)
                .withEndpoints(deepgram.base(), assemblyai.base(), TestTls.client())
                .withTimings(Duration.ofSeconds(30), Duration.ofSeconds(4), Duration.ofSeconds(5),
                        new EslClient.Backoff(Duration.ofMillis(100), Duration.ofMillis(400), 0.2, Duration.ofSeconds(30)));
    }

    /** FreeSWITCH's answers to the commands the bridge runs. */
    private String api(String cmd) {
        commands.add(cmd);
        String[] w = cmd.split(" ");
        try {
            switch (w[0]) {
                case "uuid_setvar" -> {
                    return up.containsKey(w[1]) ? "+OK\n" : "-ERR No such channel!\n";
                }
                case "uuid_exists" -> {
                    return up.getOrDefault(w[1], false) ? "true" : "false";
                }
                case "uuid_getvar" -> {
                    return switch (w[2]) {
                        case "mp_organization_id" -> "org42";
                        case "mp_call_sid" -> "CA-" + w[1].substring(0, 8);
                        case "mp_recording_id" -> "RE-" + w[1].substring(0, 8);
                        default -> "_undef_";
                    };
                }
                case "uuid_record" -> {
                    if (!up.getOrDefault(w[1], false)) {
                        return "-ERR Cannot locate session!\n";
                    }
                    if (w[2].equals("start")) {
                        java.util.concurrent.ScheduledExecutorService shared = tapWriters;
                        FakeTap t = shared == null ? new FakeTap(Path.of(w[3]), settings.frameBytes())
                                : new FakeTap(Path.of(w[3]), settings.frameBytes(), shared, phases.nextInt(20));
                        t.splitWrites = splitWrites;
                        taps.put(w[1], t);
                    } else {
                        FakeTap t = taps.get(w[1]);
                        if (t != null) {
                            t.stop();
                        }
                    }
                    return "+OK Success\n";
                }
                default -> {
                    return "-ERR " + w[0] + " Command not found!\n";
                }
            }
        } catch (IOException e) {
            return "-ERR " + e.getMessage() + "\n";
        }
    }

    /** The node-wide bound on buffered audio the bridge is built with. */
    BufferBudget budget = new BufferBudget(BufferBudget.DEFAULT_BYTES);

    Harness start() throws Exception {
        bridge = new StreamBridge(settings, cmd -> esl.api(cmd), store, publisher, log, observer, java.time.Clock.systemUTC(),
                budget);
        connectEsl();
        return this;
    }

    void connectEsl() throws Exception {
        StreamBridge b = bridge;
        esl = new EslClient(EslCredentials.password("127.0.0.1", fs.port(), ESL_PASSWORD),
                new EslClient.Subscription(EslConnection.Format.PLAIN, StreamBridge.EVENTS, List.of()), b::onEvent,
                EslClient.Options.defaults()).start();
        fs.awaitSession();
        if (!esl.awaitConnected(Duration.ofSeconds(10))) {
            throw new AssertionError("ESL did not connect");
        }
    }

    /** A new call parked by the dialplan. */
    void park(String uuid, String org, String sid, String rec) throws Exception {
        up.put(uuid, true);
        Map<String, String> e = EslStandIn.event("CHANNEL_PARK");
        e.put("Unique-ID", uuid);
        e.put("variable_mp_organization_id", org);
        e.put("variable_mp_call_sid", sid);
        e.put("variable_mp_recording_id", rec);
        e.put("variable_RECORD_STEREO", "true");
        fs.send(e);
    }

    /** The controller's {@code api uuid_setvar <uuid> mp_stream_to_ai <value>}: FreeSWITCH fires an API event. */
    void streamToAi(String uuid, String value) throws Exception {
        Map<String, String> e = EslStandIn.event("API");
        e.put("API-Command", "uuid_setvar");
        e.put("API-Command-Argument", uuid + " mp_stream_to_ai" + (value == null ? "" : " " + value));
        fs.send(e);
    }

    /** The call ends: the media bug closes the tap, then CHANNEL_HANGUP_COMPLETE. */
    void hangup(String uuid) throws Exception {
        up.put(uuid, false);
        FakeTap t = taps.get(uuid);
        if (t != null) {
            t.stop();
        }
        Map<String, String> e = EslStandIn.event("CHANNEL_HANGUP_COMPLETE");
        e.put("Unique-ID", uuid);
        e.put("Hangup-Cause", "NORMAL_CLEARING");
        fs.send(e);
    }

    List<String> logLines() {
        return logBytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    boolean logged(String event) {
        return logLines().stream().anyMatch(l -> l.contains("\"event\":\"" + event + "\""));
    }

    static void await(String what, Duration max, BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    void assertNoKeyAnywhere() throws IOException {
        List<String> keys = List.of(DG_KEY, AAI_KEY, ESL_PASSWORD);
        for (String l : logLines()) {
            for (String k : keys) {
                assertFalse(l.contains(k), "a log line holds a key: " + l);
            }
        }
        for (Doubles.Message m : publisher.messages) {
            for (String k : keys) {
                assertFalse(m.data().contains(k) || m.attributes().toString().contains(k), "an event holds a key");
            }
        }
        for (byte[] b : store.objects.values()) {
            for (String k : keys) {
                assertFalse(new String(b, StandardCharsets.UTF_8).contains(k), "an object holds a key");
            }
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(Files::isRegularFile).filter(p -> !p.startsWith(secrets)).toList()) {
                String s = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
                for (String k : keys) {
                    assertFalse(s.contains(k), "file " + p + " holds a key");
                }
            }
        }
        String cmdline = new String(Files.readAllBytes(Path.of("/proc/self/cmdline")), StandardCharsets.UTF_8);
        for (String k : keys) {
            assertFalse(cmdline.contains(k), "the JVM's argv holds a key");
        }
    }

    @Override
    public void close() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        if (esl != null) {
            esl.close();
        }
        for (FakeTap t : taps.values()) {
            t.close();
        }
        fs.close();
        deepgram.close();
        assemblyai.close();
    }
}
