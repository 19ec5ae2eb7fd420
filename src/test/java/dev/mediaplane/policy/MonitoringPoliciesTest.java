package dev.mediaplane.policy;

import static dev.mediaplane.plan.PlanFixtures.add;
import static dev.mediaplane.plan.PlanFixtures.compliant;
import static dev.mediaplane.plan.PlanFixtures.res;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.StackConfig;
import dev.mediaplane.infra.Observability;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanFixtures;
import dev.mediaplane.plan.PlannedResource;
import dev.mediaplane.render.NodeContract;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The monitoring policies: aligners Monitoring accepts per metric kind and value type; resource.type on log metrics. */
class MonitoringPoliciesTest {

    private static final StackConfig CONFIG = PlanFixtures.config().config();

    /** The compliant plan plus a log metric of {@code valueType} and an alert on it (null type: no descriptor). */
    static Plan withAlert(Plan p, String valueType, String aligner, String filterTail) {
        Map<String, Object> metric = new LinkedHashMap<>(Map.of("name", "mp-test-disk", "filter", "jsonPayload.event=\"x\""));
        if (valueType != null) {
            metric.put("metricDescriptor", Map.of("metricKind", "DELTA", "valueType", valueType));
        }
        if ("DISTRIBUTION".equals(valueType)) {
            metric.put("valueExtractor", "EXTRACT(jsonPayload.used_percent)");
        }
        PlannedResource m = res(GcpTypes.LOG_METRIC, "mp-test-disk", null, metric);
        PlannedResource a = res(GcpTypes.ALERT_POLICY, "mp-test-disk", null, Map.of("conditions", List.of(Map.of(
                "displayName", "x", "conditionThreshold", Map.of(
                        "filter", "metric.type=\"logging.googleapis.com/user/mp-test-disk\"" + filterTail,
                        "aggregations", List.of(Map.of("alignmentPeriod", "300s", "perSeriesAligner", aligner)))))));
        return add(add(p, m), a);
    }

    private static List<Violation> of(Plan p, String policy) {
        return PolicyEngine.evaluate(p, CONFIG).stream().filter(v -> v.policyId().equals(policy)).toList();
    }

    @ParameterizedTest(name = "{1} on DELTA {0}: accepted={2}")
    @CsvSource({
            // The Aligner enum of the Monitoring v3 API, row by row for what mediaplane uses or could.
            "DISTRIBUTION, ALIGN_COUNT, false",          // the 400 of issue 8 item 10
            "DISTRIBUTION, ALIGN_MEAN, false",
            "DISTRIBUTION, ALIGN_RATE, false",
            "DISTRIBUTION, ALIGN_PERCENTILE_95, true",
            "DISTRIBUTION, ALIGN_PERCENTILE_99, true",
            "DISTRIBUTION, ALIGN_SUM, true",
            "DISTRIBUTION, ALIGN_DELTA, true",
            "INT64, ALIGN_COUNT, true",
            "INT64, ALIGN_SUM, true",
            "INT64, ALIGN_RATE, true",
            "INT64, ALIGN_PERCENTILE_95, false",
            "INT64, ALIGN_COUNT_TRUE, false",           // GAUGE BOOL only
            "INT64, ALIGN_INTERPOLATE, false",          // GAUGE only
            // No descriptor and no extractor: Logging makes it DELTA INT64.
            ", ALIGN_SUM, true",
            ", ALIGN_PERCENTILE_50, false"})
    void alignerAgainstTheMetricsKindAndValueType(String valueType, String aligner, boolean accepted) {
        List<Violation> found = of(withAlert(compliant(), valueType, aligner, " AND resource.type=\"gce_instance\""),
                "mon-aligner-valid-for-metric");
        assertEquals(accepted ? 0 : 1, found.size(), () -> found.toString());
        if (!accepted) {
            assertTrue(found.get(0).reason().contains("refuses " + aligner) && found.get(0).value().contains(aligner),
                    found.get(0).line());
        }
    }

    @Test
    void anUnknownAlignerOrMetricIsReportedNotGuessed() {
        assertEquals(1, of(withAlert(compliant(), "INT64", "ALIGN_MEDIAN_OF_NOTHING", " AND resource.type=\"global\""),
                "mon-aligner-valid-for-metric").size());
        Plan p = add(compliant(), res(GcpTypes.ALERT_POLICY, "mp-test-other", null, Map.of("conditions", List.of(Map.of(
                "conditionAbsent", Map.of("filter", "metric.type=\"example.com/unknown\" AND resource.type=\"global\"",
                        "aggregations", List.of(Map.of("perSeriesAligner", "ALIGN_MEAN"))))))));
        List<Violation> found = of(p, "mon-aligner-valid-for-metric");
        assertEquals(1, found.size(), found.toString());
        assertEquals("conditions[0].conditionAbsent.aggregations[0].perSeriesAligner", found.get(0).path());
    }

    @Test
    void aUserMetricFilterNeedsResourceTypeOthersAreLeftAlone() {
        assertEquals(1, of(withAlert(compliant(), "INT64", "ALIGN_SUM", ""), "mon-user-metric-resource-type").size());
        assertEquals(0, of(withAlert(compliant(), "INT64", "ALIGN_SUM", " AND resource.type=\"gce_instance\""),
                "mon-user-metric-resource-type").size());
        assertEquals("metric.type=\"logging.googleapis.com/user/m\" AND resource.type=\"global\"",
                Observability.userMetricFilter("m", "global"));
    }

