package dev.mediaplane.ops.smoke;

import dev.mediaplane.agent.gcp.GoogleClients;
import dev.mediaplane.agent.recordings.EventPublisher;
import dev.mediaplane.agent.recordings.Manifest;
import dev.mediaplane.agent.recordings.ObjectStore;
import dev.mediaplane.agent.recordings.RecordingPath;
import dev.mediaplane.agent.recordings.TestWav;
import dev.mediaplane.agent.recordings.WavInfo;
import dev.mediaplane.ops.node.EslNode;
import dev.mediaplane.testing.GcpStandIn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node that takes test calls, for smoke and synthetic: {@link EslNode} (the ESL text protocol, userauth, API
 * lists, events, bgapi) answering {@code originate} as FreeSWITCH 1.11.2 does for a call into its own external
 * profile, and the node agent's part after the call, through the agent's own Google clients
 * ({@link GoogleClients}: the node's service account token from the metadata server, the object and manifest
 * created with {@code ifGenerationMatch=0}, the evidence event published), on a {@link GcpStandIn} that delivers
 * only to subscriptions existing at publish time.
 *
 * <p>originate: the dial string must be {@code {vars}sofia/external/<user>@<host>:<port>;transport=tls
 * &playback(...)} with {@code host:port} the node's internal address and TLS port, else the call fails as
 * FreeSWITCH fails it ({@code -ERR DESTINATION_OUT_OF_ORDER}: nothing listens there). Answered: CHANNEL_ANSWER and
 * CHANNEL_PARK of the inbound leg B (its {@code variable_sip_h_X-*} the headers sent), CHANNEL_ANSWER of A, then
 * {@code +OK <A uuid>}. {@code uuid_kill <A>}: CHANNEL_HANGUP_COMPLETE of A ({@code variable_answermsec},
 * {@code variable_rtp_audio_out_packet_count}) and of B ({@code variable_rtp_audio_in_packet_count},
 * {@code variable_rtp_audio_in_skip_packet_count}), then the recording uploaded and published. Not answered:
 * A's CHANNEL_HANGUP_COMPLETE with the cause, then {@code -ERR NO_ANSWER}.
 */
public final class CallingNode implements AutoCloseable {

    public static final String OPERATOR_USER = "operator@mediaplane";
    public static final Set<String> OPERATOR_API = Set.of("status", "show", "originate", "uuid_kill", "uuid_setvar");
    public static final String NODE_SA = "mp-test-node@mediaplane-test-000000.iam.gserviceaccount.com";

    /** What the node does with the n-th call (from 0, in the order originates arrive). */
    public record Behaviour(boolean answer, long answerMs, long sent, long received, long skipped, boolean upload,
                            boolean publish, boolean wrongSha) {
        public static Behaviour good() {
            return new Behaviour(true, 120, 250, 250, 0, true, true, false);
        }
    }

    private static final Pattern ORIGINATE = Pattern.compile(
            "originate \\{([^}]*)}sofia/external/([^@ ]+)@([^: ;]+):(\\d+);transport=tls &playback\\(([^)]*)\\)");

    public final EslNode esl;
    public final GcpStandIn gcp;
    public final String bucket;
    public final String topic;
    public final String host;
    public final int sipPort;
    public volatile IntFunction<Behaviour> behaviour = n -> Behaviour.good();
    /** Every originate's argument. */
    public final List<String> originates = Collections.synchronizedList(new ArrayList<>());
    /** The topic's subscriptions at each originate: the check's own must be among them. */
    public final List<List<String>> subscriptionsAtOriginate = Collections.synchronizedList(new ArrayList<>());
    public final List<String> published = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger calls = new AtomicInteger();
    private final List<Thread> agents = Collections.synchronizedList(new ArrayList<>());
    /** B legs the control message asked to stream: their recordings get a transcript. */
    public final Set<String> streamed = ConcurrentHashMap.newKeySet();
    private final Map<String, Call> live = new ConcurrentHashMap<>();
    private final Path dir;
    private final GoogleClients clients;
    private final ObjectStore store;
    private final EventPublisher publisher;

    private record Call(String a, String b, TestCall.Ids ids, Behaviour how, String sipUser) {}

    /**
     * @param esl the node's event socket (the test adds users to it)
     * @param host the node's internal address (where its external profile binds)
     */
    public CallingNode(EslNode esl, GcpStandIn gcp, String bucket, String topic, String host, int sipPort, Path dir) {
        this.esl = esl;
        this.gcp = gcp;
        this.bucket = bucket;
        this.topic = topic;
        this.host = host;
        this.sipPort = sipPort;
        this.dir = dir;
        String hp = gcp.url().substring("http://".length());
        clients = GoogleClients.fromEnvironment(Map.of(GoogleClients.GCS_ENDPOINT, gcp.url(), GoogleClients.PUBSUB_ENDPOINT,
                gcp.url(), GoogleClients.GCE_METADATA_HOST, hp), gcp.project);
        store = clients.objectStore(bucket);
        publisher = clients.eventPublisher(topic);
        esl.otherApi = this::api;
    }

