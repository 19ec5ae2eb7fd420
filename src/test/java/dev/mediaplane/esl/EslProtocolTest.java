package dev.mediaplane.esl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Framing, event decoding, fs_cli.conf and backoff, without sockets. */
@Timeout(10)
class EslProtocolTest {

    @TempDir Path tmp;

    private static EslFrameReader reader(String s, int max) {
        return new EslFrameReader(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), max);
    }

    /** An InputStream that returns one byte per read call, like a socket fed 1-byte segments. */
    private static InputStream trickle(byte[] b) {
        return new InputStream() {
            int i;

            @Override
            public int read() {
                return i < b.length ? b[i++] & 0xff : -1;
            }

            @Override
            public int read(byte[] buf, int off, int len) {
                if (len == 0) {
                    return 0;
                }
                if (i >= b.length) {
                    return -1;
                }
                buf[off] = b[i++];
                return 1;
            }
        };
    }

    @Test
    void readsConsecutiveFramesAndEndsCleanly() throws IOException {
        EslFrameReader r = reader("Content-Type: auth/request\n\n"
                + "Content-Type: api/response\nContent-Length: 6\n\n+OK hi"
                + "Content-Type: command/reply\r\nReply-Text: +OK accepted\r\n\r\n", 1024);
        assertEquals("auth/request", r.read().contentType());
        EslMessage api = r.read();
        assertEquals("+OK hi", api.bodyText());
        assertEquals("+OK accepted", r.read().header("reply-text"));
        assertNull(r.read());
    }

    @Test
    void reassemblesFramesDeliveredOneByteAtATime() throws IOException {
        String body = "Event-Name: RECORD_STOP\nContent-Length: 3\n\nabc";
        String frame = "Content-Length: " + body.length() + "\nContent-Type: text/event-plain\n\n" + body;
        EslFrameReader r = new EslFrameReader(trickle((frame + frame).getBytes(StandardCharsets.UTF_8)), 1024);
        for (int i = 0; i < 2; i++) {
            EslMessage m = r.read();
            assertEquals(body, m.bodyText());
            assertEquals("abc", EslEvent.parsePlain(m.body()).body());
        }
        assertNull(r.read());
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "-1", "12x", "99999999999", " ", "0x10"})
    void refusesContentLengthThatIsNotANumberOfBytes(String value) {
        EslException e = assertThrows(EslException.class,
                () -> reader("Content-Type: api/response\nContent-Length: " + value + "\n\nxyz", 1024).read());
        assertEquals(EslException.Kind.PROTOCOL, e.kind());
        assertTrue(e.getMessage().contains("Content-Length"), e.getMessage());
    }

    @Test
    void refusesContentLengthOverTheConfiguredMaximumWithoutAllocatingIt() {
        EslException e = assertThrows(EslException.class,
                () -> reader("Content-Type: text/event-plain\nContent-Length: 2000000000\n\n", 1 << 20).read());
        assertEquals(EslException.Kind.PROTOCOL, e.kind());
        assertTrue(e.getMessage().contains("2000000000") && e.getMessage().contains("1048576"), e.getMessage());
    }

    @Test
    void endOfStreamInsideABodyIsADisconnectNotAShortFrame() {
        EslException e = assertThrows(EslException.class,
                () -> reader("Content-Type: text/event-plain\nContent-Length: 100\n\nonly this", 1024).read());
        assertEquals(EslException.Kind.DISCONNECTED, e.kind());
        assertTrue(e.getMessage().contains("9 of 100"), e.getMessage());
    }

    @Test
    void headerLineWithoutColonIsAProtocolError() {
        EslException e = assertThrows(EslException.class, () -> reader("HTTP/1.1 200 OK\n\n", 1024).read());
        assertEquals(EslException.Kind.PROTOCOL, e.kind());
        assertTrue(e.getMessage().contains("HTTP/1.1 200 OK"), e.getMessage());
    }

    @Test
    void plainAndJsonSerialisationsOfOneEventDecodeToTheSameEvent() throws EslException {
        Map<String, String> h = FakeFreeSwitch.event("RECORD_STOP");
        h.put("Unique-ID", "b3c7e5a0-0000-4000-8000-000000000001");
        h.put("Record-File-Path", "/var/lib/mediaplane/recordings/2026/12/01/b3c7 +%&:;=?@ é 録音.wav");
        h.put("Variable_Note", "line one\nline two");
        String body = "nested body: with\n\nblank lines and ünïcode";
        EslEvent plain = EslEvent.parsePlain(FakeFreeSwitch.plain(h, body).getBytes(StandardCharsets.UTF_8));
        EslEvent json = EslEvent.parseJson(FakeFreeSwitch.json(h, body));
        assertEquals(plain, json);
        assertEquals(h.get("Record-File-Path"), plain.header("record-file-path"));
        assertEquals("line one\nline two", plain.header("Variable_Note"));
        assertEquals(body, plain.body());
        assertEquals("RECORD_STOP", plain.name());
    }

    @Test
    void plainEventWithoutBodyHasNullBodyAndKeepsUndefMarker() throws EslException {
        Map<String, String> h = FakeFreeSwitch.event("CHANNEL_CREATE");
        h.put("Caller-Caller-ID-Name", "");
        EslEvent e = EslEvent.parsePlain(FakeFreeSwitch.plain(h, null).getBytes(StandardCharsets.US_ASCII));
        assertNull(e.body());
        assertEquals("_undef_", e.header("Caller-Caller-ID-Name"));
        assertEquals("2026-12-01 10:00:00", e.header("Event-Date-Local"));
    }

    @Test
    void nestedContentLengthLongerThanTheBodyIsAProtocolError() {
        byte[] b = "Event-Name: BACKGROUND_JOB\nContent-Length: 50\n\nshort".getBytes(StandardCharsets.US_ASCII);
        assertEquals(EslException.Kind.PROTOCOL, assertThrows(EslException.class, () -> EslEvent.parsePlain(b)).kind());
    }

    @Test
    void jsonThatIsNotAnObjectIsAProtocolError() {
        assertEquals(EslException.Kind.PROTOCOL, assertThrows(EslException.class, () -> EslEvent.parseJson("[1]")).kind());
        assertEquals(EslException.Kind.PROTOCOL, assertThrows(EslException.class, () -> EslEvent.parseJson("{")).kind());
    }

    @Test
    void percentDecodingLeavesPlusAndLoneSignsAlone() {
        assertEquals("a+b %zz 100%", EslEvent.percentDecode("a+b %zz 100%"));
        assertEquals("é", EslEvent.percentDecode("%C3%A9"));
    }

    // fs_cli.conf

    private static final String MARKER = "S3cr3t-Marker-7f1e";

    @Test
    void readsTheFileBootWrites() throws IOException {
        Path f = tmp.resolve("fs_cli.conf");
        Files.writeString(f, "[default]\nhost => 10.0.0.7\nport => 8022\npassword => " + MARKER + "\n");
        EslCredentials c = EslCredentials.fromFsCliConf(f);
        assertEquals("10.0.0.7", c.host());
        assertEquals(8022, c.port());
        assertEquals(MARKER, c.password());
        assertNull(c.user());
        assertEquals("auth " + MARKER, c.authCommand());
        assertFalse(c.toString().contains(MARKER), c.toString());
    }

    @Test
    void readsProfilesCommentsUserAndFsCliDefaults() throws IOException {
        Path f = tmp.resolve("fs_cli.conf");
        Files.writeString(f, "# boot\n; also a comment\n[other]\npassword => x\n\n[ctl]\n  user = controller@mediaplane ;; who\n"
                + "password => " + MARKER + "\ndebug => 7\n");
        EslCredentials c = EslCredentials.fromFsCliConf(f, "ctl");
        assertEquals("127.0.0.1", c.host());
        assertEquals(8021, c.port());
        assertEquals("controller@mediaplane", c.user());
        assertEquals("userauth controller@mediaplane:" + MARKER, c.authCommand());
    }

    @Test
    void badPortNamesFileLineAndKey() throws IOException {
        Path f = tmp.resolve("fs_cli.conf");
        Files.writeString(f, "[default]\nhost => 10.0.0.7\nport => eighty\npassword => " + MARKER + "\n");
        IOException e = assertThrows(IOException.class, () -> EslCredentials.fromFsCliConf(f));
        assertTrue(e.getMessage().contains(f + ":3") && e.getMessage().contains("'port'")
                && e.getMessage().contains("'eighty'"), e.getMessage());
        assertFalse(e.getMessage().contains(MARKER));
    }

    @Test
    void portOutOfRangeNamesTheLine() throws IOException {
        Path f = tmp.resolve("fs_cli.conf");
        Files.writeString(f, "[default]\npassword => " + MARKER + "\nport => 70000\n");
        IOException e = assertThrows(IOException.class, () -> EslCredentials.fromFsCliConf(f));
        assertTrue(e.getMessage().contains(f + ":3") && e.getMessage().contains("70000"), e.getMessage());
    }

    @Test
    void missingPasswordIsAnErrorNotClueCon() throws IOException {
        Path f = tmp.resolve("fs_cli.conf");
        Files.writeString(f, "[default]\nhost => 10.0.0.7\n");
        IOException e = assertThrows(IOException.class, () -> EslCredentials.fromFsCliConf(f));
        assertTrue(e.getMessage().contains("'password'") && e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void missingProfileListsTheOnesFound() throws IOException {
        Path f = tmp.resolve("fs_cli.conf");
        Files.writeString(f, "[other]\npassword => " + MARKER + "\n");
        IOException e = assertThrows(IOException.class, () -> EslCredentials.fromFsCliConf(f));
        assertTrue(e.getMessage().contains("[default]") && e.getMessage().contains("other"), e.getMessage());
    }

    @Test
    void lineWithoutArrowNamesTheLineButNotItsValue() throws IOException {
        Path f = tmp.resolve("fs_cli.conf");
        Files.writeString(f, "[default]\n" + MARKER + "\n");
        IOException e = assertThrows(IOException.class, () -> EslCredentials.fromFsCliConf(f));
        assertTrue(e.getMessage().contains(f + ":2"), e.getMessage());
        assertFalse(e.getMessage().contains(MARKER), e.getMessage());
    }

    @Test
    void missingFileNamesIt() {
        Path f = tmp.resolve("absent.conf");
        IOException e = assertThrows(IOException.class, () -> EslCredentials.fromFsCliConf(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void credentialsRefuseValuesThatWouldBreakTheProtocol() {
        assertThrows(IllegalArgumentException.class, () -> EslCredentials.password("h", 8021, "a\nb"));
        assertThrows(IllegalArgumentException.class, () -> EslCredentials.userauth("h", 8021, "nodomain", "p"));
        assertThrows(IllegalArgumentException.class, () -> EslCredentials.userauth("h", 8021, "a:b@d", "p"));
        assertThrows(IllegalArgumentException.class, () -> EslCredentials.password("h", 0, "p"));
    }

    // backoff

    @Test
    void backoffDoublesUpToTheCapAndJitterOnlyShortens() {
        EslClient.Backoff b = new EslClient.Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.5, Duration.ofSeconds(30));
        assertEquals(Duration.ofMillis(100), b.delay(1, 0));
        assertEquals(Duration.ofMillis(200), b.delay(2, 0));
        assertEquals(Duration.ofMillis(800), b.delay(4, 0));
        assertEquals(Duration.ofSeconds(1), b.delay(5, 0));
        assertEquals(Duration.ofSeconds(1), b.delay(1000, 0));
        assertEquals(Duration.ofMillis(500), b.delay(1000, 1.0));
        assertEquals(Duration.ofMillis(150), b.delay(2, 0.5));
        assertThrows(IllegalArgumentException.class,
                () -> new EslClient.Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 0.5, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class,
                () -> new EslClient.Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2), 1.5, Duration.ofSeconds(1)));
    }

    @Test
    void messageBodyIsCopiedOut() throws IOException {
        EslMessage m = reader("Content-Type: api/response\nContent-Length: 2\n\nok", 1024).read();
        byte[] b = m.body();
        b[0] = 'X';
        assertArrayEquals("ok".getBytes(StandardCharsets.US_ASCII), m.body());
    }
}
