package dev.mediaplane.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.secretmanager.v1.AccessSecretVersionRequest;
import com.google.cloud.secretmanager.v1.AccessSecretVersionResponse;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import com.google.cloud.secretmanager.v1.SecretPayload;
import com.google.cloud.secretmanager.v1.SecretVersionName;
import com.google.protobuf.ByteString;
import com.pulumi.gcp.secretmanager.Secret;
import com.pulumi.gcp.secretmanager.SecretArgs;
import com.pulumi.gcp.secretmanager.inputs.SecretReplicationArgs;
import com.pulumi.test.Mocks;
import com.pulumi.test.PulumiTest;
import com.pulumi.test.TestOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The libraries-bom manages protobuf and grpc for every scope, so the shaded CLI runs Pulumi on
 * protobuf 4.x and grpc 1.76 rather than the 3.25 / 1.57 Pulumi was built with; the test classpath
 * resolves the very same versions (Maven picks one per artifact for the whole build). This proves
 * they serve both sides in one JVM, in both orders: the Pulumi mock engine, and the real Secret
 * Manager client over in-process gRPC (test scope until the rotation issue uses it in main).
 */
class ClasspathConvergenceTest {

    @Test
    void secretManagerClientAndPulumiMockEngineShareOneJvm() throws Exception {
        assertTrue(com.google.protobuf.RuntimeVersion.MAJOR >= 4, "expected protobuf 4.x to win the convergence");
        assertTrue(io.grpc.internal.GrpcUtil.IMPLEMENTATION_VERSION.matches("1\\.(7[6-9]|[89][0-9])\\..*"),
                "expected the BOM's grpc (1.76 or later), got " + io.grpc.internal.GrpcUtil.IMPLEMENTATION_VERSION);
        assertEquals("stand-in-value", readThroughRealClient());
        assertEquals(List.of("gcp:secretmanager/secret:Secret"), declareUnderMockEngine());
        assertEquals("stand-in-value", readThroughRealClient());
    }

    private static String readThroughRealClient() throws Exception {
        String serverName = InProcessServerBuilder.generateName();
        Server server = InProcessServerBuilder.forName(serverName).directExecutor()
                .addService(secretManagerStandIn())
                .build()
                .start();
        ManagedChannel channel = InProcessChannelBuilder.forName(serverName).directExecutor().build();
        try (SecretManagerServiceClient client = SecretManagerServiceClient.create(SecretManagerServiceSettings.newBuilder()
                .setTransportChannelProvider(FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
                .setCredentialsProvider(NoCredentialsProvider.create())
                .build())) {
            return client.accessSecretVersion(SecretVersionName.of("p", "mp-dev-esl-password", "latest"))
                    .getPayload().getData().toStringUtf8();
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }

    /**
     * The server half of google.cloud.secretmanager.v1.SecretManagerService/AccessSecretVersion,
     * built from the same protobuf messages the client sends (the generated server stubs are not
     * published to Maven Central).
     */
    private static ServerServiceDefinition secretManagerStandIn() {
        String service = "google.cloud.secretmanager.v1.SecretManagerService";
        MethodDescriptor<AccessSecretVersionRequest, AccessSecretVersionResponse> access =
                MethodDescriptor.<AccessSecretVersionRequest, AccessSecretVersionResponse>newBuilder()
                        .setType(MethodDescriptor.MethodType.UNARY)
                        .setFullMethodName(MethodDescriptor.generateFullMethodName(service, "AccessSecretVersion"))
                        .setRequestMarshaller(ProtoUtils.marshaller(AccessSecretVersionRequest.getDefaultInstance()))
                        .setResponseMarshaller(ProtoUtils.marshaller(AccessSecretVersionResponse.getDefaultInstance()))
                        .build();
        return ServerServiceDefinition.builder(service)
                .addMethod(access, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(AccessSecretVersionResponse.newBuilder()
                            .setName(request.getName())
                            .setPayload(SecretPayload.newBuilder().setData(ByteString.copyFromUtf8("stand-in-value")))
                            .build());
                    response.onCompleted();
                }))
                .build();
    }

    private static List<String> declareUnderMockEngine() {
        List<String> types = new CopyOnWriteArrayList<>();
        Mocks mocks = args -> {
            types.add(args.type);
            return CompletableFuture.completedFuture(Mocks.ResourceResult.of(Optional.of(args.name + "-id"), args.inputs));
        };
        try {
            var result = PulumiTest.withMocks(mocks)
                    .withOptions(TestOptions.builder().projectName("mediaplane").stackName("dev").build())
                    .runTest(ctx -> new Secret("esl", SecretArgs.builder()
                            .secretId("mp-dev-esl-password")
                            .replication(SecretReplicationArgs.builder().auto(
                                    com.pulumi.gcp.secretmanager.inputs.SecretReplicationAutoArgs.builder().build()).build())
                            .build()));
            assertEquals(List.of(), result.exceptions());
        } finally {
            PulumiTest.cleanup();
        }
        return types;
    }
}
