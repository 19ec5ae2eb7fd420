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
}
