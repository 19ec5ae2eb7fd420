package dev.mediaplane.esl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client against {@link FakeFreeSwitch} on 127.0.0.1, over real sockets. */
@Timeout(30)
class EslClientTest {

    private static final String MARKER = "Pw-Marker-9c41d0";
    private static final EslConnection.Settings FAST =
            new EslConnection.Settings(Duration.ofSeconds(3), Duration.ofSeconds(5), EslFrameReader.DEFAULT_MAX_BODY_BYTES);

    private FakeFreeSwitch fs;
    private final List<String> logs = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            StringWriter w = new StringWriter();
            if (r.getThrown() != null) {
                r.getThrown().printStackTrace(new PrintWriter(w));
            }
            logs.add(r.getLevel() + " " + r.getMessage() + " " + w);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private final Logger eslLogger = Logger.getLogger("dev.mediaplane.esl");
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void start() throws Exception {
        fs = new FakeFreeSwitch(MARKER);
        eslLogger.setLevel(Level.ALL);
        eslLogger.addHandler(capture);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        fs.close();
        eslLogger.removeHandler(capture);
        for (String l : logs) {
            assertFalse(l.contains(MARKER), "a log line contains the password: " + l);
        }
    }

    private EslCredentials creds() {
        return EslCredentials.password("127.0.0.1", fs.port(), MARKER);
    }

    /** Records each backoff and waits at most 20 ms of it, so reconnect tests run fast but never spin. */
    private EslClient.Timing fakeTiming() {
        return new EslClient.Timing(d -> {
            sleeps.add(d);
            Thread.sleep(Math.min(20, d.toMillis()));
        }, () -> 0.0, System::nanoTime);
    }

    private EslClient client(EslClient.Subscription sub, EslClient.EventListener l, EslClient.Options o) {
        EslClient c = new EslClient(creds(), sub, l, o.withConnection(FAST), fakeTiming());
        toClose.add(c);
        return c;
    }

    /** The failures the client reports, of one state only when {@code state} is set. */
    private static BlockingQueue<EslException> causes(EslClient c, EslClient.State state) {
        BlockingQueue<EslException> causes = new LinkedBlockingQueue<>();
        c.addStateListener((st, cause) -> {
            if (cause != null && (state == null || st == state)) {
                causes.add(cause);
            }
        });
        return causes;
    }

    private static EslClient.Subscription plain() {
        return EslClient.Subscription.of(EslConnection.Format.PLAIN, "RECORD_STOP", "CHANNEL_HANGUP_COMPLETE",
                "CHANNEL_CREATE", "CHANNEL_DESTROY");
    }

    private static final class Collecting implements EslClient.EventListener {
        final BlockingQueue<EslEvent> events = new LinkedBlockingQueue<>();
        final List<EslEvent> lost = new CopyOnWriteArrayList<>();

        @Override
        public void onEvent(EslEvent e) {
            events.add(e);
        }

        @Override
        public void lost(EslEvent e) {
            lost.add(e);
        }

        EslEvent next() throws InterruptedException {
            EslEvent e = events.poll(10, TimeUnit.SECONDS);
            assertNotNull(e, "no event within 10 s");
            return e;
        }
    }

    private static Map<String, String> recordStop(String uuid, String path) {
        Map<String, String> h = FakeFreeSwitch.event("RECORD_STOP");
        h.put("Unique-ID", uuid);
        h.put("Record-File-Path", path);
        return h;
    }

