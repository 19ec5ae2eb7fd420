package dev.mediaplane.agent.bridge;

/**
 * What the bridge reports as it works; the agent's telemetry turns it into metrics (proposed families in
 * docs/streaming.md). Called from the bridge's threads: implementations are thread-safe and never block.
 * Labels are the provider id and small fixed enums, never a call id or a key.
 */
public interface StreamObserver {
    /** Does nothing (tests, tools). */
    StreamObserver NONE = new StreamObserver() {};

    /** Streams up now for that provider (one per call, whatever the number of provider sessions). */
    default void streamsActive(Provider provider, int active) {}

    /** A stream ended; outcome is completed, auth_refused, failed or abandoned (the call was gone after a restart). */
    default void streamEnded(Provider provider, String outcome) {}

    /** Audio handed to the provider's socket: bytes and the seconds of audio they carry. */
    default void audioSent(Provider provider, long bytes, double seconds) {}

    /**
     * Audio that never reached the provider, or was not re-sent after a reconnect.
     *
     * @param reason overflow (the per-stream bound dropped unsent audio), reconnect (sent, not acknowledged, no
     *     longer retained when the session came back), restart (written while the agent was down)
     */
    default void audioLost(Provider provider, String reason, long bytes) {}

    /** A provider session reconnected after a drop. */
    default void reconnected(Provider provider) {}

    /** A transcript result arrived (interim or final). */
    default void result(Provider provider, boolean isFinal) {}
}
