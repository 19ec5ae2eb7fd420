package dev.mediaplane.agent.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Control values, bad settings and bad key files: clear errors, no stream, no key in any line. */
@Timeout(30)
class ControlTest {
    static final String UUID = "cccc0000-1111-4222-8333-444455556666";

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
    void anUnknownProviderIsRejectedNamingTheValueAndWhatIsAllowed() throws Exception {
        h = new Harness(tmp).start();
        h.park(UUID, "org1", "CA1", "RE1");
        h.streamToAi(UUID, "watson");
        Harness.await("the rejection", Duration.ofSeconds(5), () -> h.logged("stream_rejected"));
        String line = h.logLines().stream().filter(l -> l.contains("stream_rejected")).findFirst().orElseThrow();
        assertTrue(line.contains("'watson'") && line.contains("deepgram, assemblyai, on, off"), line);
        // No stream ran for that recording: the manifest's wait ends at once, not at its bound.
        long t0 = System.nanoTime();
        assertTrue(h.bridge.awaitTranscript("CA1", "RE1", Duration.ofSeconds(30)).isEmpty());
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "awaitTranscript waited for a call that had no stream");
        h.streamToAi(UUID, "on");
        Harness.await("no default", Duration.ofSeconds(5),
                () -> h.logLines().stream().anyMatch(l -> l.contains("names no default provider")));
        assertTrue(h.commands.isEmpty(), "no tap was started: " + h.commands);
    }

    @Test
    void onUsesTheStacksProviderAndOffStopsTheTap() throws Exception {
        h = new Harness(tmp);
        h.settings = h.settings.withDefaultProvider(Provider.DEEPGRAM);
        h.start();
        h.park(UUID, "org1", "CA1", "RE1");
        h.streamToAi(UUID, "on");
        Harness.await("the session", Duration.ofSeconds(10), () -> !h.deepgram.conns.isEmpty()
                && h.deepgram.conn(0).audioBytes().length > 3200);
        h.streamToAi(UUID, null); // uuid_setvar <uuid> mp_stream_to_ai: unset
        Harness.await("the stop", Duration.ofSeconds(10), () -> h.logged("stream_stopped"));
        assertTrue(h.commands.contains("uuid_record " + UUID + " stop " + h.streams.resolve(UUID + ".r16")));
        assertFalse(Files.exists(h.streams.resolve(UUID + ".r16")));
        assertEquals(h.taps.get(UUID).bytes().length, h.deepgram.conn(0).audioBytes().length,
                "the stop drained what FreeSWITCH flushed at close");
        h.hangup(UUID);
        assertTrue(h.bridge.awaitTranscript("CA1", "RE1", Duration.ofSeconds(10)).isPresent());
    }

    @Test
    void aKeyFileWithSpacesOrMissingIsReportedWithoutItsContent() throws Exception {
        h = new Harness(tmp);
        Files.writeString(h.secrets.resolve("deepgram-api-key"), Harness.DG_KEY + " " + Harness.DG_KEY);
        Files.delete(h.secrets.resolve("assemblyai-api-key"));
        h.start();
        h.park(UUID, "org1", "CA1", "RE1");
        h.streamToAi(UUID, "deepgram");
        h.streamToAi(UUID, "assemblyai");
        Harness.await("two failures", Duration.ofSeconds(5),
                () -> h.logLines().stream().filter(l -> l.contains("stream_start_failed")).count() == 2);
        assertTrue(h.logLines().stream().anyMatch(l -> l.contains("content is not shown")));
        assertTrue(h.logLines().stream().anyMatch(l -> l.contains("assemblyai-api-key") && l.contains("missing")));
        assertTrue(h.deepgram.conns.isEmpty() && h.assemblyai.conns.isEmpty());
    }

    @Test
    void settingsRefuseWhatTheProvidersWouldNot() {
        BridgeSettings d = BridgeSettings.defaults();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BridgeSettings.AssemblyAi(URI.create("wss://x/v3/ws"), "universal-streaming-english", 20, false));
        assertEquals("bridge.assemblyai.messageMillis must be 50..1000 (the service's bounds), got 20", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> d.withEndpoints(URI.create("ws://127.0.0.1:1/v1/listen"),
                d.assemblyAi().base(), null));
        assertTrue(e.getMessage().startsWith("bridge.deepgram.base must be a wss:// URL"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BridgeSettings.Deepgram(d.deepgram().base(), "nova-3",
                java.util.Map.of("channels", "1"), 20));
        assertTrue(e.getMessage().contains("got 'channels'"), e.getMessage());
        assertEquals(640, d.frameBytes());
    }

    @Test
    void withoutATestTrustStoreTheSelfSignedStandInIsRefused() throws Exception {
        h = new Harness(tmp);
        h.settings = h.settings.withEndpoints(h.deepgram.base(), h.assemblyai.base(), null); // the JDK's trust store
        h.start();
        h.park(UUID, "org1", "CA1", "RE1");
        h.streamToAi(UUID, "deepgram");
        Harness.await("a TLS failure", Duration.ofSeconds(10), () -> h.logLines().stream()
                .anyMatch(l -> l.contains("stream_reconnecting") && l.contains("SSLHandshakeException")));
        assertTrue(h.deepgram.conns.isEmpty(), "no websocket over an unverified certificate");
        h.hangup(UUID);
        assertTrue(h.bridge.awaitTranscript("CA1", "RE1", Duration.ofSeconds(15)).isPresent());
        // The transcript is handed over before the end of the stream is logged: wait for the line, bounded.
        Harness.await("the close deadline ending the stream (stream_failed)", Duration.ofSeconds(15),
                () -> h.logged("stream_failed"));
    }
}