    @Test
    void passwordLoginApiAndPlainEvents() throws Exception {
        Collecting l = new Collecting();
        EslClient c = client(plain(), l, EslClient.Options.defaults()).start();
        FakeFreeSwitch.Session s = fs.nextSession();
        assertTrue(c.awaitConnected(Duration.ofSeconds(10)));
        assertTrue(s.awaitSubscribed());
        assertEquals("auth " + MARKER, s.commands.get(0));
        assertEquals("event plain RECORD_STOP CHANNEL_HANGUP_COMPLETE CHANNEL_CREATE CHANNEL_DESTROY BACKGROUND_JOB",
                s.commands.get(1));
        fs.api = cmd -> cmd.equals("status") ? "UP 0 years, 0 days\nready\n" : "-ERR " + cmd + " Command not found!\n";
        assertEquals("UP 0 years, 0 days\nready\n", c.api("status"));
        assertEquals("-ERR nope Command not found!\n", c.api("nope"));

        s.sendEvent(recordStop("u-1", "/rec/a b.wav"), null);
        s.sendEvent(FakeFreeSwitch.event("CHANNEL_PARK"), null); // not subscribed: FreeSWITCH would not send it
        Map<String, String> hang = FakeFreeSwitch.event("CHANNEL_HANGUP_COMPLETE");
        hang.put("Hangup-Cause", "NORMAL_CLEARING");
        s.sendEvent(hang, null);
        EslEvent e1 = l.next();
        assertEquals("RECORD_STOP", e1.name());
        assertEquals("/rec/a b.wav", e1.header("Record-File-Path"));
        EslEvent e2 = l.next();
        assertEquals("NORMAL_CLEARING", e2.header("Hangup-Cause"));
        assertEquals(EslClient.State.CONNECTED, c.state());
    }

    @Test
    void userauthLoginAndJsonEventsWithBodies() throws Exception {
        fs.users.put("controller@mediaplane", MARKER);
        Collecting l = new Collecting();
        EslClient c = new EslClient(EslCredentials.userauth("127.0.0.1", fs.port(), "controller@mediaplane", MARKER),
                EslClient.Subscription.of(EslConnection.Format.JSON, "RECORD_STOP"), l,
                EslClient.Options.defaults().withConnection(FAST), fakeTiming());
        toClose.add(c);
        c.start();
        FakeFreeSwitch.Session s = fs.nextSession();
        assertTrue(c.awaitConnected(Duration.ofSeconds(10)));
        assertEquals("userauth controller@mediaplane:" + MARKER, s.commands.get(0));
        assertTrue(s.awaitSubscribed());
        assertEquals("json", s.format);
        Map<String, String> h = recordStop("u-2", "/rec/ü \"quoted\" {x}.wav");
        s.sendEvent(h, "body with \"quotes\"\nand lines");
        EslEvent e = l.next();
        assertEquals(h.get("Record-File-Path"), e.header("Record-File-Path"));
        assertEquals("body with \"quotes\"\nand lines", e.body());
    }

    @Test
    void bgapiResultArrivesThroughBackgroundJob() throws Exception {
        fs.api = cmd -> "+OK result of " + cmd + "\n";
        EslClient c = client(plain(), new Collecting(), EslClient.Options.defaults()).start();
        assertTrue(c.awaitConnected(Duration.ofSeconds(10)));
        EslConnection.BackgroundJob job = c.bgapi("originate sofia/x &park");
        assertEquals("+OK result of originate sofia/x &park\n", job.result().get(10, TimeUnit.SECONDS));
        FakeFreeSwitch.Session s = fs.sessions.peek();
        assertTrue(s.commands.stream().anyMatch(x -> x.equals("bgapi originate sofia/x &park")), s.commands.toString());
        assertEquals(36, job.jobUuid().length());
    }

