package dev.mediaplane.ops;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators type them on a command line: {@code 90s}, {@code 5m}, {@code 1h30m}, {@code 250ms}, {@code 7d}. */
public final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

    private Durations() {}

    /**
     * Parses {@code value} and checks it lies in [min, max].
     *
     * @param option the option's name, for the message (e.g. {@code --timeout})
     * @throws IllegalArgumentException naming the option, the value received and what is allowed
     */
    public static Duration parse(String option, String value, Duration min, Duration max) {
        String allowed = "a duration like 90s, 5m, 1h30m or 250ms between " + format(min) + " and " + format(max);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(option + " must be " + allowed + ", got ''");
        }
        Matcher m = PART.matcher(value.strip());
        Duration d = Duration.ZERO;
        int end = 0;
        while (m.lookingAt()) {
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            });
            end = m.end();
            m.region(end, value.strip().length());
        }
        if (end == 0 || end != value.strip().length()) {
            throw new IllegalArgumentException(option + " must be " + allowed + ", got '" + value + "'");
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new IllegalArgumentException(option + " must be between " + format(min) + " and " + format(max)
                    + ", got '" + value + "'");
        }
        return d;
    }

    /** The shortest of the forms {@link #parse} reads: {@code 80s}, {@code 5m}, {@code 1h30m}, {@code 250ms}. */
    public static String format(Duration d) {
        if (d.toMillisPart() != 0 || d.isZero()) {
            return d.toMillis() + "ms";
        }
        StringBuilder sb = new StringBuilder();
        long days = d.toDaysPart();
        if (days > 0) {
            sb.append(days).append('d');
        }
        if (d.toHoursPart() > 0) {
            sb.append(d.toHoursPart()).append('h');
        }
        if (d.toMinutesPart() > 0) {
            sb.append(d.toMinutesPart()).append('m');
        }
        if (d.toSecondsPart() > 0) {
            sb.append(d.toSecondsPart()).append('s');
        }
        return sb.toString();
    }
}