    /** The stack's cloud as Pulumi leaves it for the node: the bucket, the topic, the node's account and its grants. */
    public static void provision(GcpStandIn gcp, String bucket, String topic) {
        gcp.createBucket(bucket);
        gcp.createTopic(topic, false);
        gcp.instanceServiceAccount(NODE_SA);
        // The recording writer role: create and get (get to resolve a 412), as infra/Identity grants it.
        gcp.iam.grant(GcpStandIn.bucketResource(bucket), GcpStandIn.sa(NODE_SA), "roles/storage.objectCreator");
        gcp.iam.grant(GcpStandIn.bucketResource(bucket), GcpStandIn.sa(NODE_SA), "roles/storage.objectViewer");
        gcp.iam.grant(gcp.topicResource(topic), GcpStandIn.sa(NODE_SA), "roles/pubsub.publisher");
    }

    /**
     * The account smoke and synthetic check evidence with: it creates and deletes its own subscription on the
     * events topic (roles/pubsub.editor on the project) and reads the bucket (roles/storage.objectViewer).
     */
    public static void grantChecker(GcpStandIn gcp, String bucket, String account) {
        gcp.iam.grant("projects/" + gcp.project, GcpStandIn.sa(account), "roles/pubsub.editor");
        gcp.iam.grant(GcpStandIn.bucketResource(bucket), GcpStandIn.sa(account), "roles/storage.objectViewer");
    }

    /** The checker's Google clients on the stand-in, with a bearer {@code token} the stand-in knows. */
    public static RecordingClients checkerClients(GcpStandIn gcp, String token) {
        com.google.auth.oauth2.GoogleCredentials creds = com.google.auth.oauth2.GoogleCredentials.create(
                new com.google.auth.oauth2.AccessToken(token, new java.util.Date(System.currentTimeMillis() + 3_600_000)));
        return new RecordingClients(() -> creds, java.util.Optional.of(gcp.url()), java.util.Optional.of(gcp.url()));
    }

    public int calls() {
        return calls.get();
    }

    private String api(String cmd) {
        if (cmd.startsWith("originate ")) {
            return originate(cmd);
        }
        if (cmd.startsWith("uuid_kill ")) {
            String uuid = cmd.split(" ")[1];
            Call c = live.remove(uuid);
            if (c == null) {
                return "-ERR No such channel!\n";
            }
            hangup(c);
            return "+OK\n";
        }
        if (cmd.startsWith("uuid_setvar ")) {
            String[] w = cmd.split(" ");
            if (w.length == 4 && w[2].equals("mp_stream_to_ai") && w[3].equals("on")) {
                streamed.add(w[1]);
            }
            return "+OK\n";
        }
        return null;
    }

