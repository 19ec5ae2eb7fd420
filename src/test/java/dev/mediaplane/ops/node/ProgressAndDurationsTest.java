package dev.mediaplane.ops.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProgressAndDurationsTest {

    @Test
    void aTerminalGetsOneLineRewrittenInPlace() {
        StringWriter w = new StringWriter();
        Progress p = new Progress(new PrintWriter(w), true, 10);
        p.update("3 channels up");
        p.update("2 up");
        p.done();
        assertEquals("\r3 channels up\r2 up         \n", w.toString());
    }

    @Test
    void otherwiseALinePerChangeAndAnUnchangedStateEveryNthUpdate() {
        StringWriter w = new StringWriter();
        Progress p = new Progress(new PrintWriter(w), false, 3);
        for (String s : new String[] {"3", "3", "3", "3", "2", "2"}) {
            p.update(s);
        }
        assertEquals("3\n3\n2\n", w.toString().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void durationsParseAndBoundWithMessagesNamingTheOption() {
        assertEquals(Duration.ofSeconds(5400), Durations.parse("--timeout", "1h30m", Duration.ZERO, Duration.ofDays(1)));
        assertEquals(Duration.ofMillis(250), Durations.parse("--interval", "250ms", Duration.ZERO, Duration.ofDays(1)));
        assertEquals("1h30m", Durations.format(Duration.ofSeconds(5400)));
        assertEquals("2d", Durations.format(Duration.ofDays(2)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse("--grace", "10", Duration.ofHours(1), Duration.ofDays(30)));
        assertEquals("--grace must be a duration like 90s, 5m, 1h30m or 250ms between 1h and 30d, got '10'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Durations.parse("--grace", "31d", Duration.ofHours(1), Duration.ofDays(30)));
        assertEquals("--grace must be between 1h and 30d, got '31d'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("--grace", "5m5", Duration.ZERO, Duration.ofDays(30)));
    }
}
