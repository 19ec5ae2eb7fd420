package dev.mediaplane.agent.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.agent.AgentHarness;
import dev.mediaplane.agent.AgentMain;
import dev.mediaplane.agent.BridgeExtension;
import dev.mediaplane.agent.recordings.TestWav;
import dev.mediaplane.esl.EslClient;
import dev.mediaplane.esl.FakeFreeSwitch;
import dev.mediaplane.testing.GcpStandIn;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge wired into the agent (AgentMain + {@link BridgeExtension}) in this JVM: the agent's own ESL connection
 * to a {@link FakeFreeSwitch} carries the stream-to-ai {@code API} event, the agent starts its tap, the Deepgram
 * stand-in receives the tap's audio over TLS, and at hangup the transcript goes through the real
 * {@code GcsObjectStore} to the loopback GCS, where the recording's evidence manifest references it.
 */
class AgentBridgeTest {
    static final String UUID = "4f1e2d3c-aaaa-4bbb-8ccc-000000000042";
    static final String DG_KEY = "DgKey-Agent-Marker-31c5e9";

    @TempDir Path tmp;

    @Test
    void theAgentStreamsACallAndTheManifestReferencesItsTranscript() throws Exception {
        var cloud = AgentHarness.plannedCloud();
        try (GcpStandIn gcp = cloud.gcp(); AgentHarness h = new AgentHarness(tmp, cloud, false);
             FakeSpeechServer deepgram = new FakeSpeechServer(FakeSpeechServer.Kind.DEEPGRAM, DG_KEY);
             FakeSpeechServer assemblyai = new FakeSpeechServer(FakeSpeechServer.Kind.ASSEMBLYAI, "unused")) {
            Path streams = tmp.resolve("run/mediaplane/streams");
            Path keys = Files.createDirectories(tmp.resolve("etc/mediaplane/agent"));
            Files.writeString(keys.resolve("deepgram-api-key"), DG_KEY + "\n");
            Files.writeString(h.nodeEnv, "STREAMS_DIR=" + streams + "\nSTT_KEYS_DIR=" + keys + "\nSTREAM_PROVIDER=deepgram\n",
                    StandardOpenOption.APPEND);

            Map<String, FakeTap> taps = new ConcurrentHashMap<>();
            List<String> commands = new CopyOnWriteArrayList<>();
            var telemetryAnswers = h.fs.api;
            h.fs.api = cmd -> {
                commands.add(cmd);
                String[] w = cmd.split(" ");
                try {
                    return switch (w[0]) {
                        case "uuid_setvar" -> "+OK\n";
                        case "uuid_exists" -> "false";
                        case "uuid_record" -> {
                            if (w[2].equals("start")) {
                                taps.put(w[1], new FakeTap(Path.of(w[3]), 640));
                            } else if (taps.containsKey(w[1])) {
                                taps.get(w[1]).stop();
                            }
                            yield "+OK Success\n";
                        }
                        default -> telemetryAnswers.apply(cmd);
                    };
                } catch (java.io.IOException e) {
                    return "-ERR " + e.getMessage() + "\n";
                }
            };

            AgentMain agent = new AgentMain();
            javax.net.ssl.SSLContext tls = TestTls.client();
            agent.addExtension(new BridgeExtension(s -> s.withEndpoints(deepgram.base(), assemblyai.base(), tls)
                    .withTimings(Duration.ofSeconds(30), Duration.ofSeconds(4), Duration.ofSeconds(5),
                            new EslClient.Backoff(Duration.ofMillis(100), Duration.ofMillis(400), 0.2, Duration.ofSeconds(30)))));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
            Map<String, String> env = new HashMap<>(h.env);
            int[] rc = {-1};
            Thread t = new Thread(() -> rc[0] = agent.run(new String[] {"--node-env", h.nodeEnv.toString()}, env, ps, ps));
            t.start();
            try {
                FakeFreeSwitch.Session s = h.fs.nextSession(60);
                assertNotNull(s, "the agent connected to ESL");
                assertTrue(s.awaitSubscribed());
                await("resume after the ESL connect", () -> logged(out, "stream_resume_finished"));

                Map<String, String> park = FakeFreeSwitch.event("CHANNEL_PARK");
                park.put("Unique-ID", UUID);
                park.put("variable_mp_organization_id", "org42");
                park.put("variable_mp_call_sid", "CA77");
                park.put("variable_mp_recording_id", "RE77");
                s.sendEvent(park, null);
                // The controller's "api uuid_setvar <uuid> mp_stream_to_ai on": FreeSWITCH fires API (the agent must
                // have subscribed to it: the stand-in sends only subscribed events); "on" is the stack's deepgram.
                Map<String, String> api = FakeFreeSwitch.event("API");
                api.put("API-Command", "uuid_setvar");
                api.put("API-Command-Argument", UUID + " mp_stream_to_ai on");
                s.sendEvent(api, null);

                await("the provider connection", () -> !deepgram.conns.isEmpty());
                assertEquals(List.of("uuid_setvar " + UUID + " enable_file_write_buffering false",
                        "uuid_record " + UUID + " start " + streams.resolve(UUID + ".r16")),
                        commands.stream().filter(c -> c.startsWith("uuid_")).toList().subList(0, 2));
                FakeSpeechServer.Conn c = deepgram.conn(0);
                await("a second of audio at the provider", () -> c.audioBytes().length >= 32_000);

                // Hangup: the media bug closes both files; RECORD_STOP of the main recording, CHANNEL_HANGUP_COMPLETE.
                byte[] wav = TestWav.make(TestWav.PCM, 8000, 2, 1500, false, 7);
                Path rec = h.write("org42", "CA77", "RE77", wav);
                taps.get(UUID).stop();
                Map<String, String> hup = FakeFreeSwitch.event("CHANNEL_HANGUP_COMPLETE");
                hup.put("Unique-ID", UUID);
                hup.put("Hangup-Cause", "NORMAL_CLEARING");
                s.sendEvent(hup, null);
                s.sendEvent(FakeFreeSwitch.recordEvent("RECORD_STOP", UUID, rec.toString()), null);

                String tName = "org/org42/recordings/CA77/RE77.transcript.jsonl";
                String mName = "org/org42/recordings/CA77/RE77.manifest.json";
                await("the transcript and the manifest in GCS", () -> gcp.objects(h.bucket).containsKey(tName)
                        && gcp.objects(h.bucket).containsKey(mName));
                assertArrayEquals(taps.get(UUID).bytes(), c.audioBytes(), "the provider got the tap's PCM, in order, whole");
                assertTrue(c.texts.contains("{\"type\":\"CloseStream\"}"), c.texts.toString());

                GcpStandIn.StoredObject transcript = gcp.objects(h.bucket).get(tName);
                assertTrue(new String(transcript.bytes(), StandardCharsets.UTF_8).contains("\"is_final\":true"));
                JsonObject manifest = JsonParser.parseString(new String(gcp.objects(h.bucket).get(mName).bytes(),
                        StandardCharsets.UTF_8)).getAsJsonObject();
                JsonObject ref = manifest.getAsJsonObject("transcript");
                assertNotNull(ref, manifest.toString());
                assertEquals(tName, ref.get("object").getAsString());
                assertEquals(Long.toString(transcript.generation()), ref.get("generation").getAsString());
                assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(transcript.bytes())),
                        ref.get("sha256").getAsString());
                assertEquals(transcript.bytes().length, ref.get("size_bytes").getAsLong());
                assertFalse(Files.exists(streams.resolve(UUID + ".r16")), "the tap is removed");
                await("the metrics", () -> metrics(h).contains("mediaplane_streams_finished_total{outcome=\"completed\",provider=\"deepgram\"} 1.0"));
                String m = metrics(h);
                assertTrue(m.contains("mediaplane_streams_active{provider=\"deepgram\"} 0.0"), m);
                assertTrue(m.contains("mediaplane_stream_results_total{kind=\"final\",provider=\"deepgram\"}"), m);
            } finally {
                agent.stop();
                t.join(60_000);
                for (FakeTap tap : taps.values()) {
                    tap.close();
                }
            }
            String log = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, rc[0], log);
            assertTrue(log.contains("\"event\":\"stream_started\""), log);
            assertFalse(log.contains("\"event\":\"recording_rejected\""), log);
            assertFalse(log.contains(DG_KEY) || log.contains(h.eslPassword), "no secret in the agent's log");
            assertTrue(log.indexOf("\"event\":\"stream_bridge_started\"") < log.indexOf("\"event\":\"agent_started\""));
        }
    }

    static String metrics(AgentHarness h) {
        try {
            var r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + h.healthPort + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (Exception e) {
            return "";
        }
    }

    static boolean logged(ByteArrayOutputStream out, String event) {
        return out.toString(StandardCharsets.UTF_8).contains("\"event\":\"" + event + "\"");
    }

    static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