    private String originate(String cmd) {
        originates.add(cmd);
        subscriptionsAtOriginate.add(gcp.subscriptionsOf(topic));
        Behaviour how = behaviour.apply(calls.getAndIncrement());
        Matcher m = ORIGINATE.matcher(cmd);
        if (!m.matches()) {
            return "-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n";
        }
        Map<String, String> vars = new LinkedHashMap<>();
        for (String kv : m.group(1).split(",")) {
            int eq = kv.indexOf('=');
            vars.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        String a = vars.getOrDefault("origination_uuid", UUID.randomUUID().toString());
        if (!m.group(3).equals(host) || Integer.parseInt(m.group(4)) != sipPort) {
            emit(leg("CHANNEL_HANGUP_COMPLETE", a, "outbound", vars, Map.of("variable_hangup_cause", "DESTINATION_OUT_OF_ORDER")));
            return "-ERR DESTINATION_OUT_OF_ORDER\n";
        }
        TestCall.Ids ids = new TestCall.Ids(vars.get("sip_h_X-Organization-Id"), vars.get("sip_h_X-Call-Sid"),
                vars.get("sip_h_X-Recording-Id"));
        if (!how.answer()) {
            emit(leg("CHANNEL_HANGUP_COMPLETE", a, "outbound", vars, Map.of("variable_hangup_cause", "NO_ANSWER",
                    "variable_progressmsec", "0", "variable_progress_mediamsec", "0", "variable_answermsec", "0")));
            return "-ERR NO_ANSWER\n";
        }
        String b = UUID.randomUUID().toString();
        emit(leg("CHANNEL_ANSWER", b, "inbound", vars, Map.of()));
        emit(leg("CHANNEL_PARK", b, "inbound", vars, Map.of()));
        emit(leg("CHANNEL_ANSWER", a, "outbound", vars, Map.of()));
        live.put(a, new Call(a, b, ids, how, m.group(2)));
        return "+OK " + a + "\n";
    }

    private void hangup(Call c) {
        Map<String, String> vars = Map.of("sip_h_X-Organization-Id", c.ids().org(), "sip_h_X-Call-Sid", c.ids().callSid(),
                "sip_h_X-Recording-Id", c.ids().recordingId());
        emit(leg("CHANNEL_HANGUP_COMPLETE", c.a(), "outbound", vars, Map.of("variable_hangup_cause", "NORMAL_CLEARING",
                "variable_progressmsec", "0", "variable_progress_mediamsec", "0",
                "variable_answermsec", Long.toString(c.how().answerMs()),
                "variable_rtp_audio_out_packet_count", Long.toString(c.how().sent()))));
        emit(leg("CHANNEL_HANGUP_COMPLETE", c.b(), "inbound", vars, Map.of("variable_hangup_cause", "NORMAL_CLEARING",
                "variable_rtp_audio_in_packet_count", Long.toString(c.how().received()),
                "variable_rtp_audio_in_skip_packet_count", Long.toString(c.how().skipped()))));
        Thread t = new Thread(() -> agent(c), "node-agent");
        t.setDaemon(true);
        agents.add(t);
        t.start();
    }

    /** The node agent: the recording uploaded, its manifest next to it, the event published (as RecordingPipeline does). */
    private void agent(Call c) {
        if (!c.how().upload()) {
            return;
        }
        try {
            TestCall.Ids ids = c.ids();
            byte[] wav = TestWav.make(TestWav.PCM, 8000, 2, 400, false, ids.callSid().hashCode());
            Path f = Files.createDirectories(dir.resolve(ids.org()).resolve(ids.callSid())).resolve(ids.recordingId() + ".wav");
            Files.write(f, wav);
            RecordingPath rp = new RecordingPath(f, ids.org(), ids.callSid(), ids.recordingId());
            ObjectStore.LocalDigest d = digest(wav);
            ObjectStore.StoredObject so = store.createIfAbsent(rp.object(), wav, "audio/wav", d);
            ObjectStore.LocalDigest claimed = c.how().wrongSha()
                    ? new ObjectStore.LocalDigest(d.size(), d.md5Base64(), d.crc32cBase64(), sha256(new byte[] {1, 2, 3})) : d;
            Instant now = Instant.now();
            dev.mediaplane.agent.recordings.TranscriptSource.Transcript transcript = null;
            if (streamed.contains(c.b())) {
                // As the bridge does: {rec}.transcript.jsonl next to the recording, named in the manifest.
                byte[] t = ("{\"transcript\":\"hello\",\"is_final\":true}\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                String name = "org/" + ids.org() + "/recordings/" + ids.callSid() + "/" + ids.recordingId() + ".transcript.jsonl";
                ObjectStore.StoredObject ts = store.createIfAbsent(name, t, "application/jsonl", digest(t));
                transcript = new dev.mediaplane.agent.recordings.TranscriptSource.Transcript(name, ts.generation(), sha256(t), t.length);
            }
            byte[] manifest = Manifest.build(new Manifest.Origin(bucket, "node-1", "0".repeat(64), "test", gcp.project), rp, so,
                    claimed, WavInfo.read(f), new Manifest.EslFacts(c.b(), now.minusSeconds(1), now), now, now, transcript);
            store.createIfAbsent(rp.manifestObject(), manifest, "application/json", digest(manifest));
            if (c.how().publish()) {
                Map<String, String> attributes = new LinkedHashMap<>();
                attributes.put("event_type", "recording.evidence");
                attributes.put("organization_id", ids.org());
                attributes.put("call_sid", ids.callSid());
                attributes.put("recording_id", ids.recordingId());
                attributes.put("object", rp.object());
                published.add(publisher.publish(manifest, attributes));
            }
        } catch (IOException e) {
            throw new IllegalStateException("the node's upload failed: " + e.getMessage(), e);
        }
    }

    private Map<String, String> leg(String event, String uuid, String direction, Map<String, String> vars, Map<String, String> extra) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Event-Name", event);
        h.put("Core-UUID", "stand-in-core");
        h.put("Unique-ID", uuid);
        h.put("Call-Direction", direction);
        h.put("Channel-Name", direction.equals("inbound") ? "sofia/external/" + vars.get("sip_h_X-Organization-Id") + "@" + host
                : "sofia/external/" + vars.get("sip_h_X-Organization-Id") + "@" + host + ":" + sipPort);
        for (String k : List.of("sip_h_X-Organization-Id", "sip_h_X-Call-Sid", "sip_h_X-Recording-Id")) {
            if (vars.get(k) != null) {
                h.put("variable_" + k, vars.get(k));
            }
        }
        h.putAll(extra);
        return h;
    }

    private void emit(Map<String, String> event) {
        esl.emit(event, null);
    }

    public static ObjectStore.LocalDigest digest(byte[] b) {
        return new ObjectStore.LocalDigest(b.length, GcpStandIn.md5B64(b), GcpStandIn.crc32cB64(b), sha256(b));
    }

    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        // Let the node finish what it started (the smoke may not have waited for it) before the cloud goes away.
        for (Thread t : List.copyOf(agents)) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        clients.close();
    }
}
