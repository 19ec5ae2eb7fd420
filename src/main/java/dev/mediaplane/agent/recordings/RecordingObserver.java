package dev.mediaplane.agent.recordings;

import java.time.Duration;

/**
 * What the recording pipeline reports as it works; the agent's telemetry turns it into metrics.
 * Called from the pipeline's threads: implementations are thread-safe and never block.
 */
public interface RecordingObserver {
    /** Does nothing (tests, tools). */
    RecordingObserver NONE = new RecordingObserver() {};

    /** A recording was verified in GCS; latency runs from RECORD_STOP (or the file's close) to the verified object. */
    default void uploaded(String object, Duration latency, int attempts, long sizeBytes) {}

    /** An upload was given up for now (the file stays on disk); stage is "object" or "manifest". */
    default void uploadFailed(String stage, String object) {}

    /** Evidence events verified in GCS but not yet published. */
    default void outboxDepth(int depth) {}

    /** Finished recordings on disk not yet verified. */
    default void pending(int files) {}

    /** The recordings file system's use. */
    default void diskUsage(long usedBytes, long totalBytes) {}
}
