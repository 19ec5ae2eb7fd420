package dev.mediaplane.ops.release;

import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.auth.Credentials;
import com.google.cloud.monitoring.v3.MetricServiceClient;
import com.google.cloud.monitoring.v3.MetricServiceSettings;
import com.google.monitoring.v3.Aggregation;
import com.google.monitoring.v3.ListTimeSeriesRequest;
import com.google.monitoring.v3.ListTimeSeriesResponse;
import com.google.monitoring.v3.TimeSeries;
import com.google.protobuf.util.Timestamps;
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
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An in-process gRPC stand-in of Cloud Monitoring's {@code MetricService.ListTimeSeries}, reached
 * by the real {@link MetricServiceClient} over grpc-inprocess. The method is bound by its proto name
 * with protobuf marshallers (the generated grpc stub artifact is not served here). As strict as the
 * service on what the analysis relies on: the bearer token in the {@code authorization} metadata
 * (UNAUTHENTICATED otherwise), the project name (PERMISSION_DENIED), the filter's shape (one
 * {@code metric.type} of a node-agent metric and {@code resource.type = "prometheus_target"}),
 * an aligner valid for the metric's kind, an interval and alignment period (INVALID_ARGUMENT), and
 * paging (two series a page).
 */
public final class MonitoringStandIn implements AutoCloseable {

    static final MethodDescriptor<ListTimeSeriesRequest, ListTimeSeriesResponse> LIST =
            MethodDescriptor.<ListTimeSeriesRequest, ListTimeSeriesResponse>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName("google.monitoring.v3.MetricService/ListTimeSeries")
                    .setRequestMarshaller(ProtoUtils.marshaller(ListTimeSeriesRequest.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(ListTimeSeriesResponse.getDefaultInstance()))
                    .build();

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Pattern FILTER = Pattern.compile(
            "metric\\.type = \"(prometheus\\.googleapis\\.com/mediaplane_[a-z0-9_]+/(gauge|counter|histogram))\""
                    + " AND resource\\.type = \"prometheus_target\"");

    private final String project;
    private final String token;
    private final Server server;
    private final ManagedChannel channel;
    /** Metric type -> the series the aligned query returns. */
    public final Map<String, List<TimeSeries>> series = new ConcurrentHashMap<>();
    /** Every request that passed auth. */
    public final List<ListTimeSeriesRequest> requests = new CopyOnWriteArrayList<>();
    /** Authorization values seen (to prove the token was sent, and sent only here). */
    public final Set<String> authorizations = ConcurrentHashMap.newKeySet();

    public MonitoringStandIn(String project, String token) throws IOException {
        this.project = project;
        this.token = token;
        String name = InProcessServerBuilder.generateName();
        ServerServiceDefinition service = ServerServiceDefinition.builder("google.monitoring.v3.MetricService")
                .addMethod(LIST, ServerCalls.asyncUnaryCall((req, obs) -> {
                    try {
                        obs.onNext(list(req));
                        obs.onCompleted();
                    } catch (io.grpc.StatusRuntimeException e) {
                        obs.onError(e);
                    }
                }))
                .build();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(service, new Auth())).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    /** The real client, on this stand-in, with {@code credentials}. */
    public MetricsReader reader(Credentials credentials) {
        try {
            return new MetricsReader(MetricServiceClient.create(MetricServiceSettings.newBuilder()
                    .setTransportChannelProvider(FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
                    .setCredentialsProvider(FixedCredentialsProvider.create(credentials))
                    .build()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private final class Auth implements ServerInterceptor {
        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            String auth = headers.get(AUTHORIZATION);
            if (auth != null) {
                authorizations.add(auth);
            }
            if (!("Bearer " + token).equals(auth)) {
                call.close(Status.UNAUTHENTICATED.withDescription("Request had invalid authentication credentials. Expected"
                        + " OAuth 2 access token, login cookie or other valid authentication credential."), new Metadata());
                return new ServerCall.Listener<>() { };
            }
            return next.startCall(call, headers);
        }
    }

    private ListTimeSeriesResponse list(ListTimeSeriesRequest req) {
        if (!req.getName().equals("projects/" + project)) {
            throw Status.PERMISSION_DENIED.withDescription("Permission monitoring.timeSeries.list denied (or the resource may"
                    + " not exist).").asRuntimeException();
        }
        Matcher m = FILTER.matcher(req.getFilter());
        if (!m.matches()) {
            throw Status.INVALID_ARGUMENT.withDescription("Field filter had an invalid value of \"" + req.getFilter()
                    + "\": the stand-in accepts one metric.type of a node-agent metric AND resource.type").asRuntimeException();
        }
        if (!req.hasInterval() || Timestamps.compare(req.getInterval().getStartTime(), req.getInterval().getEndTime()) >= 0) {
            throw Status.INVALID_ARGUMENT.withDescription("Field interval.start_time had an invalid value: it must be earlier"
                    + " than interval.end_time").asRuntimeException();
        }
        Aggregation.Aligner a = req.getAggregation().getPerSeriesAligner();
        String kind = m.group(2);
        Set<Aggregation.Aligner> valid = switch (kind) {
            case "gauge" -> Set.of(Aggregation.Aligner.ALIGN_MEAN, Aggregation.Aligner.ALIGN_MIN, Aggregation.Aligner.ALIGN_MAX);
            case "counter" -> Set.of(Aggregation.Aligner.ALIGN_DELTA, Aggregation.Aligner.ALIGN_RATE);
            default -> Set.of(Aggregation.Aligner.ALIGN_DELTA);
        };
        if (!valid.contains(a)) {
            throw Status.INVALID_ARGUMENT.withDescription("The aligner " + a + " cannot be applied to metrics with kind "
                    + (kind.equals("gauge") ? "GAUGE" : "CUMULATIVE") + " and value type "
                    + (kind.equals("histogram") ? "DISTRIBUTION" : "DOUBLE")).asRuntimeException();
        }
        if (req.getAggregation().getAlignmentPeriod().getSeconds() < 60) {
            throw Status.INVALID_ARGUMENT.withDescription("The alignment period must be at least 60s").asRuntimeException();
        }
        requests.add(req);
        List<TimeSeries> all = series.getOrDefault(m.group(1), List.of());
        int from = req.getPageToken().isEmpty() ? 0 : Integer.parseInt(req.getPageToken());
        ListTimeSeriesResponse.Builder r = ListTimeSeriesResponse.newBuilder()
                .addAllTimeSeries(all.subList(from, Math.min(all.size(), from + 2)));
        if (from + 2 < all.size()) {
            r.setNextPageToken(String.valueOf(from + 2));
        }
        return r.build();
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.shutdownNow();
    }
}
