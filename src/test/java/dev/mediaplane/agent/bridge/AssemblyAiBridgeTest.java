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
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** AssemblyAI Universal Streaming v3: one mono session per channel of the stereo tap. */
@Timeout(60)
class AssemblyAiBridgeTest {

    static final String UUID = "a55e0000-1111-4222-8333-444455556666";

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

    static byte[] channel(byte[] stereo, int ch) {
        byte[] mono = new byte[stereo.length / 2];
        for (int i = 0, j = ch * 2; j + 1 < stereo.length; i += 2, j += 4) {
            mono[i] = stereo[j];
            mono[i + 1] = stereo[j + 1];
        }
        return mono;
    }

    @Test
    void eachChannelIsItsOwnMonoSessionInDocumentedMessageSizes() throws Exception {
        h = new Harness(tmp).start();
        h.park(UUID, "org7", "CA900", "RE900");
        h.streamToAi(UUID, "assemblyai");
        Harness.await("two sessions", Duration.ofSeconds(10), () -> h.assemblyai.conns.size() == 2);
        Thread.sleep(1700);
        h.hangup(UUID);
        Optional<StreamBridge.StoredTranscript> t = h.bridge.awaitTranscript("CA900", "RE900", Duration.ofSeconds(10));
        assertTrue(t.isPresent(), () -> String.join("\n", h.logLines()));
        assertTrue(h.assemblyai.violations.isEmpty(), h.assemblyai.violations.toString());

        byte[] written = h.taps.get(UUID).bytes();
        for (FakeSpeechServer.Conn c : h.assemblyai.conns) {
            assertEquals(List.of("pcm_s16le"), c.query.get("encoding"));
            assertEquals(List.of("8000"), c.query.get("sample_rate"));
            assertEquals(List.of("universal-streaming-english"), c.query.get("speech_model"));
            assertEquals(List.of("{\"type\":\"Terminate\"}"), c.texts);
            List<Integer> sizes = c.messageSizes;
            for (int i = 0; i < sizes.size() - 1; i++) {
                assertEquals(960, sizes.get(i), "60 ms of 8 kHz mono per message");
            }
            assertTrue(sizes.get(sizes.size() - 1) >= 800, "the last message is padded to 50 ms");
        }
        // Which session carries which channel: the transcripts say (channel 0 = caller).
        byte[] got0 = h.assemblyai.conn(0).audioBytes();
        byte[] got1 = h.assemblyai.conn(1).audioBytes();
        byte[] left = channel(written, 0);
        byte[] right = channel(written, 1);
        boolean straight = Arrays.equals(Arrays.copyOf(got0, left.length), left);
        byte[] a = straight ? got0 : got1;
        byte[] b = straight ? got1 : got0;
        assertArrayEquals(left, Arrays.copyOf(a, left.length), "caller channel, in order");
        assertArrayEquals(right, Arrays.copyOf(b, right.length), "callee channel, in order");
        for (int i = left.length; i < a.length; i++) {
            assertEquals(0, a[i], "padding is silence");
        }

        List<JsonObject> lines = new String(h.store.objects.get(t.get().object()), StandardCharsets.UTF_8).lines()
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
        for (int ch = 0; ch < 2; ch++) {
            int channel = ch;
            List<JsonObject> finals = lines.stream().filter(o -> o.get("is_final").getAsBoolean()
                    && o.get("channel").getAsInt() == channel).toList();
            assertFalse(finals.isEmpty());
            assertEquals(0, finals.get(0).get("start_ms").getAsLong());
            assertEquals(channel == 0 ? "caller" : "callee", finals.get(0).get("speaker").getAsString());
        }
        Harness.await("turn events", Duration.ofSeconds(5), () -> !h.publisher.of("transcript.turn").isEmpty());
        assertEquals("assemblyai", h.publisher.of("transcript.turn").get(0).attributes().get("provider"));
        assertFalse(Files.exists(h.streams.resolve(UUID + ".r16")));
    }

    @Test
    void aWrongKeyIsRefusedOnceForBothChannels() throws Exception {
        h = new Harness(tmp);
        h.assemblyai.key = "not-this-one";
        h.start();
        h.park(UUID, "org7", "CA901", "RE901");
        h.streamToAi(UUID, "assemblyai");
        Harness.await("the refusal", Duration.ofSeconds(10), () -> h.logged("stream_auth_refused"));
        Thread.sleep(1000);
        assertTrue(h.assemblyai.refusals.size() <= 2 && h.assemblyai.refusals.stream().allMatch(r -> r.equals("401 auth")),
                h.assemblyai.refusals.toString());
        assertEquals(1, h.logLines().stream().filter(l -> l.contains("stream_auth_refused")).count());
        Harness.await("the tap stopped", Duration.ofSeconds(5), () -> !Files.exists(h.streams.resolve(UUID + ".r16")));
    }
}
