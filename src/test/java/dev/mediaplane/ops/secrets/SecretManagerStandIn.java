package dev.mediaplane.ops.secrets;

import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.secretmanager.v1.AccessSecretVersionRequest;
import com.google.cloud.secretmanager.v1.AccessSecretVersionResponse;
import com.google.cloud.secretmanager.v1.AddSecretVersionRequest;
import com.google.cloud.secretmanager.v1.DisableSecretVersionRequest;
import com.google.cloud.secretmanager.v1.GetSecretRequest;
import com.google.cloud.secretmanager.v1.ListSecretVersionsRequest;
import com.google.cloud.secretmanager.v1.ListSecretVersionsResponse;
import com.google.cloud.secretmanager.v1.Rotation;
import com.google.cloud.secretmanager.v1.Secret;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import com.google.cloud.secretmanager.v1.SecretPayload;
import com.google.cloud.secretmanager.v1.SecretVersion;
import com.google.cloud.secretmanager.v1.Topic;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.mediaplane.testing.Iam;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.zip.CRC32C;

/**
 * An in-process google.cloud.secretmanager.v1.SecretManagerService for the real client, as strict
 * as the API on what the day-2 commands call (GetSecret, ListSecretVersions, AddSecretVersion,
 * AccessSecretVersion, DisableSecretVersion):
 * <ul>
 *   <li>no {@code authorization: Bearer} metadata, or an unknown token: UNAUTHENTICATED;
 *   <li>IAM per secret (inherited from the project) with the permission each method checks; a
 *       denial reads "Permission 'secretmanager.versions.add' denied for resource
 *       'projects/P/secrets/S' (or it may not exist)." and is given before existence is revealed;
 *   <li>a missing secret or version, with permission: NOT_FOUND; {@code latest} is the newest
 *       version whatever its state; accessing a DISABLED or DESTROYED one: FAILED_PRECONDITION;
 *   <li>AddSecretVersion checks data_crc32c when set and the 64 KiB payload limit (INVALID_ARGUMENT);
 *       DisableSecretVersion checks the etag when set (ABORTED).
 * </ul>
 * The generated server stubs are not on Maven Central: methods are bound to the client's own messages.
 */
public final class SecretManagerStandIn implements AutoCloseable {

    public static final String ROTATOR = "secretRotator";
    public static final String VIEWER = "secretViewer";
    private static final String SERVICE = "google.cloud.secretmanager.v1.SecretManagerService";
    private static final Context.Key<String> CALLER = Context.key("caller");

    public final String project;
    public final String projectNumber = "123456789012";
    public final Iam iam = new Iam();
    /** Bearer token -> member (user:ops@example.com). */
    public final Map<String, String> tokens = new ConcurrentHashMap<>();
    /** Every call: method and resource, never a payload. */
    public final List<String> calls = new CopyOnWriteArrayList<>();
    public final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-02T10:00:00Z"));
    private final Map<String, StoredSecret> secrets = new ConcurrentHashMap<>();
    private final Server server;
    private final String name = InProcessServerBuilder.generateName();
    private final ManagedChannel channel;

    static final class StoredSecret {
        final List<StoredVersion> versions = new CopyOnWriteArrayList<>();
        volatile Rotation rotation;
        volatile List<String> topics = List.of();
    }

    static final class StoredVersion {
        final int number;
        final byte[] data;
        final Instant created;
        volatile SecretVersion.State state = SecretVersion.State.ENABLED;
        volatile int generation;

        StoredVersion(int number, byte[] data, Instant created) {
            this.number = number;
            this.data = data;
            this.created = created;
        }

        String etag() {
            return "\"" + Integer.toHexString(number * 7919 + generation) + "\"";
        }
    }

