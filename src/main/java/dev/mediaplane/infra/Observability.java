package dev.mediaplane.infra;

import com.pulumi.gcp.logging.Metric;
import com.pulumi.gcp.logging.MetricArgs;
import com.pulumi.gcp.logging.inputs.MetricBucketOptionsArgs;
import com.pulumi.gcp.logging.inputs.MetricBucketOptionsExponentialBucketsArgs;
import com.pulumi.gcp.logging.inputs.MetricMetricDescriptorArgs;
import com.pulumi.gcp.monitoring.AlertPolicy;
import com.pulumi.gcp.monitoring.AlertPolicyArgs;
import com.pulumi.gcp.monitoring.inputs.AlertPolicyConditionArgs;
import com.pulumi.gcp.monitoring.inputs.AlertPolicyConditionConditionAbsentAggregationArgs;
import com.pulumi.gcp.monitoring.inputs.AlertPolicyConditionConditionAbsentArgs;
import com.pulumi.gcp.monitoring.inputs.AlertPolicyConditionConditionThresholdAggregationArgs;
import com.pulumi.gcp.monitoring.inputs.AlertPolicyConditionConditionThresholdArgs;
import com.pulumi.gcp.monitoring.inputs.AlertPolicyDocumentationArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.render.NodeContract;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What tells the operators the media plane is unwell: log-based metrics over the nodes'
 * structured log events, the CIS 2.7 firewall-change metric, and the alerts on them.
 *
 * <p>Node events reach Cloud Logging through the Ops Agent boot installs (journald receiver, JSON
 * parsed out of MESSAGE): they are matched on the receiver's log name, {@code resource.type
 * gce_instance}, the stack's instance names and {@code jsonPayload.event}, so two stacks in one
 * project do not count each other's events.
 *
 * <p>Alert filters name their metric through the metric's own {@code name} output and carry the
 * {@code resource.type} Monitoring requires on {@code logging.googleapis.com/user/} metrics; each
 * policy also depends on its metric. That orders creation, but Monitoring may take up to ~10
 * minutes to accept a new log metric in a policy (404 "If a metric was created recently, it could
 * take up to 10 minutes", terraform-provider-google #11102) and the provider does not retry that
 * error: on a stack's first {@code pulumi up} the alert policies may fail once; the metrics are
 * created, and a second {@code pulumi up} a few minutes later creates the policies.
 */
public final class Observability extends Component {

    public static final String TYPE = "mediaplane:gcp:Observability";

    /**
     * Inputs.
     *
     * @param config the stack; thresholds and notification channels come from it (none by default)
     * @param contract the node's log events the metrics read; {@link NodeContract#STANDARD} by default
     */
    public record Args(StackConfig config, NodeContract contract) {
        public Args {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(contract, "contract");
        }

        public Args(StackConfig config) {
            this(config, NodeContract.STANDARD);
        }
    }

    /** Monitored resource of node events (the Ops Agent's) and of their log metrics' time series. */
    public static final String NODE_RESOURCE = "gce_instance";

    /**
     * Monitored resource of the firewall-change metric's time series: audit entries of
     * {@code gce_firewall_rule}, which Monitoring does not know, are counted on {@code global}.
     */
    public static final String AUDIT_RESOURCE = "global";

    /** Log filter of one node event type of this stack, as the Ops Agent ships it. */
    public static String eventFilter(StackConfig c, NodeContract contract, NodeContract.Event event) {
        return "logName=\"" + contract.opsAgent().logName(c.project()) + "\" AND resource.type=\"" + NODE_RESOURCE
                + "\" AND labels.\"compute.googleapis.com/resource_name\":\"" + c.prefix()
                + "-node\" AND jsonPayload.event=\"" + event.name() + "\"";
    }

    /** CIS 2.7: any change to VPC firewall rules. */
    public static final String FIREWALL_CHANGE_FILTER = "resource.type=\"gce_firewall_rule\" AND ("
            + "protoPayload.methodName:\"compute.firewalls.patch\" OR "
            + "protoPayload.methodName:\"compute.firewalls.insert\" OR "
            + "protoPayload.methodName:\"compute.firewalls.delete\")";

    /**
     * A log-based metric: a counter of matching lines, or with {@code valueExtractor} a distribution.
     *
     * @param name metric name (also its resource name)
     * @param description what it counts
     * @param filter the log lines it reads
     * @param valueExtractor the value of a distribution; null: a counter
     * @param unit unit of the value ("1" for counters)
     * @param scale first bucket bound of a distribution's exponential buckets
     * @param growth growth factor of those buckets
     * @param resourceType the monitored resource its time series are written on (alert filters name it)
     */
    public record LogMetric(String name, String description, String filter, String valueExtractor, String unit,
                            double scale, double growth, String resourceType) {
        /** DELTA always; INT64 for a counter, DISTRIBUTION with a value extractor. */
        public String valueType() {
            return valueExtractor == null ? "INT64" : "DISTRIBUTION";
        }
    }

    /** Every log metric of the stack; node events come from the contract's definitions. */
    public static List<LogMetric> logMetrics(StackConfig c, NodeContract contract) {
        String prefix = c.prefix();
        NodeContract.Events events = contract.events();
        return List.of(
                new LogMetric(prefix + "-recording-upload-failures", "Recording uploads that gave up",
                        eventFilter(c, contract, events.recordingUploadFailed()), null, "1", 0, 0, NODE_RESOURCE),
                new LogMetric(prefix + "-recording-upload-latency", "Recording upload latency",
                        eventFilter(c, contract, events.recordingUploaded()), events.recordingUploaded().extractor(), "ms", 10, 2, NODE_RESOURCE),
                new LogMetric(prefix + "-rtcp-packet-loss", "RTCP packet loss per call",
                        eventFilter(c, contract, events.callQuality()), events.callQuality().extractor(), "%", 0.1, 2, NODE_RESOURCE),
                new LogMetric(prefix + "-disk-pressure", "Recordings disk use when under pressure",
                        eventFilter(c, contract, events.diskPressure()), events.diskPressure().extractor(), "%", 50, 1.1, NODE_RESOURCE),
                new LogMetric(prefix + "-firewall-changes", "VPC firewall rule changes (CIS 2.7)",
                        FIREWALL_CHANGE_FILTER, null, "1", 0, 0, AUDIT_RESOURCE));
    }

    public Observability(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        StackConfig c = args.config();
        String prefix = c.prefix();
        NodeContract.Events events = args.contract().events();

        Map<String, Metric> metrics = new LinkedHashMap<>();
        Map<String, LogMetric> specs = new LinkedHashMap<>();
        for (LogMetric m : logMetrics(c, args.contract())) {
            metrics.put(m.name(), metric(c, m));
            specs.put(m.name(), m);
        }
        Metric failures = metrics.get(prefix + "-recording-upload-failures");
        Metric packetLoss = metrics.get(prefix + "-rtcp-packet-loss");
        Metric disk = metrics.get(prefix + "-disk-pressure");
        Metric firewall = metrics.get(prefix + "-firewall-changes");

        String uptime = "metric.type=\"compute.googleapis.com/instance/uptime\" AND resource.type=\"gce_instance\""
                + " AND metadata.user_labels.\"stack\"=\"" + Common.labelValue(c.stack()) + "\""
                + " AND metadata.user_labels.\"component\"=\"fleet\"";
        // Node down = fewer nodes report uptime than the fleet's floor, or none do at all (a count
        // over no series has no value, so the threshold alone misses a fleet that is entirely gone).
        alert(c, prefix + "-node-down", "mediaplane " + c.stack() + ": node down", List.of(
                AlertPolicyConditionArgs.builder()
                        .displayName("fewer nodes up than " + c.fleet().baseSize())
                        .conditionThreshold(AlertPolicyConditionConditionThresholdArgs.builder()
                                .filter(uptime)
                                .comparison("COMPARISON_LT")
                                .thresholdValue((double) c.fleet().baseSize())
                                .duration("300s")
                                .aggregations(AlertPolicyConditionConditionThresholdAggregationArgs.builder()
                                        .alignmentPeriod("60s")
                                        .perSeriesAligner("ALIGN_MEAN")
                                        .crossSeriesReducer("REDUCE_COUNT")
                                        .build())
                                .build())
                        .build(),
                AlertPolicyConditionArgs.builder()
                        .displayName("no node reports uptime")
                        .conditionAbsent(AlertPolicyConditionConditionAbsentArgs.builder()
                                .filter(uptime)
                                .duration("300s")
                                .aggregations(AlertPolicyConditionConditionAbsentAggregationArgs.builder()
                                        .alignmentPeriod("60s")
                                        .perSeriesAligner("ALIGN_MEAN")
                                        .crossSeriesReducer("REDUCE_COUNT")
                                        .build())
                                .build())
                        .build()), null,
                "A node of stack " + c.stack() + " is down or the fleet is below its size. Autohealing recreates "
                        + "nodes that fail /live; check the instance group's recent actions.");

        alert(c, prefix + "-high-packet-loss", "mediaplane " + c.stack() + ": high RTCP packet loss", List.of(
                threshold("95th percentile packet loss above " + c.alerts().packetLossPercent() + "%",
                        userMetric(packetLoss, specs.get(prefix + "-rtcp-packet-loss")),
                        "ALIGN_PERCENTILE_95", "REDUCE_MAX", "300s", c.alerts().packetLossPercent())), packetLoss,
                "Calls of stack " + c.stack() + " lose more than " + c.alerts().packetLossPercent()
                        + "% of RTP packets: check the trunk's media path and node CPU.");

        alert(c, prefix + "-recording-upload-failures", "mediaplane " + c.stack() + ": recording upload failures", List.of(
                threshold("any failed upload in 5 min",
                        userMetric(failures, specs.get(prefix + "-recording-upload-failures")),
                        "ALIGN_SUM", "REDUCE_SUM", "300s", 0)), failures,
                "Recordings of stack " + c.stack() + " failed to upload; they stay on the node's disk. "
                        + "Check the node service account's access to the recordings bucket.");

        // The uploader reports disk_pressure only past its threshold (default 85% used), so any
        // report is the alert: recordings are never deleted to make room, an operator must act.
        // The metric is a DELTA DISTRIBUTION of used_percent: ALIGN_COUNT is refused on it (400),
        // a percentile is valid and any report (used_percent > 0) lifts it above 0.
        alert(c, prefix + "-disk-pressure", "mediaplane " + c.stack() + ": recordings disk filling", List.of(
                threshold("any disk pressure report in 5 min", userMetric(disk, specs.get(prefix + "-disk-pressure")),
                        "ALIGN_PERCENTILE_99", "REDUCE_MAX", "300s", 0)), disk,
                "A node of stack " + c.stack() + " has its recordings disk past the pressure threshold. Unverified "
                        + "recordings are never deleted: check " + events.recordingUploadFailed().name() + ", drain the node if it keeps filling.");

        alert(c, prefix + "-firewall-changes", "mediaplane " + c.stack() + ": firewall rules changed", List.of(
                threshold("any firewall change", userMetric(firewall, specs.get(prefix + "-firewall-changes")),
                        "ALIGN_SUM", "REDUCE_SUM", "60s", 0)), firewall,
                "A VPC firewall rule was inserted, patched or deleted (CIS 2.7). Check it matches a deploy.");

        registerOutputs(Map.of());
    }

    /** The metric's filter, from its own name output so the policy cannot name a metric not yet created. */
    private static Output<String> userMetric(Metric metric, LogMetric spec) {
        return metric.name().applyValue(n -> userMetricFilter(n, spec.resourceType()));
    }

    /** Filter of a log-based metric's time series; Monitoring refuses one without {@code resource.type}. */
    public static String userMetricFilter(String metricName, String resourceType) {
        return "metric.type=\"logging.googleapis.com/user/" + metricName + "\" AND resource.type=\"" + resourceType + "\"";
    }

    private static AlertPolicyConditionArgs threshold(String displayName, Output<String> filter, String aligner, String reducer,
                                                      String period, double value) {
        return AlertPolicyConditionArgs.builder()
                .displayName(displayName)
                .conditionThreshold(AlertPolicyConditionConditionThresholdArgs.builder()
                        .filter(filter)
                        .comparison("COMPARISON_GT")
                        .thresholdValue(value)
                        .duration("0s")
                        .aggregations(AlertPolicyConditionConditionThresholdAggregationArgs.builder()
                                .alignmentPeriod(period)
                                .perSeriesAligner(aligner)
                                .crossSeriesReducer(reducer)
                                .build())
                        .build())
                .build();
    }

    private Metric metric(StackConfig c, LogMetric m) {
        return m.valueExtractor() == null ? counter(c, m.name(), m.description(), m.filter())
                : distribution(c, m.name(), m.description(), m.filter(), m.valueExtractor(), m.unit(), m.scale(), m.growth());
    }

    private Metric counter(StackConfig c, String metricName, String description, String filter) {
        return new Metric(metricName, MetricArgs.builder()
                .project(c.project())
                .name(metricName)
                .description(description)
                .filter(filter)
                .metricDescriptor(MetricMetricDescriptorArgs.builder()
                        .metricKind("DELTA")
                        .valueType("INT64")
                        .unit("1")
                        .build())
                .build(), Common.child(this));
    }

    private Metric distribution(StackConfig c, String metricName, String description, String filter, String extractor,
                                String unit, double scale, double growth) {
        return new Metric(metricName, MetricArgs.builder()
                .project(c.project())
                .name(metricName)
                .description(description)
                .filter(filter)
                .valueExtractor(extractor)
                .metricDescriptor(MetricMetricDescriptorArgs.builder()
                        .metricKind("DELTA")
                        .valueType("DISTRIBUTION")
                        .unit(unit)
                        .build())
                .bucketOptions(MetricBucketOptionsArgs.builder()
                        .exponentialBuckets(MetricBucketOptionsExponentialBucketsArgs.builder()
                                .numFiniteBuckets(32)
                                .scale(scale)
                                .growthFactor(growth)
                                .build())
                        .build())
                .build(), Common.child(this));
    }

    /** An alert; {@code metric}, when given, must exist before the policy that reads it. */
    private void alert(StackConfig c, String policyName, String displayName, List<AlertPolicyConditionArgs> conditions,
                       Metric metric, String doc) {
        var opts = metric != null ? Common.childBuilder(this, metric) : Common.childBuilder(this);
        new AlertPolicy(policyName, AlertPolicyArgs.builder()
                .project(c.project())
                .displayName(displayName)
                .combiner("OR")
                .conditions(conditions)
                .notificationChannels(c.alerts().notificationChannels())
                .documentation(AlertPolicyDocumentationArgs.builder().content(doc).mimeType("text/markdown").build())
                .userLabels(Common.labels(c, "observability"))
                .build(), opts.build());
    }
}