    @Test
    void wrongPasswordIsAClearErrorAndBacksOffInsteadOfStorming() throws Exception {
        fs.password = "something-else";
        EslException e = assertThrows(EslException.class, () -> EslConnection.open(creds(), FAST, ev -> {}));
        assertEquals(EslException.Kind.AUTH_REJECTED, e.kind());
        assertTrue(e.getMessage().contains("-ERR invalid"), e.getMessage());
        assertFalse(e.getMessage().contains(MARKER));

        EslClient c = new EslClient(creds(), plain(), new Collecting(), EslClient.Options.defaults().withConnection(FAST)
                .withBackoff(new EslClient.Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), 0.5, Duration.ofSeconds(30))),
                fakeTiming());
        toClose.add(c);
        BlockingQueue<EslException> causes = causes(c, EslClient.State.REFUSED);
        c.start();
        for (int i = 0; i < 6; i++) {
            assertEquals(EslException.Kind.AUTH_REJECTED, causes.poll(10, TimeUnit.SECONDS).kind());
        }
        c.close();
        List<Duration> s = List.copyOf(sleeps);
        assertTrue(s.size() >= 5, s.toString());
        assertEquals(List.of(100L, 200L, 400L, 800L, 1600L), s.subList(0, 5).stream().map(Duration::toMillis).toList());
        assertTrue(logs.stream().anyMatch(x -> x.contains("-ERR invalid")), logs.toString());
    }

    @Test
    void aclRefusalIsReportedAsRudeRejection() throws Exception {
        fs.aclReject = true;
        EslException e = assertThrows(EslException.class, () -> EslConnection.open(creds(), FAST, ev -> {}));
        assertEquals(EslException.Kind.ACL_REJECTED, e.kind());
        assertTrue(e.getMessage().contains("Access Denied, go away."), e.getMessage());
    }

    @Test
    void everythingSplitIntoOneByteWrites() throws Exception {
        fs.chunk = 1;
        Collecting l = new Collecting();
        EslClient c = client(plain(), l, EslClient.Options.defaults()).start();
        assertTrue(c.awaitConnected(Duration.ofSeconds(10)));
        FakeFreeSwitch.Session s = fs.nextSession();
        fs.api = cmd -> "+OK é " + cmd + "\n";
        assertEquals("+OK é version\n", c.api("version"));
        for (int i = 0; i < 3; i++) {
            s.sendEvent(recordStop("u-" + i, "/rec/" + i + " ü.wav"), "body " + i);
        }
        for (int i = 0; i < 3; i++) {
            EslEvent e = l.next();
            assertEquals("u-" + i, e.header("Unique-ID"));
            assertEquals("/rec/" + i + " ü.wav", e.header("Record-File-Path"));
            assertEquals("body " + i, e.body());
        }
    }

    @Test
    void fiveMegabyteEventArrivesWhole() throws Exception {
        Collecting l = new Collecting();
        EslClient c = client(plain(), l, EslClient.Options.defaults()).start();
        assertTrue(c.awaitConnected(Duration.ofSeconds(10)));
        FakeFreeSwitch.Session s = fs.nextSession();
        StringBuilder big = new StringBuilder(5 << 20);
        while (big.length() < (5 << 20)) {
            big.append("line ").append(big.length()).append(" é\n");
        }
        s.sendEvent(recordStop("u-big", "/rec/big.wav"), big.toString());
        EslEvent e = l.next();
        assertEquals(big.toString(), e.body());
        assertEquals("u-big", e.header("Unique-ID"));
    }

    @Test
    void eventOverTheFrameLimitIsAProtocolErrorThenAReconnect() throws Exception {
        Collecting l = new Collecting();
        EslClient c = new EslClient(creds(), plain(), l, EslClient.Options.defaults()
                .withConnection(new EslConnection.Settings(Duration.ofSeconds(3), Duration.ofSeconds(5), 64 * 1024)), fakeTiming());
        toClose.add(c);
        BlockingQueue<EslException> causes = causes(c, null);
        c.start();
        FakeFreeSwitch.Session s = fs.nextSession();
        assertTrue(s.awaitSubscribed());
        s.sendEvent(recordStop("u-huge", "/rec/h.wav"), "x".repeat(100_000));
        EslException cause = causes.poll(10, TimeUnit.SECONDS);
        assertEquals(EslException.Kind.PROTOCOL, cause.kind());
        assertTrue(cause.getMessage().contains("65536"), cause.getMessage());
        FakeFreeSwitch.Session again = fs.nextSession();
        assertTrue(again.awaitSubscribed());
        again.sendEvent(recordStop("u-after", "/rec/ok.wav"), null);
        assertEquals("u-after", l.next().header("Unique-ID"));
    }

    @Test
    void connectionCutMidEventReconnectsResubscribesAndDeliversEachEventOnce() throws Exception {
        Collecting l = new Collecting();
        EslClient c = client(plain(), l, EslClient.Options.defaults()).start();
        FakeFreeSwitch.Session s = fs.nextSession();
        assertTrue(s.awaitSubscribed());
        s.sendEvent(recordStop("u-1", "/rec/1.wav"), "one");
        byte[] second = FakeFreeSwitch.Session.frame(recordStop("u-2", "/rec/2.wav"), "two", "plain");
        assertEquals("u-1", l.next().header("Unique-ID"));
        s.sendPartialThenDrop(second, second.length - 10);

        FakeFreeSwitch.Session s2 = fs.nextSession();
        assertTrue(s2.awaitSubscribed(), "no resubscription after the reconnect");
        assertEquals(List.of("auth " + MARKER,
                "event plain RECORD_STOP CHANNEL_HANGUP_COMPLETE CHANNEL_CREATE CHANNEL_DESTROY BACKGROUND_JOB"),
                s2.commands.subList(0, 2));
        assertTrue(c.awaitConnected(Duration.ofSeconds(10)));
        s2.send(second); // as if the event had been queued again; the cut copy must not also appear
        s2.sendEvent(recordStop("u-3", "/rec/3.wav"), "three");
        EslEvent e2 = l.next();
        assertEquals("u-2", e2.header("Unique-ID"));
        assertEquals("two", e2.body());
        EslEvent e3 = l.next();
        assertEquals("three", e3.body());
        c.api("status"); // orders after every event sent before it: nothing else is in flight
        Thread.sleep(50);
        assertTrue(l.events.isEmpty(), "extra events: " + l.events);
        assertEquals(2, c.stats().connects());
    }

    @Test
    void slowListenerDropsDroppableEventsAndKeepsMustDeliverOnes() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<EslEvent> got = new CopyOnWriteArrayList<>();
        EslClient.EventListener slow = e -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            got.add(e);
        };
        EslClient c = client(plain(), slow, EslClient.Options.defaults().withQueue(10, 5, Duration.ofSeconds(5))).start();
        assertTrue(c.awaitConnected(Duration.ofSeconds(10)));
        FakeFreeSwitch.Session s = fs.nextSession();
        s.sendEvent(FakeFreeSwitch.event("CHANNEL_CREATE"), null); // the listener takes it and blocks
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        for (int i = 0; i < 20; i++) {
            s.sendEvent(FakeFreeSwitch.event("CHANNEL_DESTROY"), null);
        }
        for (int i = 0; i < 5; i++) {
            s.sendEvent(recordStop("keep-" + i, "/rec/k" + i + ".wav"), null);
        }
        long t0 = System.nanoTime();
        c.api("status"); // answered only after the reader took all 26 events
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "the reader stalled on droppable events");
        EslClient.Stats st = c.stats();
        assertEquals(15, st.dropped(), st.toString()); // 5 droppable fit while 5 slots stay reserved
        assertEquals(0, st.lost());
        release.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (got.size() < 11 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(11, got.size());
        assertEquals(List.of("keep-0", "keep-1", "keep-2", "keep-3", "keep-4"),
                got.stream().filter(e -> e.name().equals("RECORD_STOP")).map(e -> e.header("Unique-ID")).toList());
        assertTrue(logs.stream().anyMatch(x -> x.contains("dropped")), logs.toString());
    }

    @Test
    void mustDeliverOverflowWaitsOnceThenIsCountedLoggedAndReported() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Collecting after = new Collecting();
        EslClient.EventListener stuck = new EslClient.EventListener() {
            @Override
            public void onEvent(EslEvent e) {
                try {
                    release.await();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
                after.onEvent(e);
            }

            @Override
            public void lost(EslEvent e) {
                after.lost(e);
            }
        };
        EslClient c = client(plain(), stuck, EslClient.Options.defaults().withQueue(4, 1, Duration.ofMillis(300))).start();
        assertTrue(c.awaitConnected(Duration.ofSeconds(10)));
        FakeFreeSwitch.Session s = fs.nextSession();
        for (int i = 0; i < 10; i++) { // 1 in the listener, 4 queued, 5 over
            s.sendEvent(recordStop("r-" + i, "/rec/" + i + ".wav"), null);
        }
        long t0 = System.nanoTime();
        c.api("status");
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(waited < 2000, "the reader stalled " + waited + " ms for 5 overflowing events; the bound is 300 ms once");
        EslClient.Stats st = c.stats();
        assertEquals(5, st.lost(), st.toString());
        // Five waits of 300 ms would also pass the timing bound above; the count cannot. A second wait
        // happens only when r-4 arrived before the listener took r-0 (and then got its slot).
        assertTrue(st.backPressureWaits() >= 1 && st.backPressureWaits() <= 2, "waited once per event, not once: " + st);
        assertEquals(List.of("r-5", "r-6", "r-7", "r-8", "r-9"), after.lost.stream().map(e -> e.header("Unique-ID")).toList());
        assertTrue(logs.stream().anyMatch(x -> x.startsWith("SEVERE") && x.contains("r-5") && x.contains("/rec/5.wav")), logs.toString());
        release.countDown();
        for (int i = 0; i < 5; i++) {
            assertEquals("r-" + i, after.next().header("Unique-ID"));
        }
    }

    @Test
    void disconnectNoticeThenCloseIsReportedAndReconnects() throws Exception {
        EslClient c = client(plain(), new Collecting(), EslClient.Options.defaults());
        BlockingQueue<EslException> causes = causes(c, EslClient.State.DISCONNECTED);
        c.start();
        FakeFreeSwitch.Session s = fs.nextSession();
        assertTrue(s.awaitSubscribed());
        s.sendDisconnect();
        s.closeGracefully();
        EslException cause = causes.poll(10, TimeUnit.SECONDS);
        assertEquals(EslException.Kind.DISCONNECTED, cause.kind());
        assertTrue(cause.getMessage().contains("Disconnected, goodbye."), cause.getMessage());
        assertTrue(fs.nextSession().awaitSubscribed());
    }

    @Test
    void malformedContentLengthIsAClearErrorAndAReconnectNotAHang() throws Exception {
        EslClient c = client(plain(), new Collecting(), EslClient.Options.defaults());
        BlockingQueue<EslException> causes = causes(c, null);
        c.start();
        FakeFreeSwitch.Session s = fs.nextSession();
        assertTrue(s.awaitSubscribed());
        s.send("Content-Length: 12abc\nContent-Type: text/event-plain\n\nEvent-Name: X\n\n");
        EslException cause = causes.poll(10, TimeUnit.SECONDS);
        assertEquals(EslException.Kind.PROTOCOL, cause.kind());
        assertTrue(cause.getMessage().contains("'12abc'"), cause.getMessage());
        assertTrue(fs.nextSession().awaitSubscribed());
        assertTrue(c.awaitConnected(Duration.ofSeconds(10)));
        assertEquals("+OK status\n", c.api("status"));
    }

    @Test
    void apiWhileDisconnectedFailsFastAndCloseStopsReconnecting() throws Exception {
        fs.close();
        EslClient c = client(plain(), new Collecting(), EslClient.Options.defaults()).start();
        EslException e = assertThrows(EslException.class, () -> c.api("status"));
        assertEquals(EslException.Kind.NOT_CONNECTED, e.kind());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (sleeps.size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        c.close();
        int n = sleeps.size();
        Thread.sleep(200);
        assertEquals(n, sleeps.size(), "still reconnecting after close()");
        assertEquals(EslClient.State.CLOSED, c.state());
        fs = new FakeFreeSwitch(MARKER); // for stop()
    }

    @Test
    void oneShotConnectionForTheCliRunsApiAndExits() throws Exception {
        try (EslConnection c = EslConnection.open(creds(), FAST, ev -> {})) {
            assertEquals("+OK show calls count\n", c.api("show calls count"));
        }
        FakeFreeSwitch.Session s = fs.nextSession();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!s.commands.contains("exit") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of("auth " + MARKER, "api show calls count", "exit"), s.commands);
    }

    @Test
    void commandsWithEmbeddedEmptyLinesAreRefused() throws Exception {
        try (EslConnection c = EslConnection.open(creds(), FAST, ev -> {})) {
            assertThrows(IllegalArgumentException.class, () -> c.api("status\n\nauth x"));
            assertThrows(IllegalArgumentException.class, () -> c.api("status\r"));
        }
    }
}
