package dev.mediaplane.agent.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The bridge end to end: ESL stand-in, tap written like FreeSWITCH, Deepgram stand-in over TLS. */
@Timeout(60)
class DeepgramBridgeTest {

    static final String UUID = "6f0c3b2a-1111-4222-8333-444455556666";

    @TempDir
    Path tmp;
    Harness h;

    @AfterEach
    void tearDown() throws Exception {
        if (h != null) {
            h.assertNoKeyAnywhere();
            h.close();
        }
    }

    @Test
    void streamsTheTapInOrderInRealTimeAndStoresTheTranscript() throws Exception {
        h = new Harness(tmp).start();
        h.park(UUID, "org42", "CA123", "RE2");
        h.streamToAi(UUID, "deepgram");
        Harness.await("the provider connection", Duration.ofSeconds(10), () -> !h.deepgram.conns.isEmpty());
        assertEquals(List.of("uuid_setvar " + UUID + " enable_file_write_buffering false",
                "uuid_record " + UUID + " start " + h.streams.resolve(UUID + ".r16")), h.commands.subList(0, 2));
        FakeSpeechServer.Conn c = h.deepgram.conn(0);
        assertEquals(List.of("linear16"), c.query.get("encoding"));
        assertEquals(List.of("8000"), c.query.get("sample_rate"));
        assertEquals(List.of("2"), c.query.get("channels"));
        assertEquals(List.of("true"), c.query.get("multichannel"));
        assertEquals(List.of("nova-3"), c.query.get("model"));
        Thread.sleep(2300);
        long reads = h.bridge.tapReads();
        int framesWritten = h.taps.get(UUID).frameDoneNanos.size();
        h.hangup(UUID);
        Optional<StreamBridge.StoredTranscript> t = h.bridge.awaitTranscript("CA123", "RE2", Duration.ofSeconds(10));
        assertTrue(t.isPresent(), () -> String.join("\n", h.logLines()));

        byte[] written = h.taps.get(UUID).bytes();
        assertTrue(written.length > 2 * 32000, "the tap wrote " + written.length + " bytes");
        assertArrayEquals(written, c.audioBytes(), "the provider got the tap's PCM, in order, whole");
        assertEquals(List.of("{\"type\":\"Finalize\"}", "{\"type\":\"CloseStream\"}"), c.texts.stream()
                .filter(s -> !s.contains("KeepAlive")).toList());
        assertTrue(h.deepgram.violations.isEmpty(), h.deepgram.violations.toString());
        int msg = h.settings.deepgram().messageMillis();
        int msgBytes = msg * 32; // 8 kHz 16-bit stereo: 32 bytes a millisecond
        List<Integer> sizes = c.messageSizes;
        assertTrue(sizes.subList(0, sizes.size() - 1).stream().allMatch(n -> n == msgBytes)
                && sizes.get(sizes.size() - 1) > 0 && sizes.get(sizes.size() - 1) <= msgBytes,
                "messages of " + msg + " ms (the last one what was left): " + sizes);

        // Real time: each frame reached the provider soon after FreeSWITCH wrote it, never before.
        List<Long> lat = latenciesMs(h.taps.get(UUID), c);
        long p50 = lat.get(lat.size() / 2);
        long p95 = lat.get(lat.size() * 95 / 100);
        assertTrue(lat.get(0) >= 0, "audio sent before it was written");
        // A message waits for its last frame: up to messageMillis - 20 ms more than one frame per message would.
        assertTrue(p50 < 60 + msg && p95 < 250 + msg, "write->provider latency p50 " + p50 + " ms, p95 " + p95 + " ms");

        // One read of the tap per message (a late frame costs one more), not one per 20 ms frame.
        int framesPerMessage = msg / 20;
        assertTrue(reads > 0 && reads <= framesWritten / framesPerMessage * 3 / 2 + 5 && reads < framesWritten / 2,
                "tap reads " + reads + " for " + framesWritten + " frames of " + framesPerMessage + " per message");

        // The transcript object: verified, sha256 of the bytes, every final of both channels in stream time.
        String object = "org/org42/recordings/CA123/RE2.transcript.jsonl";
        assertEquals(object, t.get().object());
        byte[] stored = h.store.objects.get(object);
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(stored)), t.get().sha256Hex());
        assertEquals("application/x-ndjson", h.store.types.get(object));
        List<JsonObject> lines = new String(stored, StandardCharsets.UTF_8).lines()
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
        long audioMs = written.length / 32;
        for (int ch = 0; ch < 2; ch++) {
            int channel = ch;
            List<JsonObject> finals = lines.stream().filter(o -> o.get("is_final").getAsBoolean()
                    && o.get("channel").getAsInt() == channel).toList();
            long at = 0;
            for (JsonObject f : finals) {
                assertEquals(at, f.get("start_ms").getAsLong(), "finals are contiguous: " + f);
                assertEquals("c" + channel + " " + f.get("start_ms").getAsLong() + "-" + f.get("end_ms").getAsLong(),
                        f.get("text").getAsString());
                assertEquals(channel == 0 ? "caller" : "callee", f.get("speaker").getAsString());
                at = f.get("end_ms").getAsLong();
            }
            assertEquals(audioMs, at, "the close flushed the last words of channel " + ch);
        }
        assertTrue(lines.stream().anyMatch(o -> !o.get("is_final").getAsBoolean()), "interim results are kept too");

        // Final turns on the events topic; the evidence event names the object and its sha256.
        List<Doubles.Message> turns = h.publisher.of("transcript.turn");
        Harness.await("turn events", Duration.ofSeconds(5), () -> h.publisher.of("transcript.evidence").size() == 1);
        assertEquals(lines.stream().filter(o -> o.get("is_final").getAsBoolean()).count(), turns.size());
        JsonObject turn = JsonParser.parseString(turns.get(0).data()).getAsJsonObject();
        for (String k : List.of("call_sid", "channel", "speaker", "text", "start_ms", "end_ms", "provider", "is_final")) {
            assertTrue(turn.has(k), "turn event field " + k + ": " + turn);
        }
        assertEquals("CA123", turns.get(0).attributes().get("call_sid"));
        assertEquals("deepgram", turn.get("provider").getAsString());
        JsonObject ev = JsonParser.parseString(h.publisher.of("transcript.evidence").get(0).data()).getAsJsonObject();
        assertEquals(t.get().sha256Hex(), ev.get("sha256").getAsString());
        assertEquals("org/org42/recordings/CA123/RE2.wav", ev.get("recording_object").getAsString());

        // Cleaned up: tap, state file, local transcript (verified in the bucket).
        assertFalse(Files.exists(h.streams.resolve(UUID + ".r16")));
        assertFalse(Files.exists(h.streams.resolve(UUID + ".json")));
        assertFalse(Files.exists(h.recordings.resolve("org42/CA123/RE2.transcript.jsonl")));
        assertTrue(h.logged("stream_started") && h.logged("stream_stopped") && h.logged("transcript_uploaded"));
        assertEquals(0, h.bridge.activeStreams());
        assertEquals(1, h.observer.get("ended.completed"));
        assertEquals(written.length, h.observer.get("sent.bytes"));
    }

    /**
     * Per frame written once the session was up (frames written during the TLS handshake wait for it): provider
     * arrival of its last byte minus FreeSWITCH's write of it, sorted.
     */
    static List<Long> latenciesMs(FakeTap tap, FakeSpeechServer.Conn c) {
        List<Long> out = new ArrayList<>();
        List<long[]> arr = new ArrayList<>(c.arrivals);
        List<Long> done = new ArrayList<>(tap.frameDoneNanos);
        long up = arr.get(0)[0];
        int j = 0;
        for (int i = 0; i < done.size(); i++) {
            if (done.get(i) < up) {
                continue;
            }
            long end = (long) (i + 1) * tap.frameBytes;
            while (j < arr.size() && arr.get(j)[1] < end) {
                j++;
            }
            if (j == arr.size()) {
                break;
            }
            out.add((arr.get(j)[0] - done.get(i)) / 1_000_000);
        }
        out.sort(null);
        return out;
    }

    @Test
    void keepAliveHoldsTheSessionWhileTheTapIsSilent() throws Exception {
        h = new Harness(tmp);
        h.settings = h.settings.withTimings(Duration.ofSeconds(30), Duration.ofMillis(300), Duration.ofSeconds(5),
                h.settings.backoff());
        h.deepgram.idleTimeoutMs = 1000;
        h.start();
        h.park(UUID, "org42", "CA124", "RE3");
        h.streamToAi(UUID, "deepgram");
        Harness.await("audio", Duration.ofSeconds(10), () -> !h.deepgram.conns.isEmpty()
                && h.deepgram.conn(0).audioBytes().length > 6400);
        h.taps.get(UUID).pause(2500);
        Thread.sleep(2800);
        h.hangup(UUID);
        assertTrue(h.bridge.awaitTranscript("CA124", "RE3", Duration.ofSeconds(10)).isPresent());
        assertEquals(1, h.deepgram.conns.size(), "the server never closed for idleness");
        long keepAlives = h.deepgram.conn(0).texts.stream().filter(s -> s.equals("{\"type\":\"KeepAlive\"}")).count();
        assertTrue(keepAlives >= 3, "KeepAlive while silent: " + keepAlives);
        assertArrayEquals(h.taps.get(UUID).bytes(), h.deepgram.conn(0).audioBytes());
    }

    @Test
    void aDroppedConnectionResumesFromTheLastAcknowledgedAudio() throws Exception {
        h = new Harness(tmp);
        h.deepgram.dropAfterBytes = 32 * 1300; // 1.3 s in: the final for 0-1000 ms is out, 1000-1300 is not
        // One frame per message, so the final's end is a message boundary: with longer messages the message it
        // ends inside goes again whole (up to messageMillis transcribed twice; docs/streaming.md).
        h.settings = h.settings.withDeepgram(h.settings.deepgram().withMessageMillis(20));
        h.start();
        h.park(UUID, "org42", "CA125", "RE4");
        h.streamToAi(UUID, "deepgram");
        Harness.await("the reconnect", Duration.ofSeconds(10), () -> h.deepgram.conns.size() == 2
                && h.deepgram.conn(1).audioBytes().length > 32 * 1200);
        h.hangup(UUID);
        Optional<StreamBridge.StoredTranscript> t = h.bridge.awaitTranscript("CA125", "RE4", Duration.ofSeconds(10));
        assertTrue(t.isPresent());
        byte[] written = h.taps.get(UUID).bytes();
        byte[] first = h.deepgram.conn(0).audioBytes();
        byte[] second = h.deepgram.conn(1).audioBytes();
        long acked = 32 * 1000;
        assertArrayEquals(Arrays.copyOfRange(written, 0, first.length), first);
        assertArrayEquals(Arrays.copyOfRange(written, (int) acked, written.length), second,
                "the new session got everything after the last final, again");
        assertEquals(1, h.observer.get("reconnects"));
        assertEquals(0, h.observer.get("lost.reconnect"), "nothing was lost: all unacknowledged audio was retained");
        assertTrue(h.logged("stream_reconnecting") && h.logged("stream_reconnected"));
        List<JsonObject> finals = new String(h.store.objects.get(t.get().object()), StandardCharsets.UTF_8).lines()
                .map(l -> JsonParser.parseString(l).getAsJsonObject())
                .filter(o -> o.get("is_final").getAsBoolean() && o.get("channel").getAsInt() == 0).toList();
        long at = 0;
        for (JsonObject f : finals) {
            assertEquals(at, f.get("start_ms").getAsLong(), "stream time continues across the reconnect: " + f);
            at = f.get("end_ms").getAsLong();
        }
        assertEquals(written.length / 32, at);
    }

    @Test
    void aRefusedKeyStopsTheStreamWithoutRetrying() throws Exception {
        h = new Harness(tmp);
        h.deepgram.key = "another-key";
        h.start();
        h.park(UUID, "org42", "CA126", "RE5");
        h.streamToAi(UUID, "deepgram");
        Harness.await("the refusal", Duration.ofSeconds(10), () -> h.logged("stream_auth_refused"));
        Harness.await("the tap stopped", Duration.ofSeconds(5), () -> h.commands.contains(
                "uuid_record " + UUID + " stop " + h.streams.resolve(UUID + ".r16")));
        Thread.sleep(1500);
        assertEquals(List.of("401 auth"), h.deepgram.refusals, "one attempt, no retry loop");
        assertTrue(h.deepgram.conns.isEmpty());
        String line = h.logLines().stream().filter(l -> l.contains("stream_auth_refused")).findFirst().orElseThrow();
        assertTrue(line.contains("\"status\":401") && line.contains("\"severity\":\"error\"")
                && line.contains("refused the key"), line);
        Harness.await("the failure event", Duration.ofSeconds(5), () -> !h.publisher.of("transcript.stream_failed").isEmpty());
        assertTrue(h.publisher.of("transcript.stream_failed").get(0).data().contains("\"reason\":\"auth_refused\""));
        assertFalse(Files.exists(h.streams.resolve(UUID + ".r16")));
        assertEquals(1, h.observer.get("ended.auth_refused"));

        // The next call with the same key does not even try until the key changes.
        String uuid2 = "7a1d0000-1111-4222-8333-444455556666";
        h.park(uuid2, "org42", "CA127", "RE6");
        h.streamToAi(uuid2, "deepgram");
        Harness.await("the second refusal", Duration.ofSeconds(5),
                () -> h.logLines().stream().filter(l -> l.contains("stream_auth_refused")).count() == 2);
        assertEquals(1, h.deepgram.refusals.size());
        // A new key (boot wrote the rotated secret) is tried at once.
        Files.writeString(h.secrets.resolve("deepgram-api-key"), "another-key\n");
        h.streamToAi(uuid2, "off");
        h.streamToAi(uuid2, "deepgram");
        Harness.await("the new key's session", Duration.ofSeconds(10), () -> !h.deepgram.conns.isEmpty());
        h.hangup(UUID);
        h.hangup(uuid2);
        assertTrue(h.bridge.awaitTranscript("CA127", "RE6", Duration.ofSeconds(10)).isPresent());
    }

    @Test
    void hangupMidSentenceFlushesTheLastWords() throws Exception {
        h = new Harness(tmp).start();
        h.park(UUID, "org42", "CA128", "RE7");
        h.streamToAi(UUID, "deepgram");
        Harness.await("audio", Duration.ofSeconds(10), () -> !h.deepgram.conns.isEmpty()
                && h.deepgram.conn(0).audioBytes().length >= 32 * 1350);
        h.hangup(UUID); // 1350+ ms: the words after 1000 ms are only interim at the server
        Optional<StreamBridge.StoredTranscript> t = h.bridge.awaitTranscript("CA128", "RE7", Duration.ofSeconds(10));
        assertTrue(t.isPresent());
        long audioMs = h.taps.get(UUID).bytes().length / 32;
        List<JsonObject> finals = new String(h.store.objects.get(t.get().object()), StandardCharsets.UTF_8).lines()
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).filter(o -> o.get("is_final").getAsBoolean())
                .toList();
        assertEquals(audioMs, finals.get(finals.size() - 1).get("end_ms").getAsLong());
        assertTrue(audioMs % 500 != 0, "the call did end mid-result");
        Harness.await("turns", Duration.ofSeconds(5), () -> h.publisher.of("transcript.turn").size() == finals.size());
    }

    @Test
    void aProviderOutageDropsTheOldestAudioPastTheBoundAndCountsIt() throws Exception {
        h = new Harness(tmp);
        streamThroughAnOutage(h, Duration.ofMillis(500), "CA129", "RE8");
        hangUpAndAssertTheLossIsWhatWasCounted(h, "CA129", "RE8");
    }

    /** A stream whose first connection drops after 0.6 s of audio and reconnects 1.5 s later; returns once it has. */
    private static void streamThroughAnOutage(Harness h, Duration sessionBound, String callSid, String recordingId)
            throws Exception {
        h.settings = h.settings.withTimings(sessionBound, Duration.ofSeconds(4), Duration.ofSeconds(5),
                new dev.mediaplane.esl.EslClient.Backoff(Duration.ofMillis(1500), Duration.ofMillis(1500), 0,
                        Duration.ofSeconds(30)));
        h.deepgram.dropAfterBytes = 32 * 600;
        h.start();
        h.park(UUID, "org42", callSid, recordingId);
        h.streamToAi(UUID, "deepgram");
        Harness.await("the reconnect", Duration.ofSeconds(10), () -> h.deepgram.conns.size() == 2
                && h.deepgram.conn(1).audioBytes().length > 32 * 600);
    }

    /**
     * After a 1.5 s outage with 0.5 s kept: the second session starts well after the last acknowledged audio, and
     * every byte in between is counted: sent but pushed out of the bound (reconnect) or never sent (overflow).
     */
    private static void hangUpAndAssertTheLossIsWhatWasCounted(Harness h, String callSid, String recordingId)
            throws Exception {
        h.hangup(UUID);
        assertTrue(h.bridge.awaitTranscript(callSid, recordingId, Duration.ofSeconds(10)).isPresent());
        byte[] written = h.taps.get(UUID).bytes();
        byte[] second = h.deepgram.conn(1).audioBytes();
        long lost = h.observer.get("lost.overflow");
        long lostSent = h.observer.get("lost.reconnect");
        assertTrue(lost >= 32 * 700, "lost " + lost + " bytes to the bound");
        int resumedAt = written.length - second.length;
        long acked = resumedAt - lost - lostSent;
        assertTrue(acked >= 0 && acked <= first(h).length && acked % (32 * 500) == 0,
                "what the provider did not get is exactly what was counted: resumed at " + resumedAt + ", lost " + lost
                        + " + " + lostSent + ", so acknowledged " + acked);
        assertArrayEquals(Arrays.copyOfRange(written, resumedAt, written.length), second);
    }

    @Test
    void theNodeWideBudgetBoundsAnOutageWhenTheSessionsOwnBoundWouldNot() throws Exception {
        h = new Harness(tmp);
        // The session may keep 30 s, the node only 0.5 s of this one call's audio (32 bytes a millisecond).
        h.budget = new BufferBudget(32 * 500);
        streamThroughAnOutage(h, Duration.ofSeconds(30), "CA130", "RE9");
        assertTrue(h.budget.used() <= 32 * 500 + h.settings.frameBytes() * 5L, "held " + h.budget.used());
        hangUpAndAssertTheLossIsWhatWasCounted(h, "CA130", "RE9");
        assertEquals(0, h.budget.used(), "an ended session gives back all it held");
    }

    private static byte[] first(Harness h) {
        return h.deepgram.conn(0).audioBytes();
    }
}
