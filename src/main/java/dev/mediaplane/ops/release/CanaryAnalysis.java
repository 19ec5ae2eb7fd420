package dev.mediaplane.ops.release;

import com.google.monitoring.v3.Aggregation;
import com.google.monitoring.v3.ListTimeSeriesRequest;
import com.google.monitoring.v3.Point;
import com.google.monitoring.v3.TimeInterval;
import com.google.monitoring.v3.TimeSeries;
import com.google.protobuf.Timestamp;
import dev.mediaplane.render.NodeContract;
import dev.mediaplane.render.NodeContract.Metric;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Automated canary analysis: the node agent's metrics ({@link NodeContract#metrics()}, read from
 * Cloud Monitoring under their {@link Metric#monitoringType()} names) on the canary's nodes against
 * the stable nodes over a window, a verdict per metric and overall.
 *
 * <p>Each metric is one {@code listTimeSeries} over the window, aligned into one point per series
 * (DELTA for counters and histograms, RATE for CPU seconds, MEAN for gauges, each valid for the
 * metric's kind), then summed per side. A series belongs to a node when its {@code metric.labels.instance_name}
 * is the node's name, its {@code resource.labels.namespace} the node's instance id, or the host of
 * its {@code resource.labels.instance} the node's name (how the Ops Agent's Prometheus receiver
 * labels {@code prometheus_target} on Compute Engine).
 *
 * <p>Never promote on no data: a metric with fewer samples than its rule's minimum on either side
 * is "hold", and so is the whole canary.
 */
public final class CanaryAnalysis {

    private CanaryAnalysis() {}

    public enum Verdict {
        PROMOTE, HOLD, ROLL_BACK;

        /** How a person writes it: promote, hold, roll back. */
        public String words() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /** Whether a higher value is worse (failures, loss, latency, CPU) or a lower one (MOS). */
    public enum Direction { HIGHER_IS_WORSE, LOWER_IS_WORSE }

    /** How the canary is compared: by the difference in the metric's unit, or by the ratio canary/stable. */
    public enum Basis { DIFFERENCE, RATIO }

    /**
     * One metric's rule.
     *
     * @param id the name flags and output use ({@code call-failures}, ...)
     * @param what what is compared, for people
     * @param unit the value's unit
     * @param direction which way is worse
     * @param basis difference or ratio
     * @param hold worse by more than this: hold
     * @param rollBack worse by more than this: roll back
     * @param minSamples fewer samples than this on either side: hold (never promote on no data)
     */
    public record Rule(String id, String what, String unit, Direction direction, Basis basis, double hold,
                       double rollBack, long minSamples) {
        public Rule {
            if (!(hold >= 0) || !(rollBack >= hold)) {
                throw new IllegalArgumentException(id + ": thresholds need 0 <= hold <= roll-back, got hold " + hold
                        + ", roll-back " + rollBack);
            }
            if (minSamples < 1) {
                throw new IllegalArgumentException(id + ": min-samples must be at least 1 (never promote on no data), got "
                        + minSamples);
            }
        }
    }

    /**
     * The built-in rules: the one place the default thresholds live; a stack's
     * {@code mediaplane:canaryThresholds} and then {@code --threshold ID.FIELD=V} override them
     * ({@link #rules(Map)}). Their ids are {@code StackConfig.Canary.RULE_IDS}, in this order.
     */
    public static final List<Rule> DEFAULT_RULES = List.of(
            new Rule("call-failures", "failed share of finished calls", "%", Direction.HIGHER_IS_WORSE, Basis.DIFFERENCE, 0.5, 2.0, 50),
            new Rule("packet-loss", "mean inbound RTP packet loss per call", "%", Direction.HIGHER_IS_WORSE, Basis.DIFFERENCE, 0.5, 2.0, 50),
            new Rule("mos", "mean estimated MOS per call", "MOS", Direction.LOWER_IS_WORSE, Basis.DIFFERENCE, 0.1, 0.3, 50),
            new Rule("upload-failures", "failed share of recording uploads", "%", Direction.HIGHER_IS_WORSE, Basis.DIFFERENCE, 0.5, 2.0, 20),
            new Rule("upload-latency", "mean recording upload latency", "s", Direction.HIGHER_IS_WORSE, Basis.RATIO, 1.25, 1.5, 20),
            new Rule("cpu", "CPU of agent and FreeSWITCH per node", "cores", Direction.HIGHER_IS_WORSE, Basis.RATIO, 1.25, 1.5, 1),
            new Rule("memory", "resident memory of agent and FreeSWITCH per node", "bytes", Direction.HIGHER_IS_WORSE, Basis.RATIO, 1.25, 1.5, 1));

    /** The rules with {@code overrides} ({@code ID.hold}, {@code ID.roll-back}, {@code ID.min-samples}) applied. */
    public static List<Rule> rules(Map<String, Double> overrides) {
        Map<String, Rule> byId = new LinkedHashMap<>();
        DEFAULT_RULES.forEach(r -> byId.put(r.id(), r));
        for (Map.Entry<String, Double> o : overrides.entrySet()) {
            String key = o.getKey();
            int dot = key.lastIndexOf('.');
            Rule r = dot < 0 ? null : byId.get(key.substring(0, dot));
            String field = dot < 0 ? "" : key.substring(dot + 1);
            if (r == null || !List.of("hold", "roll-back", "min-samples").contains(field)) {
                throw new IllegalArgumentException("--threshold " + key + " names no threshold; allowed: ID.hold, ID.roll-back,"
                        + " ID.min-samples with ID one of " + byId.keySet());
            }
            double v = o.getValue();
            byId.put(r.id(), switch (field) {
                case "hold" -> new Rule(r.id(), r.what(), r.unit(), r.direction(), r.basis(), v, Math.max(v, r.rollBack()), r.minSamples());
                case "roll-back" -> new Rule(r.id(), r.what(), r.unit(), r.direction(), r.basis(), Math.min(v, r.hold()), v, r.minSamples());
                default -> new Rule(r.id(), r.what(), r.unit(), r.direction(), r.basis(), r.hold(), r.rollBack(), (long) v);
            });
        }
        return List.copyOf(byId.values());
    }

    /** One side's value: NaN when there is no data; samples as the rule counts them (calls, uploads, nodes). */
    public record Side(double value, long samples) {}

    /** One metric's verdict with its evidence. */
    public record Finding(Rule rule, Side canary, Side stable, Verdict verdict, String reason) {}

    /**
     * The analysis.
     *
     * @param overall promote only when every metric says promote
     * @param findings one per rule, in rule order
     * @param canaryCalls finished calls on the canary's nodes in the window
     * @param stableCalls finished calls on the stable nodes in the window
     * @param syntheticCalls smoke and synthetic calls the canary's nodes finished in the window (also counted in canaryCalls)
     */
    public record Result(Verdict overall, List<Finding> findings, long canaryCalls, long stableCalls,
                         Optional<Long> syntheticCalls, Instant start, Instant end, List<String> requests) {}

    /** A node as the analysis matches series to it. */
    public record NodeRef(String name, String id) {}

    /** Reads the window from Monitoring and judges it. */
    public static Result analyse(MetricsReader reader, String project, Collection<NodeRef> canary, Collection<NodeRef> stable,
                                 Duration window, Instant end, List<Rule> rules, java.util.function.Consumer<String> progress) {
        NodeContract.Metrics m = NodeContract.STANDARD.metrics();
        Instant start = end.minus(window);
        Query q = new Query(reader, project, start, end, window, canary, stable, progress);
        Map<String, Sums> finished = q.sums(m.callsFinished(), Aggregation.Aligner.ALIGN_DELTA, "outcome");
        Map<String, Sums> loss = q.sums(m.callPacketLoss(), Aggregation.Aligner.ALIGN_DELTA, null);
        Map<String, Sums> mos = q.sums(m.callMos(), Aggregation.Aligner.ALIGN_DELTA, null);
        Map<String, Sums> uploaded = q.sums(m.recordingsUploaded(), Aggregation.Aligner.ALIGN_DELTA, null);
        Map<String, Sums> uploadFailed = q.sums(m.uploadFailures(), Aggregation.Aligner.ALIGN_DELTA, null);
        Map<String, Sums> latency = q.sums(m.uploadLatency(), Aggregation.Aligner.ALIGN_DELTA, null);
        Map<String, Sums> cpu = q.sums(m.processCpu(), Aggregation.Aligner.ALIGN_RATE, null);
        Map<String, Sums> memory = q.sums(m.processMemory(), Aggregation.Aligner.ALIGN_MEAN, null);
        Map<String, Sums> synthetic = q.sums(m.syntheticCallsFinished(), Aggregation.Aligner.ALIGN_DELTA, "outcome");

        Map<String, Side[]> sides = new HashMap<>();
        for (String side : List.of(CANARY, STABLE)) {
            int idx = side.equals(CANARY) ? 0 : 1;
            Sums f = finished.get(side);
            double calls = f.total();
            double failed = f.byLabel.getOrDefault("failed", 0.0);
            put(sides, "call-failures", idx, new Side(calls > 0 ? 100 * failed / calls : Double.NaN, (long) calls));
            put(sides, "packet-loss", idx, loss.get(side).mean());
            put(sides, "mos", idx, mos.get(side).mean());
            double ok = uploaded.get(side).total();
            double bad = uploadFailed.get(side).total();
            put(sides, "upload-failures", idx, new Side(ok + bad > 0 ? 100 * bad / (ok + bad) : Double.NaN, (long) (ok + bad)));
            put(sides, "upload-latency", idx, latency.get(side).mean());
            put(sides, "cpu", idx, cpu.get(side).perNode());
            put(sides, "memory", idx, memory.get(side).perNode());
        }
        List<Finding> findings = new ArrayList<>();
        for (Rule r : rules) {
            Side[] s = sides.get(r.id());
            findings.add(judge(r, s[0], s[1]));
        }
        Verdict overall = findings.stream().anyMatch(x -> x.verdict() == Verdict.ROLL_BACK) ? Verdict.ROLL_BACK
                : findings.stream().anyMatch(x -> x.verdict() == Verdict.HOLD) ? Verdict.HOLD : Verdict.PROMOTE;
        return new Result(overall, findings, (long) finished.get(CANARY).total(), (long) finished.get(STABLE).total(),
                Optional.of((long) synthetic.get(CANARY).total()), start, end, q.filters);
    }

    private static void put(Map<String, Side[]> sides, String id, int idx, Side s) {
        sides.computeIfAbsent(id, k -> new Side[2])[idx] = s;
    }

    /** One metric's verdict. */
    public static Finding judge(Rule r, Side canary, Side stable) {
        if (canary.samples() < r.minSamples() || stable.samples() < r.minSamples() || Double.isNaN(canary.value())
                || Double.isNaN(stable.value())) {
            return new Finding(r, canary, stable, Verdict.HOLD, String.format(Locale.ROOT,
                    "too few samples: canary %d, stable %d, need %d on each side", canary.samples(), stable.samples(),
                    r.minSamples()));
        }
        double worse;
        String how;
        if (r.basis() == Basis.DIFFERENCE) {
            worse = r.direction() == Direction.HIGHER_IS_WORSE ? canary.value() - stable.value() : stable.value() - canary.value();
            how = String.format(Locale.ROOT, "canary worse by %.3g %s (hold above %.3g, roll back above %.3g)", worse, r.unit(),
                    r.hold(), r.rollBack());
        } else {
            double c = canary.value();
            double s = stable.value();
            worse = r.direction() == Direction.HIGHER_IS_WORSE ? ratio(c, s) : ratio(s, c);
            how = String.format(Locale.ROOT, "canary/stable %.3g (hold above %.3g, roll back above %.3g)", worse, r.hold(),
                    r.rollBack());
        }
        Verdict v = worse > r.rollBack() ? Verdict.ROLL_BACK : worse > r.hold() ? Verdict.HOLD : Verdict.PROMOTE;
        return new Finding(r, canary, stable, v, how);
    }

    private static double ratio(double a, double b) {
        if (b == 0) {
            return a == 0 ? 1 : Double.POSITIVE_INFINITY;
        }
        return a / b;
    }

    /** listTimeSeries calls one analysis makes. */
    public static final int METRICS_READ = 8;

    /** The filter of a metric's request: the one spelling of it, used by the dry run too. */
    public static String filter(Metric metric) {
        return "metric.type = \"" + metric.monitoringType() + "\" AND resource.type = \"prometheus_target\"";
    }

    /** The metrics one analysis reads, in order. */
    public static List<Metric> metricsRead() {
        NodeContract.Metrics m = NodeContract.STANDARD.metrics();
        return List.of(m.callsFinished(), m.callPacketLoss(), m.callMos(), m.recordingsUploaded(), m.uploadFailures(),
                m.uploadLatency(), m.processCpu(), m.processMemory(), m.syntheticCallsFinished());
    }

    static final String CANARY = "canary";
    static final String STABLE = "stable";

    /** Per side: totals (by one label's value) and distribution counts and sums, and per node values. */
    private static final class Sums {
        final Map<String, Double> byLabel = new HashMap<>();
        final Map<String, Double> byNode = new HashMap<>();
        double count;
        double sum;

        double total() {
            return byLabel.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        Side mean() {
            return new Side(count > 0 ? sum / count : Double.NaN, (long) count);
        }

        Side perNode() {
            return new Side(byNode.isEmpty() ? Double.NaN
                    : byNode.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN), byNode.size());
        }
    }

    private static final class Query {
        final MetricsReader reader;
        final String project;
        final TimeInterval interval;
        final Duration window;
        final Map<String, String> sideOf = new HashMap<>();
        final List<String> filters = new ArrayList<>();
        final java.util.function.Consumer<String> progress;

        Query(MetricsReader reader, String project, Instant start, Instant end, Duration window, Collection<NodeRef> canary,
              Collection<NodeRef> stable, java.util.function.Consumer<String> progress) {
            this.progress = progress;
            this.reader = reader;
            this.project = project;
            this.window = window;
            this.interval = TimeInterval.newBuilder().setStartTime(ts(start)).setEndTime(ts(end)).build();
            for (NodeRef n : canary) {
                sideOf.put(n.name(), CANARY);
                sideOf.put("id:" + n.id(), CANARY);
            }
            for (NodeRef n : stable) {
                sideOf.put(n.name(), STABLE);
                sideOf.put("id:" + n.id(), STABLE);
            }
        }

        /** The node a series is from, or null when it is from no node of the group. */
        String node(TimeSeries t) {
            String byName = t.getMetric().getLabelsMap().get("instance_name");
            if (byName != null && sideOf.containsKey(byName)) {
                return byName;
            }
            String ns = t.getResource().getLabelsMap().get("namespace");
            if (ns != null && sideOf.containsKey("id:" + ns)) {
                return "id:" + ns;
            }
            String instance = t.getResource().getLabelsMap().getOrDefault("instance", "");
            String host = instance.contains(":") ? instance.substring(0, instance.lastIndexOf(':')) : instance;
            return sideOf.containsKey(host) ? host : null;
        }

        Map<String, Sums> sums(Metric metric, Aggregation.Aligner aligner, String label) {
            String filter = filter(metric);
            filters.add(filter);
            progress.accept("reading " + metric.name() + " (" + filters.size() + "/" + METRICS_READ + ")");
            ListTimeSeriesRequest req = ListTimeSeriesRequest.newBuilder()
                    .setName("projects/" + project)
                    .setFilter(filter)
                    .setInterval(interval)
                    .setAggregation(Aggregation.newBuilder()
                            .setAlignmentPeriod(com.google.protobuf.Duration.newBuilder().setSeconds(window.toSeconds()))
                            .setPerSeriesAligner(aligner))
                    .setView(ListTimeSeriesRequest.TimeSeriesView.FULL)
                    .build();
            Map<String, Sums> out = new HashMap<>();
            out.put(CANARY, new Sums());
            out.put(STABLE, new Sums());
            for (TimeSeries t : reader.list(req)) {
                String node = node(t);
                if (node == null) {
                    continue;
                }
                Sums s = out.get(sideOf.get(node));
                String key = label == null ? "" : t.getMetric().getLabelsMap().getOrDefault(label, "");
                // Deltas add up over a series' points; a rate or a mean is averaged over them.
                boolean additive = aligner == Aggregation.Aligner.ALIGN_DELTA;
                double value = 0;
                int points = 0;
                for (Point p : t.getPointsList()) {
                    if (p.getValue().hasDistributionValue()) {
                        var d = p.getValue().getDistributionValue();
                        s.count += d.getCount();
                        s.sum += d.getMean() * d.getCount();
                    } else {
                        value += p.getValue().hasInt64Value() ? p.getValue().getInt64Value() : p.getValue().getDoubleValue();
                        points++;
                    }
                }
                if (points > 0) {
                    double v = additive ? value : value / points;
                    s.byLabel.merge(key, v, Double::sum);
                    s.byNode.merge(node, v, Double::sum);
                }
            }
            return out;
        }

        private static Timestamp ts(Instant i) {
            return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
        }
    }
}