    // ---- mon-node-metrics-in-contract ----

    private static final NodeContract C = NodeContract.STANDARD;

    static Plan withAgentAlert(Plan p, String metricType, String aligner) {
        return add(p, res(GcpTypes.ALERT_POLICY, "mp-test-agent", null, Map.of("conditions", List.of(Map.of(
                "displayName", "x", "conditionThreshold", Map.of(
                        "filter", "metric.type=\"" + metricType + "\" AND resource.type=\"prometheus_target\"",
                        "aggregations", List.of(Map.of("alignmentPeriod", "300s", "perSeriesAligner", aligner,
                                "crossSeriesReducer", "REDUCE_SUM"))))))));
    }

    static Plan withDashboard(Plan p, String json) {
        return add(p, res("gcp:monitoring/dashboard:Dashboard", "mp-test-nodes", null, Map.of("dashboardJson", json)));
    }

    @Test
    void theProgramsDashboardAndAlertsReadOnlyWhatTheAgentExports() {
        String json = Observability.dashboardJson(CONFIG, C);
        for (Observability.Chart ch : Observability.charts(C)) {
            assertTrue(json.contains(ch.metric().monitoringType()), ch.title());
        }
        Plan p = withAgentAlert(withDashboard(compliant(), json), C.metrics().uploadFailures().monitoringType(), "ALIGN_DELTA");
        assertEquals(List.of(), of(p, "mon-node-metrics-in-contract"));
        assertEquals(List.of(), of(p, "mon-aligner-valid-for-metric"), "the agent's metric kinds are known to the aligner check");
    }

    @Test
    void aMisspeltAgentMetricInAnAlertOrTheDashboardFails() {
        String typo = "prometheus.googleapis.com/mediaplane_active_cals/gauge";
        List<Violation> alert = of(withAgentAlert(compliant(), typo, "ALIGN_MEAN"), "mon-node-metrics-in-contract");
        assertEquals(1, alert.size(), alert.toString());
        assertEquals("conditions[0].conditionThreshold.filter", alert.get(0).path());
        assertEquals("'" + typo + "'", alert.get(0).value());
        assertTrue(alert.get(0).reason().contains(C.metrics().activeCalls().monitoringType()), alert.get(0).reason());
        // The right name with the wrong kind suffix is just as empty.
        String wrongKind = "prometheus.googleapis.com/" + C.metrics().activeCalls().name() + "/counter";
        String json = Observability.dashboardJson(CONFIG, C).replace(C.metrics().activeCalls().monitoringType(), wrongKind);
        List<Violation> dash = of(withDashboard(compliant(), json), "mon-node-metrics-in-contract");
        assertEquals(1, dash.size(), dash.toString());
        assertEquals("dashboardJson", dash.get(0).path());
        assertEquals("'" + wrongKind + "'", dash.get(0).value());
    }

    @Test
    void alignersOnTheAgentsMetricsFollowTheirPrometheusKinds() {
        String histogram = C.metrics().uploadLatency().monitoringType();
        // CUMULATIVE DISTRIBUTION: a percentile aligner wants GAUGE or DELTA; ALIGN_DELTA first, then a percentile reducer.
        assertEquals(1, of(withAgentAlert(compliant(), histogram, "ALIGN_PERCENTILE_95"), "mon-aligner-valid-for-metric").size());
        assertEquals(0, of(withAgentAlert(compliant(), histogram, "ALIGN_DELTA"), "mon-aligner-valid-for-metric").size());
        String gauge = C.metrics().recordingsDiskUsed().monitoringType();
        assertEquals(0, of(withAgentAlert(compliant(), gauge, "ALIGN_MAX"), "mon-aligner-valid-for-metric").size());
        assertEquals(1, of(withAgentAlert(compliant(), gauge, "ALIGN_RATE"), "mon-aligner-valid-for-metric").size());
    }

    @Test
    void theStreamFamiliesAreChartedAndTheAuthRefusedAlertIsValidForACounter() {
        String json = Observability.dashboardJson(CONFIG, C);
        for (var m : List.of(C.metrics().streamsActive(), C.metrics().streamAudioLost(), C.metrics().streamReconnects())) {
            assertTrue(json.contains(m.monitoringType()), m.name() + " has a tile");
        }
        String counter = C.metrics().streamsFinished().monitoringType();
        // CUMULATIVE DOUBLE: ALIGN_DELTA (the program's) is accepted, a gauge's ALIGN_MEAN is what Monitoring refuses.
        assertEquals(0, of(withAgentAlert(compliant(), counter, "ALIGN_DELTA"), "mon-aligner-valid-for-metric").size());
        List<Violation> mean = of(withAgentAlert(compliant(), counter, "ALIGN_MEAN"), "mon-aligner-valid-for-metric");
        assertEquals(1, mean.size(), mean.toString());
        assertTrue(mean.get(0).reason().contains("CUMULATIVE DOUBLE"), mean.get(0).reason());
        assertEquals(List.of(), of(withAgentAlert(compliant(), counter, "ALIGN_DELTA"), "mon-node-metrics-in-contract"));
    }
}
