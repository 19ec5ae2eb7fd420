package dev.mediaplane.policy;

import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlannedResource;
import dev.mediaplane.render.NodeContract;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Alert policies Cloud Monitoring accepts: each condition's aligner is one the API allows for its
 * metric's kind and value type, and every filter on a log-based metric restricts resource.type.
 * Both are 400s at create time that no offline preview shows otherwise. And every
 * {@code prometheus.googleapis.com} metric a dashboard or an alert reads is one the node agent
 * exports ({@link NodeContract#metrics()}): a misspelt one is accepted by Monitoring and stays empty.
 */
final class MonitoringPolicies {

    private static final String USER_METRIC = "logging.googleapis.com/user/";
    private static final String DASHBOARD = "gcp:monitoring/dashboard:Dashboard";
    private static final Pattern PROMETHEUS_TYPE = Pattern.compile("prometheus\\.googleapis\\.com/[A-Za-z0-9_:./-]+");
    private static final Pattern METRIC_TYPE = Pattern.compile("metric\\.type\\s*=\\s*\"([^\"]+)\"");
    private static final Pattern RESOURCE_TYPE = Pattern.compile("resource\\.type\\s*=\\s*\"[^\"]+\"");
    private static final Set<String> NUMERIC = Set.of("INT64", "DOUBLE", "MONEY");

    /**
     * Kinds and value types each aligner accepts, from the Aligner enum of the Monitoring v3 API
     * (google.monitoring.v3.Aggregation.Aligner, e.g. "ALIGN_COUNT ... valid for GAUGE and DELTA
     * metrics with numeric or Boolean values"; ALIGN_SUM also takes distributions, the percentiles
     * only distributions). An aligner missing here is reported as unknown rather than guessed.
     */
    private record Accepts(Set<String> kinds, Set<String> types) {}

    private static final Set<String> GD = Set.of("GAUGE", "DELTA");
    private static final Set<String> CD = Set.of("CUMULATIVE", "DELTA");
    private static final Set<String> NUM = NUMERIC;
    private static final Set<String> NUM_DIST = Set.of("INT64", "DOUBLE", "MONEY", "DISTRIBUTION");
    private static final Set<String> NUM_BOOL = Set.of("INT64", "DOUBLE", "MONEY", "BOOL");
    private static final Set<String> DIST = Set.of("DISTRIBUTION");
    static final Map<String, Accepts> ALIGNERS = Map.ofEntries(
            Map.entry("ALIGN_DELTA", new Accepts(CD, NUM_DIST)),
            Map.entry("ALIGN_RATE", new Accepts(CD, NUM)),
            Map.entry("ALIGN_INTERPOLATE", new Accepts(Set.of("GAUGE"), NUM)),
            Map.entry("ALIGN_NEXT_OLDER", new Accepts(Set.of("GAUGE"), Set.of("INT64", "DOUBLE", "MONEY", "BOOL",
                    "STRING", "DISTRIBUTION"))),
            Map.entry("ALIGN_MIN", new Accepts(GD, NUM)),
            Map.entry("ALIGN_MAX", new Accepts(GD, NUM)),
            Map.entry("ALIGN_MEAN", new Accepts(GD, NUM)),
            Map.entry("ALIGN_COUNT", new Accepts(GD, NUM_BOOL)),
            Map.entry("ALIGN_SUM", new Accepts(GD, NUM_DIST)),
            Map.entry("ALIGN_STDDEV", new Accepts(GD, NUM)),
            Map.entry("ALIGN_COUNT_TRUE", new Accepts(Set.of("GAUGE"), Set.of("BOOL"))),
            Map.entry("ALIGN_COUNT_FALSE", new Accepts(Set.of("GAUGE"), Set.of("BOOL"))),
            Map.entry("ALIGN_FRACTION_TRUE", new Accepts(Set.of("GAUGE"), Set.of("BOOL"))),
            Map.entry("ALIGN_PERCENTILE_99", new Accepts(GD, DIST)),
            Map.entry("ALIGN_PERCENTILE_95", new Accepts(GD, DIST)),
            Map.entry("ALIGN_PERCENTILE_50", new Accepts(GD, DIST)),
            Map.entry("ALIGN_PERCENTILE_05", new Accepts(GD, DIST)),
            Map.entry("ALIGN_PERCENT_CHANGE", new Accepts(GD, NUM)));

    /** Built-in metrics the program alerts on: kind and value type from Google's metrics list. */
    static final Map<String, String[]> BUILT_IN = Map.of(
            "compute.googleapis.com/instance/uptime", new String[] {"DELTA", "DOUBLE"});

    private MonitoringPolicies() {}

    static List<Policy> all() {
        return List.of(
                new Policy("mon-aligner-valid-for-metric",
                        "Every alert condition's aligner is one Monitoring accepts for its metric's kind and value type",
                        "-", "-", "-", MonitoringPolicies::alignerValid),
                new Policy("mon-user-metric-resource-type",
                        "Every alert filter on a log-based metric restricts resource.type", "-", "-", "-",
                        MonitoringPolicies::userMetricResourceType),
                new Policy("mon-node-metrics-in-contract",
                        "Every prometheus.googleapis.com metric a dashboard or alert reads is one the node agent exports",
                        "-", "-", "-", MonitoringPolicies::nodeMetricsInContract));
    }

    /** Cloud Monitoring type -> {kind, value type} of every family the node agent exports. */
    static Map<String, String[]> agentMetrics(NodeContract contract) {
        Map<String, String[]> out = new java.util.TreeMap<>();
        for (NodeContract.Metric m : contract.metrics().all()) {
            // Managed Service for Prometheus: gauges GAUGE DOUBLE, counters CUMULATIVE DOUBLE,
            // histograms CUMULATIVE DISTRIBUTION.
            out.put(m.monitoringType(), switch (m.kind()) {
                case GAUGE -> new String[] {"GAUGE", "DOUBLE"};
                case COUNTER -> new String[] {"CUMULATIVE", "DOUBLE"};
                case HISTOGRAM -> new String[] {"CUMULATIVE", "DISTRIBUTION"};
            });
        }
        return out;
    }

    private static void nodeMetricsInContract(Plan plan, PolicyContext ctx, Findings out) {
        Map<String, String[]> exported = agentMetrics(NodeContract.STANDARD);
        plan.ofType(GcpTypes.ALERT_POLICY).forEach(r -> conditions(r).forEach(c -> {
            if (c.body().get("filter") instanceof String f) {
                unknownPrometheus(f, exported).forEach(t -> out.fail(r, c.path() + ".filter", t, notExported(t, exported)));
            }
        }));
        plan.ofType(DASHBOARD).forEach(r -> {
            if (r.inputs().get("dashboardJson") instanceof String json) {
                unknownPrometheus(json, exported).forEach(t -> out.fail(r, "dashboardJson", t, notExported(t, exported)));
            }
        });
    }

    private static List<String> unknownPrometheus(String text, Map<String, String[]> exported) {
        List<String> out = new java.util.ArrayList<>();
        Matcher m = PROMETHEUS_TYPE.matcher(text);
        while (m.find()) {
            if (!exported.containsKey(m.group()) && !out.contains(m.group())) {
                out.add(m.group());
            }
        }
        return out;
    }

    private static String notExported(String type, Map<String, String[]> exported) {
        return "the node agent exports no " + type + ": Monitoring accepts the name and the chart or alert stays empty;"
                + " the contract's metrics (NodeContract.metrics()) are " + exported.keySet();
    }

    /** One condition filter or aggregation of an alert policy, with its input path. */
    private record Condition(String path, Map<String, Object> body) {}

    private static List<Condition> conditions(PlannedResource policy) {
        List<Condition> out = new java.util.ArrayList<>();
        List<?> conds = Inputs.list(policy.inputs().get("conditions"));
        for (int i = 0; i < conds.size(); i++) {
            Map<String, Object> cond = Inputs.map(conds.get(i));
            for (String kind : List.of("conditionThreshold", "conditionAbsent")) {
                if (cond.get(kind) instanceof Map<?, ?>) {
                    out.add(new Condition("conditions[" + i + "]." + kind, Inputs.map(cond.get(kind))));
                }
            }
        }
        return out;
    }

    private static void userMetricResourceType(Plan plan, PolicyContext ctx, Findings out) {
        plan.ofType(GcpTypes.ALERT_POLICY).forEach(r -> conditions(r).forEach(c -> {
            Object filter = c.body().get("filter");
            if (filter instanceof String f && f.contains("\"" + USER_METRIC) && !RESOURCE_TYPE.matcher(f).find()) {
                out.fail(r, c.path() + ".filter", f, "Monitoring refuses a filter on a logging.googleapis.com/user/ metric"
                        + " without a resource.type restriction (400; terraform-provider-google #4165, #7179): add"
                        + " AND resource.type=\"<the log entries' monitored resource>\"");
            }
        }));
    }

    private static void alignerValid(Plan plan, PolicyContext ctx, Findings out) {
        Map<String, String[]> agent = agentMetrics(NodeContract.STANDARD);
        Map<String, String[]> logMetrics = new HashMap<>();
        plan.ofType(GcpTypes.LOG_METRIC).forEach(m -> {
            Object name = m.inputs().get("name");
            Map<String, Object> d = Inputs.map(m.inputs().get("metricDescriptor"));
            // Logging's defaults when the descriptor leaves them out: DELTA; INT64, or DISTRIBUTION with an extractor.
            String kind = d.get("metricKind") instanceof String k ? k : "DELTA";
            String type = d.get("valueType") instanceof String t ? t
                    : m.inputs().get("valueExtractor") != null ? "DISTRIBUTION" : "INT64";
            logMetrics.put(USER_METRIC + (name == null ? m.name() : name), new String[] {kind, type});
        });
        plan.ofType(GcpTypes.ALERT_POLICY).forEach(r -> conditions(r).forEach(c -> {
            if (!(c.body().get("filter") instanceof String f)) {
                return;
            }
            Matcher mt = METRIC_TYPE.matcher(f);
            if (!mt.find()) {
                return;
            }
            String[] kt = logMetrics.containsKey(mt.group(1)) ? logMetrics.get(mt.group(1))
                    : agent.containsKey(mt.group(1)) ? agent.get(mt.group(1)) : BUILT_IN.get(mt.group(1));
            List<?> aggs = Inputs.list(c.body().get("aggregations"));
            for (int j = 0; j < aggs.size(); j++) {
                Object aligner = Inputs.map(aggs.get(j)).get("perSeriesAligner");
                if (!(aligner instanceof String a) || a.equals("ALIGN_NONE")) {
                    continue;
                }
                String path = c.path() + ".aggregations[" + j + "].perSeriesAligner";
                Accepts accepts = ALIGNERS.get(a);
                if (accepts == null) {
                    out.fail(r, path, a, "not an aligner this policy knows; allowed: " + new java.util.TreeSet<>(ALIGNERS.keySet()));
                } else if (kt == null) {
                    out.fail(r, path, a, "metric " + mt.group(1) + " is neither a log metric of this plan nor a known built-in"
                            + " metric: its kind and value type cannot be checked");
                } else if (!accepts.kinds().contains(kt[0]) || !accepts.types().contains(kt[1])) {
                    out.fail(r, path, a, "Monitoring refuses " + a + " on " + mt.group(1) + " (" + kt[0] + " " + kt[1] + "): it is valid"
                            + " only for " + new java.util.TreeSet<>(accepts.kinds()) + " metrics of "
                            + new java.util.TreeSet<>(accepts.types()));
                }
            }
        }));
    }
}
