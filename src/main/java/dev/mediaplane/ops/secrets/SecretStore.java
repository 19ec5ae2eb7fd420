package dev.mediaplane.ops.secrets;

import com.google.api.gax.rpc.ApiException;
import com.google.cloud.secretmanager.v1.AccessSecretVersionResponse;
import com.google.cloud.secretmanager.v1.DisableSecretVersionRequest;
import com.google.cloud.secretmanager.v1.Secret;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretName;
import com.google.cloud.secretmanager.v1.SecretPayload;
import com.google.cloud.secretmanager.v1.SecretVersion;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The Secret Manager calls of the day-2 secret commands, on Google's client. Values pass through
 * here as bytes and leave only towards Secret Manager; no message, log line or exception carries
 * one (errors quote the resource and Google's status, which never contain a payload).
 */
public final class SecretStore implements AutoCloseable {

    /** A version as the commands report it; numbers, states and times only. */
    public record Version(String name, int number, SecretVersion.State state, Instant created, String etag) {}

    /**
     * A secret's schedule and versions.
     *
     * @param rotationPeriod Secret Manager's rotation.rotation_period, empty when no schedule
     * @param nextRotation rotation.next_rotation_time, empty when no schedule
     * @param topics the notice topics (SECRET_ROTATE, SECRET_VERSION_ADD, ... go there)
     * @param versions newest first
     */
    public record Info(String name, Optional<Duration> rotationPeriod, Optional<Instant> nextRotation, List<String> topics,
                       List<Version> versions) {
        public Optional<Version> latestEnabled() {
            return versions.stream().filter(v -> v.state() == SecretVersion.State.ENABLED).findFirst();
        }

        public List<Version> enabled() {
            return versions.stream().filter(v -> v.state() == SecretVersion.State.ENABLED).toList();
        }
    }

    /** A refusal or failure of Secret Manager, with the call, the resource and Google's status code. */
    public static final class StoreException extends IOException {
        private final String code;

        StoreException(String call, String resource, ApiException e) {
            super("Secret Manager " + call + " on " + resource + ": " + e.getStatusCode().getCode() + ": " + message(e));
            this.code = e.getStatusCode().getCode().name();
        }

        StoreException(String message) {
            super(message);
            this.code = "DATA_LOSS";
        }

        /** PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION, UNAUTHENTICATED, ... */
        public String code() {
            return code;
        }

        private static String message(ApiException e) {
            // gax prefixes the status name ("io.grpc.StatusRuntimeException: PERMISSION_DENIED: ..."); keep Google's text.
            String m = e.getMessage() == null ? "" : e.getMessage();
            int i = m.indexOf(e.getStatusCode().getCode().name() + ": ");
            return i >= 0 ? m.substring(i + e.getStatusCode().getCode().name().length() + 2) : m;
        }
    }

    private final SecretManagerServiceClient client;
    private final String project;

    private SecretStore(SecretManagerServiceClient client, String project) {
        this.client = client;
        this.project = project;
    }

    public static SecretStore open(SecretManagerClients clients, String project) throws IOException {
        return new SecretStore(clients.open(), project);
    }

    public String resource(String id) {
        return SecretName.of(project, id).toString();
    }

    /** AddSecretVersion with the payload's CRC32C, so Secret Manager refuses bytes damaged on the way. */
    public Version add(String id, byte[] value) throws StoreException {
        try {
            SecretVersion v = client.addSecretVersion(SecretName.of(project, id), SecretPayload.newBuilder()
                    .setData(ByteString.copyFrom(value)).setDataCrc32C(crc32c(value)).build());
            return version(v);
        } catch (ApiException e) {
            throw new StoreException("AddSecretVersion", resource(id), e);
        }
    }

    /**
     * AccessSecretVersion of exactly {@code v} (not "latest", which another rotation may have moved),
     * comparing the SHA-256 of what comes back, and Secret Manager's CRC32C, with the value sent.
     */
    public void verify(Version v, byte[] value) throws StoreException {
        AccessSecretVersionResponse r;
        try {
            r = client.accessSecretVersion(v.name());
        } catch (ApiException e) {
            throw new StoreException("AccessSecretVersion", v.name(), e);
        }
        byte[] back = r.getPayload().getData().toByteArray();
        if (!MessageDigest.isEqual(sha256(back), sha256(value))) {
            throw new StoreException(v.name() + " reads back different bytes than were added (SHA-256 differs); do not use it:"
                    + " disable it with gcloud secrets versions disable " + v.number());
        }
        if (r.getPayload().hasDataCrc32C() && r.getPayload().getDataCrc32C() != crc32c(value)) {
            throw new StoreException(v.name() + " reads back with a CRC32C that does not match the value added");
        }
    }

    /** GetSecret (rotation, topics) and ListSecretVersions. */
    public Info info(String id) throws StoreException {
        Secret s;
        try {
            s = client.getSecret(SecretName.of(project, id));
        } catch (ApiException e) {
            throw new StoreException("GetSecret", resource(id), e);
        }
        List<Version> versions = new ArrayList<>();
        try {
            for (SecretVersion v : client.listSecretVersions(SecretName.of(project, id)).iterateAll()) {
                versions.add(version(v));
            }
        } catch (ApiException e) {
            throw new StoreException("ListSecretVersions", resource(id), e);
        }
        versions.sort(Comparator.comparingInt(Version::number).reversed());
        Optional<Duration> period = s.hasRotation() && s.getRotation().hasRotationPeriod()
                ? Optional.of(Duration.ofSeconds(s.getRotation().getRotationPeriod().getSeconds())) : Optional.empty();
        Optional<Instant> next = s.hasRotation() && s.getRotation().hasNextRotationTime()
                ? Optional.of(instant(s.getRotation().getNextRotationTime())) : Optional.empty();
        return new Info(s.getName(), period, next, s.getTopicsList().stream().map(t -> t.getName()).toList(), List.copyOf(versions));
    }

    /** DisableSecretVersion with the version's etag, so a concurrent change makes it fail rather than act on stale state. */
    public Version disable(Version v) throws StoreException {
        try {
            return version(client.disableSecretVersion(DisableSecretVersionRequest.newBuilder().setName(v.name()).setEtag(v.etag()).build()));
        } catch (ApiException e) {
            throw new StoreException("DisableSecretVersion", v.name(), e);
        }
    }

    static long crc32c(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return c.getValue();
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Version version(SecretVersion v) {
        String n = v.getName().substring(v.getName().lastIndexOf('/') + 1);
        return new Version(v.getName(), Integer.parseInt(n), v.getState(), instant(v.getCreateTime()), v.getEtag());
    }

    private static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    @Override
    public void close() {
        client.close();
    }
}
