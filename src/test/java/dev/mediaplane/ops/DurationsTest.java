package dev.mediaplane.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

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
