package dev.mediaplane.agent.recordings;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * The evidence manifest, schema {@value #SCHEMA}: one per object generation, stored next to the
 * recording as {@code ….manifest.json} and published as the evidence event's data. The fields of the
 * bash uploader's manifest keep their names and meaning; the agent adds what ESL knows and the file does
 * not: {@code channel_uuid} and record start/stop from the events ({@code record_times_source} says which).
 */
public final class Manifest {
    public static final String SCHEMA = "mediaplane.recording-evidence.v1";
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
    private static final DateTimeFormatter ISO_MS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private Manifest() {}

    /** Where the node is: goes into every manifest. */
    public record Origin(String bucket, String node, String releaseHash, String stack, String project) {}

    /**
     * What ESL said about one recording; any field may be null (a sweep after the agent was down knows nothing).
     *
     * @param channelUuid the channel's Unique-ID from RECORD_START/RECORD_STOP
     * @param recordStart RECORD_START's Event-Date-Timestamp
     * @param recordStop RECORD_STOP's Event-Date-Timestamp
     */
    public record EslFacts(String channelUuid, Instant recordStart, Instant recordStop) {
        public static final EslFacts NONE = new EslFacts(null, null, null);

        public EslFacts merge(EslFacts later) {
            return new EslFacts(later.channelUuid != null ? later.channelUuid : channelUuid,
                    later.recordStart != null ? later.recordStart : recordStart,
                    later.recordStop != null ? later.recordStop : recordStop);
        }
    }

    /** The manifest's bytes (UTF-8 JSON, one line), without a transcript. */
    public static byte[] build(Origin origin, RecordingPath path, ObjectStore.StoredObject wav, ObjectStore.LocalDigest digest,
                               WavInfo audio, EslFacts esl, Instant fileMtime, Instant verifiedAt) {
        return build(origin, path, wav, digest, audio, esl, fileMtime, verifiedAt, null);
    }

    /**
     * The manifest's bytes (UTF-8 JSON, one line).
     *
     * @param transcript the call's streamed transcript, verified in the bucket: {@code "transcript":{"object",
     *     "generation","sha256","size_bytes"}}; null: no {@code transcript} field (the call had no stream)
     */
    public static byte[] build(Origin origin, RecordingPath path, ObjectStore.StoredObject wav, ObjectStore.LocalDigest digest,
                               WavInfo audio, EslFacts esl, Instant fileMtime, Instant verifiedAt,
                               TranscriptSource.Transcript transcript) {
        JsonObject o = new JsonObject();
        o.addProperty("schema", SCHEMA);
        o.addProperty("organization_id", path.organizationId());
        o.addProperty("call_sid", path.callSid());
        o.addProperty("recording_id", path.recordingId());
        o.addProperty("bucket", origin.bucket());
        o.addProperty("object", path.object());
        o.addProperty("manifest_object", path.manifestObject());
        o.addProperty("generation", Long.toString(wav.generation()));
        o.addProperty("md5Hash", wav.md5Base64());
        o.addProperty("crc32c", wav.crc32cBase64());
        o.addProperty("checksum_verified", "md5");
        o.addProperty("sha256", digest.sha256Hex());
        o.addProperty("size_bytes", digest.size());
        JsonObject a = new JsonObject();
        a.addProperty("format", audio.format());
        a.addProperty("sample_rate", audio.sampleRate());
        a.addProperty("channels", audio.channels());
        a.addProperty("bits_per_sample", audio.bitsPerSample());
        a.addProperty("data_bytes", audio.dataBytes());
        a.addProperty("duration_ms", audio.durationMs());
        if (audio.note() != null) {
            a.addProperty("note", audio.note());
        }
        o.add("audio", a);
        if (transcript != null) {
            JsonObject t = new JsonObject();
            t.addProperty("object", transcript.object());
            t.addProperty("generation", Long.toString(transcript.generation()));
            t.addProperty("sha256", transcript.sha256Hex());
            t.addProperty("size_bytes", transcript.sizeBytes());
            o.add("transcript", t);
        }
        Instant stop;
        Instant start;
        String source;
        if (esl.recordStart() != null && esl.recordStop() != null) {
            start = esl.recordStart();
            stop = esl.recordStop();
            source = "esl RECORD_START and RECORD_STOP";
        } else if (esl.recordStop() != null) {
            stop = esl.recordStop();
            start = audio.durationMs() == null ? stop : stop.minusMillis(audio.durationMs());
            source = "esl RECORD_STOP minus duration";
        } else {
            stop = fileMtime;
            start = audio.durationMs() == null ? stop : stop.minusMillis(audio.durationMs());
            source = "file mtime minus duration";
        }
        o.addProperty("record_start", ISO_MS.format(start));
        o.addProperty("record_stop", ISO_MS.format(stop));
        o.addProperty("record_times_source", source);
        o.addProperty("channel_uuid", esl.channelUuid());
        o.addProperty("uploaded_at", ISO_MS.format(verifiedAt));
        o.addProperty("node", origin.node());
        o.addProperty("release_hash", origin.releaseHash());
        o.addProperty("stack", origin.stack());
        o.addProperty("project", origin.project());
        return GSON.toJson(o).getBytes(StandardCharsets.UTF_8);
    }

    /** The {@code generation} a stored manifest names; null when the bytes are not a manifest. */
    public static String generationOf(byte[] manifest) {
        JsonObject o = parse(manifest);
        return o == null || !o.has("generation") ? null : o.get("generation").getAsString();
    }

    /**
     * Whether a manifest found in the bucket describes this very recording: same object, generation and md5
     * and the local file's sha256 and size. Null when it does; otherwise what it says instead.
     */
    public static String mismatch(byte[] stored, RecordingPath path, ObjectStore.StoredObject wav, ObjectStore.LocalDigest digest) {
        String local = path.object() + " " + wav.generation() + " " + wav.md5Base64() + " " + digest.sha256Hex() + " " + digest.size();
        JsonObject o = parse(stored);
        String got = o == null ? "unparseable" : field(o, "object") + " " + field(o, "generation") + " " + field(o, "md5Hash")
                + " " + field(o, "sha256") + " " + field(o, "size_bytes");
        return Objects.equals(got, local) ? null : "stored object generation md5 sha256 size: " + got + "; local: " + local;
    }

    private static String field(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e == null || e.isJsonNull() ? "null" : e.isJsonPrimitive() ? e.getAsString() : e.toString();
    }

    private static JsonObject parse(byte[] bytes) {
        try {
            JsonElement e = JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8));
            return e.isJsonObject() ? e.getAsJsonObject() : null;
        } catch (JsonParseException | IllegalStateException e) {
            return null;
        }
    }
}
