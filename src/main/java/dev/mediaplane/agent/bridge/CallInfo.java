package dev.mediaplane.agent.bridge;

import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The ids of a call the bridge streams: FreeSWITCH's channel uuid and the dialplan's mp_* variables.
 * Every id becomes a path component, so each is checked the way the dialplan checks it.
 */
record CallInfo(String uuid, String organizationId, String callSid, String recordingId) {

    private static final Pattern UUID = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    CallInfo {
        check("call uuid", uuid, UUID);
        check("mp_organization_id", organizationId, ID);
        check("mp_call_sid", callSid, ID);
        check("mp_recording_id", recordingId, ID);
    }

    static void check(String what, String v, Pattern p) {
        if (v == null || !p.matcher(v).matches()) {
            throw new IllegalArgumentException(what + " must match " + p.pattern() + ", got '" + v + "'");
        }
    }

    static boolean validUuid(String v) {
        return v != null && UUID.matcher(v).matches();
    }

    /** The object name of the transcript, next to the recording's. */
    String transcriptObject() {
        return "org/" + organizationId + "/recordings/" + callSid + "/" + recordingId + ".transcript.jsonl";
    }

    String recordingObject() {
        return "org/" + organizationId + "/recordings/" + callSid + "/" + recordingId + ".wav";
    }

    /** Fields every log line about the call carries (ids only). */
    Map<String, String> logFields() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("call_uuid", uuid);
        m.put("organization_id", organizationId);
        m.put("call_sid", callSid);
        m.put("recording_id", recordingId);
        return m;
    }

    JsonObject toJson() {
        JsonObject o = new JsonObject();
        logFields().forEach(o::addProperty);
        return o;
    }

    static CallInfo fromJson(JsonObject o) {
        return new CallInfo(str(o, "call_uuid"), str(o, "organization_id"), str(o, "call_sid"), str(o, "recording_id"));
    }

    private static String str(JsonObject o, String k) {
        return o.has(k) && !o.get(k).isJsonNull() ? o.get(k).getAsString() : null;
    }
}
