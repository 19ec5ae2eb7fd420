package dev.mediaplane.ops.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.esl.EslConnection;
import dev.mediaplane.esl.EslCredentials;
import dev.mediaplane.esl.EslException;
import dev.mediaplane.esl.FakeFreeSwitchAccess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Drain} against the ESL tests' own FakeFreeSwitch: userauth, -ERR invalid, a session reset mid-drain. */
class DrainOverFakeFreeSwitchTest {

    static final String PW = "MARKER-operator-3b4c5d";

    FakeFreeSwitchAccess fs;
    final AtomicBoolean paused = new AtomicBoolean();
    final AtomicInteger channels = new AtomicInteger();
    final AtomicInteger counts = new AtomicInteger();
    volatile int killAtCount = -1;

    @BeforeEach
    void setUp() throws Exception {
        fs = new FakeFreeSwitchAccess("MARKER-admin-never-used").user("operator@mediaplane", PW);
        fs.api(cmd -> switch (cmd) {
            case "fsctl pause inbound" -> {
                paused.set(true);
                yield "+OK\n";
            }
            case "fsctl pause_check inbound" -> paused.get() ? "true" : "false";
            case "show channels count" -> {
                if (counts.incrementAndGet() == killAtCount) {
                    new Thread(() -> {
                        try {
                            fs.killSessions();
                        } catch (InterruptedException ignored) {
                            // test over
                        }
                    }).start();
                }
                int n = Math.max(0, channels.getAndDecrement());
                yield "\n" + n + " total.\n";
            }
            case "show calls count" -> "\n" + Math.max(0, channels.get()) / 2 + " total.\n";
            default -> "-ERR " + cmd + " Command not found!\n";
        });
    }

    @AfterEach
    void tearDown() throws Exception {
        fs.close();
    }

    private Drain drain(String password, Duration timeout) {
        return new Drain(EslCredentials.userauth("127.0.0.1", fs.port(), "operator@mediaplane", password),
                new Drain.Settings(timeout, Duration.ofMillis(20), EslConnection.Settings.defaults()), System::nanoTime,
                d -> Thread.sleep(d.toMillis()));
    }

    @Test
    void drainsWithUserauthAndCountsDown() throws Exception {
        channels.set(3);
        List<Integer> seen = new ArrayList<>();
        Drain.Result r = drain(PW, Duration.ofSeconds(10)).run((ch, calls, e, t) -> seen.add(ch));
        assertEquals(Drain.Outcome.DRAINED, r.outcome());
        assertEquals(3, r.channelsAtStart(), "the first count comes before the pause");
        assertEquals(List.of(2, 1, 0), seen);
        List<String> cmds = fs.nextSessionCommands();
        assertEquals("userauth operator@mediaplane:" + PW, cmds.get(0));
        assertEquals(List.of("api show channels count", "api fsctl pause inbound", "api fsctl pause_check inbound"), cmds.subList(1, 4));
    }

    @Test
    void aWrongPasswordIsAuthRejectedAndNothingIsPaused() {
        EslException e = assertThrows(EslException.class, () -> drain("MARKER-wrong-000000", Duration.ofSeconds(5)).run((a, b, c, d) -> { }));
        assertEquals(EslException.Kind.AUTH_REJECTED, e.kind());
        assertTrue(e.getMessage().contains("(-ERR invalid)"), e.getMessage());
        assertFalse(e.getMessage().contains("MARKER"), e.getMessage());
        assertFalse(paused.get());
    }

    @Test
    void aSessionResetMidDrainIsReopenedAndThePauseReadAgain() throws Exception {
        channels.set(40);
        killAtCount = 3;
        List<String> steps = new ArrayList<>();
        Drain.Result r = drain(PW, Duration.ofSeconds(20)).run(new Drain.Listener() {
            @Override
            public void counted(int ch, int calls, Duration elapsed, Duration timeout) {}

            @Override
            public void step(String line) {
                steps.add(line);
            }
        });
        assertEquals(Drain.Outcome.DRAINED, r.outcome(), r.toString());
        assertTrue(r.reconnects() >= 1, r.toString());
        assertTrue(steps.stream().anyMatch(s -> s.startsWith("lost ESL to 127.0.0.1:" + fs.port())), steps.toString());
        assertTrue(steps.stream().anyMatch(s -> s.endsWith("inbound still paused")), steps.toString());
        assertTrue(fs.accepted() >= 2);
    }

    @Test
    void theRolloutDrainerReturnsTheCallsLeftAndThrowsOnAnUnknownNode(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path pw = dir.resolve("pw");
        java.nio.file.Files.writeString(pw, PW);
        java.nio.file.Files.setPosixFilePermissions(pw, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        EslNodeDrainer drainer = new EslNodeDrainer(List.of(new NodeTarget("mp-test-node-1", "127.0.0.1", java.util.Optional.empty())),
                fs.port(), new EslLogin("operator@mediaplane", new EslLogin.PasswordFile(pw)), n -> (a, b, c, d) -> { });
        channels.set(2);
        assertEquals(0, drainer.drain("mp-test-node-1", Duration.ofSeconds(10)));
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> drainer.drain("mp-test-node-9", Duration.ofSeconds(1)));
        assertEquals("node mp-test-node-9 is not in the inventory (nodes: [mp-test-node-1])", e.getMessage());
    }
}
