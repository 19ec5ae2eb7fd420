package dev.mediaplane.agent.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** The agent restarts mid-call: the new one picks the stream up from the tap's current end. */
@Timeout(60)
class RestartTest {

    static final String UUID = "bbbb0000-1111-4222-8333-444455556666";

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
    void aRestartedAgentResumesFromTheFilesEndAndCountsWhatItMissed() throws Exception {
        h = new Harness(tmp).start();
        h.park(UUID, "org1", "CA1", "RE1");
        h.streamToAi(UUID, "deepgram");
        Harness.await("1.2 s streamed", Duration.ofSeconds(10), () -> !h.deepgram.conns.isEmpty()
                && h.deepgram.conn(0).audioBytes().length >= 32 * 1200);
        // The agent goes away (a crash looks the same to FreeSWITCH: the tap keeps growing).
        h.bridge.close();
        h.esl.close();
        Thread.sleep(700);
        assertTrue(Files.exists(h.streams.resolve(UUID + ".json")), "the state file outlives the agent");
        h.bridge = new StreamBridge(h.settings, cmd -> h.esl.api(cmd), h.store, h.publisher, h.log, h.observer);
        h.connectEsl();
        long before = Files.size(h.streams.resolve(UUID + ".r16"));
        assertEquals(1, h.bridge.resume());
        Harness.await("the resumed session", Duration.ofSeconds(10), () -> h.deepgram.conns.size() == 2
                && h.deepgram.conn(1).audioBytes().length > 32 * 500);
        h.hangup(UUID);
        Optional<StreamBridge.StoredTranscript> t = h.bridge.awaitTranscript("CA1", "RE1", Duration.ofSeconds(10));
        assertTrue(t.isPresent(), () -> String.join("\n", h.logLines()));

        byte[] written = h.taps.get(UUID).bytes();
        byte[] second = h.deepgram.conn(1).audioBytes();
        int resumedAt = written.length - second.length;
        assertTrue(resumedAt >= before - before % 4 && resumedAt <= before + 32 * 200,
                "resumed at the file's end (" + before + "), got " + resumedAt);
        assertArrayEquals(Arrays.copyOfRange(written, resumedAt, written.length), second);
        assertTrue(h.logged("stream_resumed") && h.logged("stream_detached"));
        // Lost: from the last final the first agent wrote down to where the second one started.
        long lost = h.observer.get("lost.restart");
        assertTrue(lost > 0 && lost % 4 == 0 && lost >= resumedAt - 32 * 1500 - 32 * 200, "lost " + lost);
        List<JsonObject> finals = new String(h.store.objects.get(t.get().object()), StandardCharsets.UTF_8).lines()
                .map(l -> JsonParser.parseString(l).getAsJsonObject())
                .filter(o -> o.get("is_final").getAsBoolean() && o.get("channel").getAsInt() == 0).toList();
        assertEquals(0, finals.get(0).get("start_ms").getAsLong(), "the first agent's lines are in the same transcript");
        assertEquals(written.length / 32, finals.get(finals.size() - 1).get("end_ms").getAsLong(),
                "the second agent's results are in stream time");
    }

    @Test
    void aCallThatEndedWhileNoAgentRanGetsItsTranscriptUploaded() throws Exception {
        h = new Harness(tmp).start();
        h.park(UUID, "org1", "CA2", "RE2");
        h.streamToAi(UUID, "deepgram");
        Harness.await("1.2 s streamed", Duration.ofSeconds(10), () -> !h.deepgram.conns.isEmpty()
                && h.deepgram.conn(0).audioBytes().length >= 32 * 1200);
        h.bridge.close();
        h.esl.close();
        h.up.put(UUID, false);
        h.taps.get(UUID).stop();
        h.bridge = new StreamBridge(h.settings, cmd -> h.esl.api(cmd), h.store, h.publisher, h.log, h.observer);
        h.connectEsl();
        assertEquals(0, h.bridge.resume());
        assertTrue(h.bridge.awaitTranscript("CA2", "RE2", Duration.ofSeconds(10)).isPresent());
        assertTrue(h.logged("stream_abandoned"));
        assertEquals(1, h.observer.get("ended.abandoned"));
        assertTrue(!Files.exists(h.streams.resolve(UUID + ".r16")) && !Files.exists(h.streams.resolve(UUID + ".json")));
    }
}
