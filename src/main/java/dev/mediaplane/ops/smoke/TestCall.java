package dev.mediaplane.ops.smoke;

import dev.mediaplane.esl.EslConnection;
import dev.mediaplane.esl.EslCredentials;
import dev.mediaplane.esl.EslEvent;
import dev.mediaplane.esl.EslException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Places test calls on one node the way the trunk's calls arrive, from the node itself: over its ESL,
 * {@code originate} dials the node's own external profile over TLS on its internal address
 * ({@code sofia/external/<org>@<internal>:<sipTlsPort>;transport=tls}), with the X- headers the public
 * dialplan takes the ids from. The inbound leg (B) is the one a trunk call would be: the external
 * profile's ACL, TLS, SDP and RTP, the public dialplan (ids, anchor, {@code RECORD_STEREO} +
 * {@code record_session}, park), the node agent's upload. The originating leg (A) plays
 * {@code silence_stream://-1,1400} (comfort noise, so RTP flows) until the hold time is over, then
 * {@code uuid_kill} hangs it up and the BYE ends B, which closes the recording.
 *
 * <p>One connection per node (a "line"), subscribed to CHANNEL_ANSWER, CHANNEL_PARK and
 * CHANNEL_HANGUP_COMPLETE, filtered to the test calls' organization header and BACKGROUND_JOB
 * (mod_event_socket's filters are alternatives: an event passes when any one matches). Calls on one
 * line may run concurrently (synthetic).
 *
 * <p>What is read, all from the CHANNEL_HANGUP_COMPLETE events (FreeSWITCH 1.11.2 sets the timestamps
 * and the RTP statistics in the hangup state, before that event): post-dial delay is A's first
 * non-zero of {@code variable_progressmsec}, {@code variable_progress_mediamsec},
 * {@code variable_answermsec} (milliseconds from A's creation, 0 when it never happened:
 * switch_channel_set_timestamps); packets sent are A's {@code variable_rtp_audio_out_packet_count},
 * received B's {@code variable_rtp_audio_in_packet_count} (set_stats in switch_core_media.c), so the
 * loss is measured end to end on the one path. B's {@code variable_rtp_audio_in_skip_packet_count}
 * (reads that found no packet and played CNG instead) is reported beside it.
 */
public final class TestCall implements AutoCloseable {

    /** The ESL events a line subscribes to. */
    public static final List<String> EVENTS = List.of("CHANNEL_ANSWER", "CHANNEL_PARK", "CHANNEL_HANGUP_COMPLETE");

    /** What the A leg plays: endless comfort noise (mod_tone_stream); no parentheses, which originate's {@code &app(...)} cuts at. */
    public static final String PLAYBACK = "silence_stream://-1,1400";

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /**
     * The ids a test call carries: the public dialplan accepts {@code [A-Za-z0-9_-]{1,64}} in each, so the
     * recording lands at {@code org/{org}/recordings/{callSid}/{recordingId}.wav}.
     */
    public record Ids(String org, String callSid, String recordingId) {
        public Ids {
            for (String id : new String[] {org, callSid, recordingId}) {
                if (id == null || !ID.matcher(id).matches()) {
                    throw new IllegalArgumentException("test call ids must be [A-Za-z0-9_-]{1,64} (the public dialplan's"
                            + " rule), got '" + id + "'");
                }
            }
        }

        public String object() {
            return "org/" + org + "/recordings/" + callSid + "/" + recordingId + ".wav";
        }

        public String manifestObject() {
            return "org/" + org + "/recordings/" + callSid + "/" + recordingId + ".manifest.json";
        }
    }

    /**
     * How a call is placed.
     *
     * @param sipHost the node's internal address: the external profile binds it (sip-ip), and its own address
     *     is in localnet.auto, so neither leg advertises the external address and RTP stays on the node
     * @param sipPort trunk.sipTlsPort
     * @param hold how long the call stays up after the answer
     * @param answerTimeout originate_timeout: no answer within it is a failed call
     * @param stream ask the node agent to stream B to the stack's provider ({@code uuid_setvar <B> mp_stream_to_ai on})
     */
    public record Spec(String sipHost, int sipPort, Duration hold, Duration answerTimeout, boolean stream) {}

    /**
     * One call's outcome.
     *
     * @param failure null when the call was answered, held and hung up with both legs' events seen; else why not
     * @param pddMs post-dial delay, null when not known
     * @param sent RTP packets A sent, -1 when unknown
     * @param received RTP packets B received, -1 when unknown
     * @param skipped B's reads without a packet (CNG played instead), -1 when unknown
     */
    public record Outcome(Ids ids, String aUuid, String bUuid, boolean answered, String failure, Long pddMs, long sent,
                          long received, long skipped, String hangupCause) {
        public boolean ok() {
            return failure == null;
        }

        /** Lost packets (sent minus received, never negative), -1 when unknown. */
        public long lost() {
            return sent < 0 || received < 0 ? -1 : Math.max(0, sent - received);
        }
    }

    /** The originate command placing {@code ids} with A's uuid {@code uuid}. */
    public static String originate(Ids ids, String uuid, Spec spec) {
        return originate(ids.org(), ids.callSid(), ids.recordingId(), uuid, spec);
    }

    private static String originate(String org, String callSid, String recordingId, String uuid, Spec spec) {
        String vars = String.join(",", "origination_uuid=" + uuid,
                "originate_timeout=" + Math.max(1, spec.answerTimeout().toSeconds()),
                "origination_caller_id_number=" + org,
                "sip_h_X-Organization-Id=" + org,
                "sip_h_X-Call-Sid=" + callSid,
                "sip_h_X-Recording-Id=" + recordingId);
        String host = spec.sipHost().contains(":") ? "[" + spec.sipHost() + "]" : spec.sipHost();
        return "originate {" + vars + "}sofia/external/" + org + "@" + host + ":" + spec.sipPort()
                + ";transport=tls &playback(" + PLAYBACK + ")";
    }

    /** The ESL calls one test call makes, for --dry-run. */
    public static List<String> plan(Spec spec, String org) {
        return List.of(
                "event plain " + String.join(" ", EVENTS) + " BACKGROUND_JOB; filter Event-Name BACKGROUND_JOB;"
                        + " filter variable_sip_h_X-Organization-Id " + org,
                "bgapi " + originate(org, "<call-sid>", "<recording-id>", "<uuid>", spec),
                (spec.stream() ? "api uuid_setvar <B uuid> mp_stream_to_ai on; " : "") + "after " + spec.hold().toMillis()
                        + " ms: api uuid_kill <uuid>; wait for CHANNEL_HANGUP_COMPLETE of both legs");
    }

    private final class Tracked {
        final String uuid;
        final CompletableFuture<String> bUuid = new CompletableFuture<>();
        final CompletableFuture<EslEvent> aHangup = new CompletableFuture<>();
        final CompletableFuture<EslEvent> bHangup = new CompletableFuture<>();

        Tracked(String uuid) {
            this.uuid = uuid;
        }
    }

    private final String org;
    private final EslConnection connection;
    private final Map<String, Tracked> calls = new ConcurrentHashMap<>();

    private TestCall(String org, EslCredentials login, EslConnection.Settings settings) throws EslException {
        this.org = org;
        this.connection = EslConnection.open(login, settings, this::onEvent);
    }

    /** Logs in and subscribes; the login must be allowed originate, uuid_kill (and uuid_setvar to stream). */
    public static TestCall open(String org, EslCredentials login, EslConnection.Settings settings) throws EslException {
        TestCall line = new TestCall(org, login, settings);
        try {
            line.connection.subscribe(EslConnection.Format.PLAIN, EVENTS, List.of(Map.entry("Event-Name", "BACKGROUND_JOB"),
                    Map.entry("variable_sip_h_X-Organization-Id", org)));
        } catch (EslException e) {
            line.close();
            throw e;
        }
        return line;
    }

    private void onEvent(EslEvent e) {
        String sid = e.header("variable_sip_h_X-Call-Sid");
        Tracked t = sid == null ? null : calls.get(sid);
        if (t == null) {
            return;
        }
        boolean a = t.uuid.equals(e.header("Unique-ID"));
        boolean inbound = "inbound".equalsIgnoreCase(e.header("Call-Direction"));
        if (!a && inbound && e.header("Unique-ID") != null && !e.name().equals("CHANNEL_HANGUP_COMPLETE")) {
            t.bUuid.complete(e.header("Unique-ID"));
        }
        if (e.name().equals("CHANNEL_HANGUP_COMPLETE")) {
            if (a) {
                t.aHangup.complete(e);
            } else if (inbound) {
                t.bUuid.complete(e.header("Unique-ID"));
                t.bHangup.complete(e);
            }
        }
    }

    /** Places one call and waits for its end (at most answerTimeout + hold + 15 s). */
    public Outcome place(Ids ids, Spec spec) throws EslException, InterruptedException {
        if (!ids.org().equals(org)) {
            throw new IllegalArgumentException("this line filters organization " + org + ", got a call for " + ids.org());
        }
        String uuid = UUID.randomUUID().toString();
        Tracked t = new Tracked(uuid);
        calls.put(ids.callSid(), t);
        try {
            EslConnection.BackgroundJob job = connection.bgapi(originate(ids, uuid, spec));
            String result;
            try {
                result = job.result().get(spec.answerTimeout().toMillis() + 10_000, TimeUnit.MILLISECONDS).strip();
            } catch (ExecutionException e) {
                throw new EslException(EslException.Kind.DISCONNECTED, "lost the ESL connection waiting for originate: "
                        + e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
                return new Outcome(ids, uuid, null, false, "no originate result within " + (spec.answerTimeout().toSeconds() + 10)
                        + " s", null, -1, -1, -1, null);
            }
            if (!result.startsWith("+OK")) {
                EslEvent a = await(t.aHangup, 2_000);
                return finish(ids, t, false, "originate answered '" + result + "'", a, null);
            }
            String b = await(t.bUuid, 5_000);
            if (b == null) {
                hangup(uuid);
                return finish(ids, t, true, "A answered but the external profile's inbound leg was never seen (no"
                        + " CHANNEL_ANSWER/PARK with X-Call-Sid " + ids.callSid() + ")", await(t.aHangup, 5_000), null);
            }
            String failure = null;
            if (spec.stream()) {
                // A refused stream is the call's failure, not a reason to leave the call up.
                try {
                    String out = connection.api("uuid_setvar " + b + " mp_stream_to_ai on").strip();
                    if (!out.startsWith("+OK")) {
                        failure = "uuid_setvar " + b + " mp_stream_to_ai on answered '" + out + "'";
                    }
                } catch (EslException e) {
                    failure = "uuid_setvar " + b + " mp_stream_to_ai on: " + e.getMessage();
                }
            }
            // Ended early (the node hung up): that is a failed call, and its events say why.
            EslEvent early = await(t.aHangup, spec.hold().toMillis());
            if (early == null) {
                hangup(uuid);
            } else if (failure == null) {
                failure = "the call ended before the hold time (" + early.header("variable_hangup_cause") + ")";
            }
            EslEvent aEnd = early != null ? early : await(t.aHangup, 10_000);
            EslEvent bEnd = await(t.bHangup, 10_000);
            if (failure == null && (aEnd == null || bEnd == null)) {
                failure = "no CHANNEL_HANGUP_COMPLETE within 10 s for " + (aEnd == null ? "A " + uuid : "B " + b);
            }
            return finish(ids, t, true, failure, aEnd, bEnd);
        } finally {
            calls.remove(ids.callSid());
        }
    }

    private void hangup(String uuid) throws EslException {
        String out = connection.api("uuid_kill " + uuid + " NORMAL_CLEARING").strip();
        if (!out.startsWith("+OK") && !out.contains("No such channel")) {
            throw new EslException(EslException.Kind.COMMAND_FAILED, "uuid_kill " + uuid + " answered '" + out + "'");
        }
    }

    private static Outcome finish(Ids ids, Tracked t, boolean answered, String failure, EslEvent a, EslEvent b) {
        Long pdd = null;
        if (a != null) {
            for (String v : new String[] {"variable_progressmsec", "variable_progress_mediamsec", "variable_answermsec"}) {
                long ms = number(a, v);
                if (ms > 0) {
                    pdd = ms;
                    break;
                }
            }
        }
        String cause = a != null ? a.header("variable_hangup_cause") : null;
        return new Outcome(ids, t.uuid, t.bUuid.getNow(null), answered, failure, pdd,
                a == null ? -1 : number(a, "variable_rtp_audio_out_packet_count"),
                b == null ? -1 : number(b, "variable_rtp_audio_in_packet_count"),
                b == null ? -1 : number(b, "variable_rtp_audio_in_skip_packet_count"), cause);
    }

    private static long number(EslEvent e, String header) {
        String v = e.header(header);
        if (v == null) {
            return -1;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException x) {
            return -1;
        }
    }

    private static <T> T await(CompletableFuture<T> f, long ms) throws InterruptedException {
        try {
            return f.get(Math.max(1, ms), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() {
        connection.close();
    }
}