    public SecretManagerStandIn(String project) throws IOException {
        this.project = project;
        iam.defineRole("projects/" + project + "/roles/" + ROTATOR, Set.of("secretmanager.secrets.get",
                "secretmanager.versions.list", "secretmanager.versions.add", "secretmanager.versions.access",
                "secretmanager.versions.disable"));
        iam.defineRole("projects/" + project + "/roles/" + VIEWER, Set.of("secretmanager.secrets.get", "secretmanager.versions.list"));
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(service(), new Auth()))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    /** The real client's settings: this server's channel, and a fixed OAuth token sent as authorization metadata. */
    public SecretManagerClients clients(String token) {
        return () -> {
            // One channel for every client (the provider does not close it); closed with the stand-in.
            GoogleCredentials creds = GoogleCredentials.create(new AccessToken(token, Date.from(Instant.now().plus(Duration.ofHours(1)))));
            return SecretManagerServiceClient.create(SecretManagerServiceSettings.newBuilder()
                    .setTransportChannelProvider(FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
                    .setCredentialsProvider(FixedCredentialsProvider.create(creds))
                    .build());
        };
    }

    public String resource(String id) {
        return "projects/" + project + "/secrets/" + id;
    }

    /** A secret as Pulumi creates it (no versions), with its schedule and notice topic. */
    public void createSecret(String id, Duration rotationPeriod, Instant nextRotation) {
        StoredSecret s = new StoredSecret();
        if (rotationPeriod != null) {
            s.rotation = Rotation.newBuilder()
                    .setRotationPeriod(com.google.protobuf.Duration.newBuilder().setSeconds(rotationPeriod.toSeconds()))
                    .setNextRotationTime(ts(nextRotation)).build();
            s.topics = List.of("projects/" + project + "/topics/mp-test-secret-rotation");
        }
        secrets.put(id, s);
    }

    /** A version planted directly (as Pulumi's SecretVersion would have added it). */
    public int plant(String id, byte[] data, Instant created) {
        StoredSecret s = secrets.get(id);
        StoredVersion v = new StoredVersion(s.versions.size() + 1, data.clone(), created);
        s.versions.add(v);
        return v.number;
    }

    public SecretVersion.State state(String id, int version) {
        return secrets.get(id).versions.get(version - 1).state;
    }

    public void setState(String id, int version, SecretVersion.State state) {
        secrets.get(id).versions.get(version - 1).state = state;
    }

    public byte[] data(String id, int version) {
        return secrets.get(id).versions.get(version - 1).data.clone();
    }

    /** Deletes the secret and its versions (IAM bindings on it stay, as they would on the project). */
    public void deleteSecret(String id) {
        secrets.remove(id);
    }

    public int versions(String id) {
        return secrets.get(id).versions.size();
    }

    /** Grants role (ROTATOR, VIEWER, or a predefined role name) to member on a secret id, or on the project when id is null. */
    public void grant(String id, String member, String role) {
        String r = role.startsWith("roles/") ? role : "projects/" + project + "/roles/" + role;
        iam.grant(id == null ? "projects/" + project : resource(id), member, r);
    }

    private final class Auth implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String auth = headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER));
            if (auth == null || !auth.startsWith("Bearer ")) {
                call.close(Status.UNAUTHENTICATED.withDescription("Request is missing required authentication credential."
                        + " Expected OAuth 2 access token, login cookie or other valid authentication credential."), new Metadata());
                return new ServerCall.Listener<>() { };
            }
            String member = tokens.get(auth.substring(7));
            if (member == null) {
                call.close(Status.UNAUTHENTICATED.withDescription("Request had invalid authentication credentials."
                        + " Expected OAuth 2 access token, login cookie or other valid authentication credential."), new Metadata());
                return new ServerCall.Listener<>() { };
            }
            return Contexts.interceptCall(Context.current().withValue(CALLER, member), call, headers, next);
        }
    }

    private ServerServiceDefinition service() {
        return ServerServiceDefinition.builder(SERVICE)
                .addMethod(unary("GetSecret", GetSecretRequest.getDefaultInstance(), Secret.getDefaultInstance(), this::getSecret))
                .addMethod(unary("ListSecretVersions", ListSecretVersionsRequest.getDefaultInstance(),
                        ListSecretVersionsResponse.getDefaultInstance(), this::listVersions))
                .addMethod(unary("AddSecretVersion", AddSecretVersionRequest.getDefaultInstance(), SecretVersion.getDefaultInstance(),
                        this::addVersion))
                .addMethod(unary("AccessSecretVersion", AccessSecretVersionRequest.getDefaultInstance(),
                        AccessSecretVersionResponse.getDefaultInstance(), this::access))
                .addMethod(unary("DisableSecretVersion", DisableSecretVersionRequest.getDefaultInstance(),
                        SecretVersion.getDefaultInstance(), this::disable))
                .build();
    }

    private static <Q extends Message, R extends Message> io.grpc.ServerMethodDefinition<Q, R> unary(String method, Q req, R resp,
                                                                                                   Function<Q, R> impl) {
        MethodDescriptor<Q, R> d = MethodDescriptor.<Q, R>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, method))
                .setRequestMarshaller(ProtoUtils.marshaller(req))
                .setResponseMarshaller(ProtoUtils.marshaller(resp))
                .build();
        return io.grpc.ServerMethodDefinition.create(d, ServerCalls.asyncUnaryCall((Q q, StreamObserver<R> o) -> {
            try {
                o.onNext(impl.apply(q));
                o.onCompleted();
            } catch (StatusRuntimeException e) {
                o.onError(e);
            }
        }));
    }

    /** projects/P/secrets/S -> S, checking the permission on it first (the API never says whether it exists to the unauthorised). */
    private String authorize(String secretName, String permission) {
        String prefix = "projects/" + project + "/secrets/";
        String byNumber = "projects/" + projectNumber + "/secrets/";
        // The API takes the project id or its number; names it returns use the number.
        String id = secretName.startsWith(prefix) ? secretName.substring(prefix.length())
                : secretName.startsWith(byNumber) ? secretName.substring(byNumber.length()) : null;
        if (id != null && id.contains("/")) {
            id = id.substring(0, id.indexOf('/'));
        }
        String member = CALLER.get();
        if (id == null || !iam.allowed(member, permission, prefix + id, "projects/" + project)) {
            throw Status.PERMISSION_DENIED.withDescription("Permission '" + permission + "' denied for resource '"
                    + secretName + "' (or it may not exist).").asRuntimeException();
        }
        return id;
    }

    private StoredSecret secret(String id) {
        StoredSecret s = secrets.get(id);
        if (s == null) {
            throw Status.NOT_FOUND.withDescription("Secret [projects/" + projectNumber + "/secrets/" + id + "] not found.")
                    .asRuntimeException();
        }
        return s;
    }

    private Secret getSecret(GetSecretRequest r) {
        calls.add("GetSecret " + r.getName());
        String id = authorize(r.getName(), "secretmanager.secrets.get");
        StoredSecret s = secret(id);
        Secret.Builder b = Secret.newBuilder().setName("projects/" + project + "/secrets/" + id);
        if (s.rotation != null) {
            b.setRotation(s.rotation);
        }
        s.topics.forEach(t -> b.addTopics(Topic.newBuilder().setName(t)));
        return b.build();
    }

    private ListSecretVersionsResponse listVersions(ListSecretVersionsRequest r) {
        calls.add("ListSecretVersions " + r.getParent());
        String id = authorize(r.getParent(), "secretmanager.versions.list");
        StoredSecret s = secret(id);
        ListSecretVersionsResponse.Builder b = ListSecretVersionsResponse.newBuilder();
        List<StoredVersion> newestFirst = new ArrayList<>(s.versions);
        java.util.Collections.reverse(newestFirst);
        newestFirst.forEach(v -> b.addVersions(proto(id, v)));
        return b.setTotalSize(newestFirst.size()).build();
    }

    private SecretVersion addVersion(AddSecretVersionRequest r) {
        calls.add("AddSecretVersion " + r.getParent());
        String id = authorize(r.getParent(), "secretmanager.versions.add");
        StoredSecret s = secret(id);
        byte[] data = r.getPayload().getData().toByteArray();
        if (data.length > 65536) {
            throw Status.INVALID_ARGUMENT.withDescription("Secret Payload cannot be larger than 64KiB.").asRuntimeException();
        }
        if (r.getPayload().hasDataCrc32C()) {
            CRC32C c = new CRC32C();
            c.update(data);
            if (c.getValue() != r.getPayload().getDataCrc32C()) {
                throw Status.INVALID_ARGUMENT.withDescription("Checksum mismatch: the data_crc32c does not match the payload.")
                        .asRuntimeException();
            }
        }
        StoredVersion v;
        synchronized (s) {
            v = new StoredVersion(s.versions.size() + 1, data, now.get());
            s.versions.add(v);
        }
        return proto(id, v);
    }

    private AccessSecretVersionResponse access(AccessSecretVersionRequest r) {
        calls.add("AccessSecretVersion " + r.getName());
        String id = authorize(r.getName(), "secretmanager.versions.access");
        StoredVersion v = version(id, r.getName());
        if (v.state != SecretVersion.State.ENABLED) {
            throw Status.FAILED_PRECONDITION.withDescription("Secret Version [projects/" + projectNumber + "/secrets/" + id
                    + "/versions/" + v.number + "] is in " + v.state + " state.").asRuntimeException();
        }
        CRC32C c = new CRC32C();
        c.update(v.data);
        return AccessSecretVersionResponse.newBuilder().setName("projects/" + projectNumber + "/secrets/" + id + "/versions/" + v.number)
                .setPayload(SecretPayload.newBuilder().setData(ByteString.copyFrom(v.data)).setDataCrc32C(c.getValue())).build();
    }

    private SecretVersion disable(DisableSecretVersionRequest r) {
        calls.add("DisableSecretVersion " + r.getName());
        String id = authorize(r.getName(), "secretmanager.versions.disable");
        StoredVersion v = version(id, r.getName());
        if (!r.getEtag().isEmpty() && !r.getEtag().equals(v.etag())) {
            throw Status.ABORTED.withDescription("The etag provided in the request does not match the current etag of the"
                    + " resource.").asRuntimeException();
        }
        if (v.state == SecretVersion.State.DESTROYED) {
            throw Status.FAILED_PRECONDITION.withDescription("Secret Version [projects/" + projectNumber + "/secrets/" + id
                    + "/versions/" + v.number + "] is in DESTROYED state.").asRuntimeException();
        }
        v.state = SecretVersion.State.DISABLED;
        v.generation++;
        return proto(id, v);
    }

    private StoredVersion version(String id, String name) {
        StoredSecret s = secret(id);
        String v = name.substring(name.lastIndexOf('/') + 1);
        if (s.versions.isEmpty()) {
            throw Status.NOT_FOUND.withDescription("Secret [projects/" + projectNumber + "/secrets/" + id
                    + "] not found or has no versions.").asRuntimeException();
        }
        if (v.equals("latest")) {
            return s.versions.get(s.versions.size() - 1);
        }
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw Status.INVALID_ARGUMENT.withDescription("Invalid resource field value in the request.").asRuntimeException();
        }
        if (n < 1 || n > s.versions.size()) {
            throw Status.NOT_FOUND.withDescription("Secret Version [projects/" + projectNumber + "/secrets/" + id
                    + "/versions/" + n + "] not found.").asRuntimeException();
        }
        return s.versions.get(n - 1);
    }

    private SecretVersion proto(String id, StoredVersion v) {
        return SecretVersion.newBuilder().setName("projects/" + projectNumber + "/secrets/" + id + "/versions/" + v.number)
                .setState(v.state).setCreateTime(ts(v.created)).setEtag(v.etag()).build();
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.shutdownNow();
    }
}
