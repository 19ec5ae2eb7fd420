package dev.mediaplane.infra;

import com.pulumi.gcp.logging.Metric;
import com.pulumi.gcp.logging.MetricArgs;
import com.pulumi.gcp.logging.inputs.MetricBucketOptionsArgs;
import com.pulumi.gcp.logging.inputs.MetricBucketOptionsExponentialBucketsArgs;
import com.pulumi.gcp.logging.inputs.MetricMetricDescriptorArgs;
import com.pulumi.gcp.monitoring.AlertPolicy;
import com.pulumi.gcp.monitoring.AlertPolicyArgs;
import com.pulumi.gcp.monitoring.Dashboard;
import com.pulumi.gcp.monitoring.DashboardArgs;
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
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What tells the operators the media plane is unwell: the nodes dashboard and the alerts on the node
 * agent's Prometheus metrics ({@link NodeContract#metrics()}, scraped by the Ops Agent into
 * {@code prometheus.googleapis.com/<name>/<kind>}), log-based metrics over the nodes' structured log
 * events, the CIS 2.7 firewall-change metric, and the alerts on those.
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
 * error: on a stack's first {@code pulumi up} the firewall-change policy may fail once; the metric is
 * created, and a second {@code pulumi up} a few minutes later creates the policy. The packet-loss,
 * upload-failure and disk alerts read the agent's Prometheus metrics instead (the log metrics stay
 * for log analysis): they wait for no log metric, and their series exist once the Ops Agent has
 * scraped a node.
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

    /** Monitored resource of the agent's metrics, as the Ops Agent's prometheus receiver writes them. */
    public static final String PROMETHEUS_RESOURCE = "prometheus_target";

    /**
     * The resource label that tells nodes apart: the Ops Agent's prometheus receiver sets
     * {@code namespace} to the VM's instance id (cluster {@code __gce__}, job the scrape's job_name).
     */
    public static final String NODE_LABEL = "resource.label.\"namespace\"";

    /**
     * Recordings disk use the disk alert fires at: the agent's disk-pressure threshold (85 %, the
     * bash uploader's default), as a ratio like {@code mediaplane_recordings_disk_used_ratio}.
     */
    public static final double DISK_PRESSURE_RATIO = 0.85;

    /** Filter of one agent metric of this stack's nodes (the scrape job of the node contract's Ops Agent). */
    public static String agentMetricFilter(NodeContract contract, NodeContract.Metric metric) {
        return "metric.type=\"" + metric.monitoringType() + "\" AND resource.type=\"" + PROMETHEUS_RESOURCE
                + "\" AND resource.label.\"job\"=\"" + contract.opsAgent().metricsJob() + "\"";
    }

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

        // The alerts on the node agent's metrics: no log metric to wait for, and one series per node.
        NodeContract.Metrics nm = args.contract().metrics();
        alert(c, prefix + "-high-packet-loss", "mediaplane " + c.stack() + ": high RTCP packet loss", List.of(
                agentThreshold("95th percentile packet loss above " + c.alerts().packetLossPercent() + "%",
                        agentMetricFilter(args.contract(), nm.callPacketLoss()), "ALIGN_DELTA", "REDUCE_PERCENTILE_95",
                        "300s", c.alerts().packetLossPercent())), null,
                "Calls of stack " + c.stack() + " lose more than " + c.alerts().packetLossPercent()
                        + "% of RTP packets: check the trunk's media path and node CPU.");

        alert(c, prefix + "-recording-upload-failures", "mediaplane " + c.stack() + ": recording upload failures", List.of(
                agentThreshold("any failed upload in 5 min", agentMetricFilter(args.contract(), nm.uploadFailures()),
                        "ALIGN_DELTA", "REDUCE_SUM", "300s", 0)), null,
                "Recordings of stack " + c.stack() + " failed to upload; they stay on the node's disk. "
                        + "Check the node service account's access to the recordings bucket.");

        // Recordings are never deleted to make room: past the agent's pressure threshold an operator must act.
        alert(c, prefix + "-disk-pressure", "mediaplane " + c.stack() + ": recordings disk filling", List.of(
                agentThreshold("recordings disk above " + Math.round(DISK_PRESSURE_RATIO * 100) + "% on a node",
                        agentMetricFilter(args.contract(), nm.recordingsDiskUsed()), "ALIGN_MAX", "REDUCE_MAX", "300s",
                        DISK_PRESSURE_RATIO)), null,
                "A node of stack " + c.stack() + " has its recordings disk past the pressure threshold. Unverified "
                        + "recordings are never deleted: check " + events.recordingUploadFailed().name() + ", drain the node if it keeps filling.");

        // A refused key stops every new stream of that provider until the key is fixed: one refusal is worth a page.
        alert(c, prefix + "-stream-auth-refused", "mediaplane " + c.stack() + ": speech-to-text key refused", List.of(
                agentThreshold("a provider refused the key (401/403) in 5 min",
                        agentMetricFilter(args.contract(), nm.streamsFinished()) + " AND metric.label.\"outcome\"=\"auth_refused\"",
                        "ALIGN_DELTA", "REDUCE_SUM", "300s", 0)), null,
                "A speech-to-text provider refused the API key of stack " + c.stack() + " (the node logs "
                        + "stream_auth_refused with the provider and status, never the key). Streams of that provider stop; "
                        + "new ones wait 5 min or until the key file changes. Rotate the deepgramApiKey / assemblyAiApiKey "
                        + "secret and let boot write it again.");

        alert(c, prefix + "-firewall-changes", "mediaplane " + c.stack() + ": firewall rules changed", List.of(
                threshold("any firewall change", userMetric(firewall, specs.get(prefix + "-firewall-changes")),
                        "ALIGN_SUM", "REDUCE_SUM", "60s", 0)), firewall,
                "A VPC firewall rule was inserted, patched or deleted (CIS 2.7). Check it matches a deploy.");

        new Dashboard(prefix + "-nodes", DashboardArgs.builder()
                .project(c.project())
                .dashboardJson(dashboardJson(c, args.contract()))
                .build(), Common.child(this));

        registerOutputs(Map.of());
    }

    /**
     * A dashboard chart: one agent metric per node and for the fleet.
     *
     * @param title the chart's title
     * @param metric the contract's family it plots
     * @param aligner per series: ALIGN_RATE for counters, ALIGN_DELTA for histograms, ALIGN_MEAN for gauges
     * @param nodeReducer across a node's series (REDUCE_SUM, or a percentile for histograms)
     * @param fleetReducer across the fleet
     * @param byLabel a metric label kept apart on both lines (the process of CPU and memory), or null
     */
    public record Chart(String title, NodeContract.Metric metric, String aligner, String nodeReducer, String fleetReducer,
                        String byLabel) {}

    /** The nodes dashboard's charts, every one from a contract family (no metric name spelt here). */
    public static List<Chart> charts(NodeContract contract) {
        NodeContract.Metrics m = contract.metrics();
        return List.of(
                new Chart("Active calls", m.activeCalls(), "ALIGN_MEAN", "REDUCE_SUM", "REDUCE_SUM", null),
                new Chart("Active sessions", m.activeSessions(), "ALIGN_MEAN", "REDUCE_SUM", "REDUCE_SUM", null),
                new Chart("Calls per second", m.callsStarted(), "ALIGN_RATE", "REDUCE_SUM", "REDUCE_SUM", null),
                new Chart("Packet loss, p95 (%)", m.callPacketLoss(), "ALIGN_DELTA", "REDUCE_PERCENTILE_95",
                        "REDUCE_PERCENTILE_95", null),
                new Chart("Jitter, p95 (ms)", m.callJitter(), "ALIGN_DELTA", "REDUCE_PERCENTILE_95", "REDUCE_PERCENTILE_95", null),
                new Chart("MOS, p05", m.callMos(), "ALIGN_DELTA", "REDUCE_PERCENTILE_05", "REDUCE_PERCENTILE_05", null),
                new Chart("Recording upload latency, p95 (s)", m.uploadLatency(), "ALIGN_DELTA", "REDUCE_PERCENTILE_95",
                        "REDUCE_PERCENTILE_95", null),
                new Chart("Recording upload failures per second", m.uploadFailures(), "ALIGN_RATE", "REDUCE_SUM",
                        "REDUCE_SUM", null),
                new Chart("Evidence outbox depth", m.outboxDepth(), "ALIGN_MEAN", "REDUCE_SUM", "REDUCE_SUM", null),
                new Chart("Recordings pending upload", m.recordingsPending(), "ALIGN_MEAN", "REDUCE_SUM", "REDUCE_SUM", null),
                new Chart("Recordings disk used (ratio)", m.recordingsDiskUsed(), "ALIGN_MAX", "REDUCE_MAX", "REDUCE_MAX", null),
                new Chart("CPU (cores), agent and FreeSWITCH", m.processCpu(), "ALIGN_RATE", "REDUCE_SUM", "REDUCE_SUM",
                        "process"),
                new Chart("Resident memory (bytes), agent and FreeSWITCH", m.processMemory(), "ALIGN_MEAN", "REDUCE_SUM",
                        "REDUCE_MAX", "process"),
                new Chart("ESL connected", m.eslConnected(), "ALIGN_MIN", "REDUCE_MIN", "REDUCE_MIN", null),
                new Chart("Ready (serving /ready 200)", m.ready(), "ALIGN_MIN", "REDUCE_MIN", "REDUCE_SUM", null),
                new Chart("Active speech-to-text streams", m.streamsActive(), "ALIGN_MEAN", "REDUCE_SUM", "REDUCE_SUM", null),
                new Chart("Stream audio lost (bytes/s), by reason", m.streamAudioLost(), "ALIGN_RATE", "REDUCE_SUM",
                        "REDUCE_SUM", "reason"),
                new Chart("Stream reconnects per second", m.streamReconnects(), "ALIGN_RATE", "REDUCE_SUM", "REDUCE_SUM", null));
    }

    /** The {@code <prefix>-nodes} dashboard: each chart has a line per node and one for the fleet. */
    public static String dashboardJson(StackConfig c, NodeContract contract) {
        JsonArray tiles = new JsonArray();
        List<Chart> charts = charts(contract);
        for (int i = 0; i < charts.size(); i++) {
            Chart ch = charts.get(i);
            JsonArray dataSets = new JsonArray();
            JsonArray perNode = new JsonArray();
            perNode.add(NODE_LABEL);
            JsonArray fleet = new JsonArray();
            if (ch.byLabel() != null) {
                perNode.add("metric.label.\"" + ch.byLabel() + "\"");
                fleet.add("metric.label.\"" + ch.byLabel() + "\"");
            }
            dataSets.add(dataSet(agentMetricFilter(contract, ch.metric()), ch.aligner(), ch.nodeReducer(), perNode,
                    "node ${resource.labels.namespace}" + (ch.byLabel() != null ? " ${metric.labels." + ch.byLabel() + "}" : "")));
            dataSets.add(dataSet(agentMetricFilter(contract, ch.metric()), ch.aligner(), ch.fleetReducer(), fleet,
                    "fleet" + (ch.byLabel() != null ? " ${metric.labels." + ch.byLabel() + "}" : "")));
            JsonObject xy = new JsonObject();
            xy.add("dataSets", dataSets);
            JsonObject widget = new JsonObject();
            widget.addProperty("title", ch.title());
            widget.add("xyChart", xy);
            JsonObject tile = new JsonObject();
            tile.addProperty("xPos", (i % 2) * 24);
            tile.addProperty("yPos", (i / 2) * 16);
            tile.addProperty("width", 24);
            tile.addProperty("height", 16);
            tile.add("widget", widget);
            tiles.add(tile);
        }
        JsonObject layout = new JsonObject();
        layout.addProperty("columns", 48);
        layout.add("tiles", tiles);
        JsonObject d = new JsonObject();
        d.addProperty("displayName", "mediaplane " + c.stack() + ": nodes (" + c.prefix() + "-nodes)");
        d.add("mosaicLayout", layout);
        JsonObject labels = new JsonObject();
        Common.labels(c, "observability").forEach(labels::addProperty);
        d.add("labels", labels);
        return new GsonBuilder().disableHtmlEscaping().create().toJson(d);
    }

    private static JsonObject dataSet(String filter, String aligner, String reducer, JsonArray groupBy, String legend) {
        JsonObject agg = new JsonObject();
        agg.addProperty("alignmentPeriod", "60s");
        agg.addProperty("perSeriesAligner", aligner);
        agg.addProperty("crossSeriesReducer", reducer);
        agg.add("groupByFields", groupBy);
        JsonObject tsf = new JsonObject();
        tsf.addProperty("filter", filter);
        tsf.add("aggregation", agg);
        JsonObject q = new JsonObject();
        q.add("timeSeriesFilter", tsf);
        JsonObject ds = new JsonObject();
        ds.add("timeSeriesQuery", q);
        ds.addProperty("plotType", "LINE");
        ds.addProperty("legendTemplate", legend);
        return ds;
    }

    private static AlertPolicyConditionArgs agentThreshold(String displayName, String filter, String aligner, String reducer,
                                                           String period, double value) {
        return threshold(displayName, Output.of(filter), aligner, reducer, period, value);
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
