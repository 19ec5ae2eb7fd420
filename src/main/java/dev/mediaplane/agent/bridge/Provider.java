package dev.mediaplane.agent.bridge;

import java.util.Locale;

/** The speech-to-text services the bridge streams to; the control value {@code mp_stream_to_ai} names one. */
public enum Provider {
    DEEPGRAM("deepgram"),
    ASSEMBLYAI("assemblyai");

    private final String id;

    Provider(String id) {
        this.id = id;
    }

    /** The lower-case name used in the control message, log lines, events and metric labels. */
    public String id() {
        return id;
    }

    /**
     * The provider a control value names.
     *
     * @throws IllegalArgumentException naming the value and what is allowed
     */
    public static Provider parse(String value) {
        String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        for (Provider p : values()) {
            if (p.id.equals(v)) {
                return p;
            }
        }
        throw new IllegalArgumentException("mp_stream_to_ai must be one of deepgram, assemblyai, on, off, got '" + value + "'");
    }
}
