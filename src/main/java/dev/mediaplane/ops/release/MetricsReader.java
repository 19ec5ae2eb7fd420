package dev.mediaplane.ops.release;

import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.auth.Credentials;
import com.google.cloud.monitoring.v3.MetricServiceClient;
import com.google.cloud.monitoring.v3.MetricServiceSettings;
import com.google.monitoring.v3.ListTimeSeriesRequest;
import com.google.monitoring.v3.TimeSeries;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reads time series from Cloud Monitoring with Google's client ({@code MetricServiceClient.listTimeSeries}). */
public final class MetricsReader implements AutoCloseable {

    private final MetricServiceClient client;

    public MetricsReader(MetricServiceClient client) {
        this.client = client;
    }

    /** The client on Google's endpoint with {@code credentials}. */
    public static MetricsReader google(Credentials credentials) {
        try {
            return new MetricsReader(MetricServiceClient.create(MetricServiceSettings.newBuilder()
                    .setCredentialsProvider(FixedCredentialsProvider.create(credentials)).build()));
        } catch (IOException e) {
            throw new CloudException("cannot create the Cloud Monitoring client: " + e.getMessage(), e);
        }
    }

    /** Every series the request matches, all pages. */
    public List<TimeSeries> list(ListTimeSeriesRequest request) {
        List<TimeSeries> out = new ArrayList<>();
        try {
            client.listTimeSeries(request).iterateAll().forEach(out::add);
        } catch (com.google.api.gax.rpc.ApiException e) {
            throw new CloudException("Cloud Monitoring listTimeSeries (" + request.getFilter() + ") failed: "
                    + e.getStatusCode().getCode() + " " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public void close() {
        client.close();
    }
}
