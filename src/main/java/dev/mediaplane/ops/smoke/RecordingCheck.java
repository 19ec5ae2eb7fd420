package dev.mediaplane.ops.smoke;

import com.google.api.gax.rpc.ApiException;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Duration;
import com.google.pubsub.v1.ExpirationPolicy;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.PullResponse;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.SubscriptionName;
import com.google.pubsub.v1.TopicName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The recording side of a test call, checked where the node agent puts it: the object and its manifest in
 * the recordings bucket, the evidence event on the events topic, and the transcript when the stack streams.
 *
 * <p>Pub/Sub delivers a message only to subscriptions that exist when it is published, so {@link #open}
 * creates a subscription of its own on the events topic before any call is placed (ack deadline 10 s,
 * retention 10 min, expiring after 1 day unused, the shortest Pub/Sub allows, so a run that dies leaves
 * nothing for long) and {@link #close} deletes it. Events are matched by their {@code call_sid} attribute;
 * everything pulled is acknowledged (other calls' events included: this subscription is the check's alone).
 *
 * <p>IAM, for the caller: {@code pubsub.subscriptions.create} on the project and
 * {@code pubsub.topics.attachSubscription} on the topic (create), {@code pubsub.subscriptions.consume}
 * (pull, acknowledge), {@code pubsub.subscriptions.delete}; {@code storage.objects.get} on the recordings
 * bucket. {@code roles/pubsub.editor} on the project and {@code roles/storage.objectViewer} on the bucket
 * carry them.
 */
public final class RecordingCheck implements AutoCloseable {

    /** Where to look: the stack's project, recordings bucket, events topic, and the id of the check's own subscription. */
    public record Setup(String project, String bucket, String topic, String subscriptionId) {}

    /** One pass/fail with its evidence. */
    public record Verdict(boolean pass, String detail) {}

    /** One evidence event as pulled. */
    public record Event(String messageId, byte[] data, Map<String, String> attributes) {}

    private final Setup setup;
    private final Storage storage;
    private final SubscriptionAdminClient pubsub;
    private final String subscription;
    private final Map<String, Event> byCallSid = new ConcurrentHashMap<>();

    private RecordingCheck(Setup setup, Storage storage, SubscriptionAdminClient pubsub) {
        this.setup = setup;
        this.storage = storage;
        this.pubsub = pubsub;
        this.subscription = SubscriptionName.of(setup.project(), setup.subscriptionId()).toString();
    }

    /** The Google calls {@link #open}, {@link #verify} and {@link #close} make, for --dry-run. */
    public static List<String> plan(Setup s) {
        return List.of(
                "Pub/Sub CreateSubscription projects/" + s.project() + "/subscriptions/" + s.subscriptionId() + " on projects/"
                        + s.project() + "/topics/" + s.topic() + " (ack 10s, retention 10m, expires after 1 day unused), before any call",
                "per call: Pub/Sub Pull/Acknowledge until the event with attribute call_sid=<call-sid> arrives;"
                        + " GCS get gs://" + s.bucket() + "/org/<org>/recordings/<call-sid>/<recording-id>.wav and"
                        + " .manifest.json, download the object, compare its generation, md5, sha256 and size with the manifest's",
                "Pub/Sub DeleteSubscription projects/" + s.project() + "/subscriptions/" + s.subscriptionId() + " at the end");
    }

    /** Creates the subscription; an IOException quotes Google's answer (403 without the permissions above). */
    public static RecordingCheck open(RecordingClients clients, Setup setup) throws IOException {
        Storage storage = clients.storage(setup.project());
        SubscriptionAdminClient pubsub = clients.subscriptions();
        RecordingCheck c = new RecordingCheck(setup, storage, pubsub);
        try {
            pubsub.createSubscription(Subscription.newBuilder()
                    .setName(c.subscription)
                    .setTopic(TopicName.of(setup.project(), setup.topic()).toString())
                    .setAckDeadlineSeconds(10)
                    .setMessageRetentionDuration(Duration.newBuilder().setSeconds(600))
                    .setExpirationPolicy(ExpirationPolicy.newBuilder().setTtl(Duration.newBuilder().setSeconds(86_400)))
                    .build());
        } catch (ApiException e) {
            c.closeClients();
            throw new IOException("cannot create the subscription " + c.subscription + " on topic " + setup.topic() + ": "
                    + e.getStatusCode().getCode() + " " + e.getMessage()
                    + (e.getStatusCode().getCode() == com.google.api.gax.rpc.StatusCode.Code.PERMISSION_DENIED
                    ? " (needs pubsub.subscriptions.create on the project and pubsub.topics.attachSubscription on the topic)" : ""), e);
        }
        return c;
    }

    public String subscription() {
        return subscription;
    }

    /** Pulls once and files what arrived by call_sid; returns how many messages came. */
    public int pull() throws IOException {
        PullResponse r;
        try {
            r = pubsub.pull(PullRequest.newBuilder().setSubscription(subscription).setMaxMessages(100).build());
        } catch (ApiException e) {
            throw new IOException("pull from " + subscription + ": " + e.getStatusCode().getCode() + " " + e.getMessage(), e);
        }
        List<String> acks = new ArrayList<>();
        for (ReceivedMessage m : r.getReceivedMessagesList()) {
            String sid = m.getMessage().getAttributesMap().get("call_sid");
            if (sid != null) {
                byCallSid.putIfAbsent(sid, new Event(m.getMessage().getMessageId(), m.getMessage().getData().toByteArray(),
                        Map.copyOf(m.getMessage().getAttributesMap())));
            }
            acks.add(m.getAckId());
        }
        if (!acks.isEmpty()) {
            try {
                pubsub.acknowledge(subscription, acks);
            } catch (ApiException e) {
                throw new IOException("acknowledge on " + subscription + ": " + e.getStatusCode().getCode() + " " + e.getMessage(), e);
            }
        }
        return acks.size();
    }

    /** The event of {@code callSid} pulled so far, or null. */
    public Event event(String callSid) {
        return byCallSid.get(callSid);
    }

    /** Whether every one of {@code callSids} has its event. */
    public boolean haveAll(Set<String> callSids) {
        return byCallSid.keySet().containsAll(callSids);
    }

    /** The object and its manifest: both there, and the manifest describing exactly these bytes. */
    public Verdict verifyObject(TestCall.Ids ids) {
        String where = "gs://" + setup.bucket() + "/" + ids.object();
        try {
            Blob wav = storage.get(BlobId.of(setup.bucket(), ids.object()));
            if (wav == null) {
                return new Verdict(false, where + " not found (not uploaded yet, or not recorded)");
            }
            Blob man = storage.get(BlobId.of(setup.bucket(), ids.manifestObject()));
            if (man == null) {
                return new Verdict(false, where + " is there (generation " + wav.getGeneration() + ") but its manifest "
                        + ids.manifestObject() + " is not");
            }
            byte[] bytes = storage.readAllBytes(BlobId.of(setup.bucket(), ids.object(), wav.getGeneration()));
            JsonObject m = json(storage.readAllBytes(BlobId.of(setup.bucket(), ids.manifestObject(), man.getGeneration())));
            if (m == null) {
                return new Verdict(false, ids.manifestObject() + " is not a JSON object");
            }
            List<String> wrong = new ArrayList<>();
            expect(wrong, m, "organization_id", ids.org());
            expect(wrong, m, "call_sid", ids.callSid());
            expect(wrong, m, "recording_id", ids.recordingId());
            expect(wrong, m, "object", ids.object());
            expect(wrong, m, "generation", Long.toString(wav.getGeneration()));
            expect(wrong, m, "md5Hash", wav.getMd5());
            expect(wrong, m, "sha256", sha256(bytes));
            expect(wrong, m, "size_bytes", Integer.toString(bytes.length));
            if (!wrong.isEmpty()) {
                return new Verdict(false, "the manifest does not describe " + where + ": " + String.join("; ", wrong));
            }
            String duration = m.has("audio") && m.get("audio").isJsonObject() && m.getAsJsonObject("audio").has("duration_ms")
                    ? m.getAsJsonObject("audio").get("duration_ms").toString() + " ms" : "duration unknown";
            return new Verdict(true, where + " generation " + wav.getGeneration() + ", " + bytes.length + " bytes, " + duration
                    + ", sha256 " + sha256(bytes).substring(0, 16) + "… matches its manifest");
        } catch (StorageException e) {
            return new Verdict(false, "GCS " + where + ": HTTP " + e.getCode() + " " + e.getMessage()
                    + (e.getCode() == 403 ? " (needs storage.objects.get on the bucket: roles/storage.objectViewer)" : ""));
        }
    }

    /** The evidence event: pulled, of type recording.evidence, carrying the manifest that is stored. */
    public Verdict verifyEvent(TestCall.Ids ids) {
        Event e = event(ids.callSid());
        if (e == null) {
            return new Verdict(false, "no event with call_sid=" + ids.callSid() + " on " + setup.topic() + " (subscription "
                    + setup.subscriptionId() + " existed before the call)");
        }
        if (!"recording.evidence".equals(e.attributes().get("event_type"))) {
            return new Verdict(false, "message " + e.messageId() + " has event_type " + e.attributes().get("event_type")
                    + ", expected recording.evidence");
        }
        try {
            Blob man = storage.get(BlobId.of(setup.bucket(), ids.manifestObject()));
            JsonElement stored = man == null ? null : JsonParser.parseString(new String(storage.readAllBytes(
                    BlobId.of(setup.bucket(), ids.manifestObject(), man.getGeneration())), StandardCharsets.UTF_8));
            JsonObject got = json(e.data());
            if (got == null || !got.equals(stored)) {
                return new Verdict(false, "message " + e.messageId() + "'s data is not the stored manifest "
                        + ids.manifestObject() + (stored == null ? " (which is missing)" : ""));
            }
        } catch (StorageException x) {
            return new Verdict(false, "GCS " + ids.manifestObject() + ": HTTP " + x.getCode() + " " + x.getMessage());
        } catch (RuntimeException x) {
            return new Verdict(false, "the stored manifest is not JSON: " + x.getMessage());
        }
        return new Verdict(true, "message " + e.messageId() + " on " + setup.topic() + ", data equal to the stored manifest");
    }

    /** The transcript the manifest names: there, with the sha256 the manifest says. */
    public Verdict verifyTranscript(TestCall.Ids ids) {
        try {
            Blob man = storage.get(BlobId.of(setup.bucket(), ids.manifestObject()));
            JsonObject m = man == null ? null : json(storage.readAllBytes(BlobId.of(setup.bucket(), ids.manifestObject(),
                    man.getGeneration())));
            if (m == null || !m.has("transcript") || !m.get("transcript").isJsonObject()) {
                return new Verdict(false, "the manifest " + ids.manifestObject() + (m == null ? " is missing" : " names no transcript")
                        + " (the stream to the provider did not start or produced nothing)");
            }
            JsonObject t = m.getAsJsonObject("transcript");
            String object = t.has("object") ? t.get("object").getAsString() : "";
            Blob blob = storage.get(BlobId.of(setup.bucket(), object));
            if (blob == null) {
                return new Verdict(false, "transcript gs://" + setup.bucket() + "/" + object + " not found");
            }
            byte[] bytes = storage.readAllBytes(BlobId.of(setup.bucket(), object, blob.getGeneration()));
            String sha = sha256(bytes);
            if (!t.has("sha256") || !sha.equals(t.get("sha256").getAsString())) {
                return new Verdict(false, "transcript " + object + " has sha256 " + sha + ", the manifest says " + t.get("sha256"));
            }
            return new Verdict(true, "gs://" + setup.bucket() + "/" + object + ", " + bytes.length + " bytes, sha256 matches the manifest");
        } catch (StorageException e) {
            return new Verdict(false, "GCS: HTTP " + e.getCode() + " " + e.getMessage());
        }
    }

    private static void expect(List<String> wrong, JsonObject m, String field, String want) {
        JsonElement e = m.get(field);
        String got = e == null || e.isJsonNull() ? null : e.getAsString();
        if (!want.equals(got)) {
            wrong.add(field + " " + got + ", the object's " + want);
        }
    }

    private static JsonObject json(byte[] bytes) {
        try {
            JsonElement e = JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8));
            return e.isJsonObject() ? e.getAsJsonObject() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Deletes the subscription; returns null, or why it could not (it then expires after a day unused). */
    public String deleteSubscription() {
        try {
            pubsub.deleteSubscription(subscription);
            return null;
        } catch (ApiException e) {
            return "could not delete " + subscription + " (" + e.getStatusCode().getCode() + " " + e.getMessage()
                    + "); it expires after 1 day unused";
        }
    }

    private void closeClients() {
        pubsub.close();
        try {
            storage.close();
        } catch (Exception e) {
            // nothing held that matters
        }
    }

    @Override
    public void close() {
        closeClients();
    }
}
