package dev.mediaplane.agent.recordings;

import java.util.Optional;

/**
 * Where the evidence manifest learns of a call's transcript (the streaming bridge uploads it). Called on an upload
 * worker before the manifest is built; the wait is the source's own and bounded.
 */
@FunctionalInterface
public interface TranscriptSource {
    /** No transcripts (no bridge: sweep and upload commands, tests). */
    TranscriptSource NONE = (callSid, recordingId) -> Optional.empty();

    /**
     * A transcript verified in the bucket, as the manifest references it.
     *
     * @param object {@code org/{org}/recordings/{call}/{rec}.transcript.jsonl}
     * @param generation the object's generation
     * @param sha256Hex of its bytes
     * @param sizeBytes its size
     */
    record Transcript(String object, long generation, String sha256Hex, long sizeBytes) {}

    /** The recording's transcript; empty at once when its call had no stream, or after the source's bounded wait. */
    Optional<Transcript> await(String callSid, String recordingId) throws InterruptedException;
}
