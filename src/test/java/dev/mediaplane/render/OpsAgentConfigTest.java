package dev.mediaplane.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.mediaplane.agent.JsonLog;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.infra.Observability;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The Ops Agent config the node installs: valid against the agent's documented schema, and what it
 * makes of the JSON lines the node scripts really print is what the log metrics' filters match.
 */
class OpsAgentConfigTest {
    private static final NodeContract C = NodeContract.STANDARD;
    private static final String HOST = "mp-dev-node-x1z2";

    static Map<String, Object> config(StackConfig c) {
        byte[] yaml = Renderer.render(c).file("node/" + C.opsAgent().bundleFile());
        return OpsAgentSchema.map(new Load(LoadSettings.builder().build()).loadFromString(new String(yaml, StandardCharsets.UTF_8)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void theRenderedConfigIsValidAndShipsTheJournalAsJson(String stack) {
        Map<String, Object> cfg = config(Scenarios.config(stack));
        assertEquals(List.of(), OpsAgentSchema.validate(cfg));
        Map<String, Object> logging = OpsAgentSchema.map(cfg.get("logging"));
        assertEquals(Map.of("type", "systemd_journald"), OpsAgentSchema.map(logging.get("receivers")).get(C.opsAgent().logReceiver()));
        Map<String, Object> metrics = OpsAgentSchema.map(OpsAgentSchema.map(cfg.get("metrics")).get("receivers"));
        assertEquals("hostmetrics", OpsAgentSchema.map(metrics.get("hostmetrics")).get("type"), "CPU and memory of the node");
    }

    // ---- each schema rule refuses a config that breaks it ----

    @SuppressWarnings("unchecked")
    static Map<String, Object> broken(Consumer<Map<String, Object>> edit) {
        Map<String, Object> cfg = (Map<String, Object>) deepCopy(config(Scenarios.config("dev")));
        edit.accept(cfg);
        return cfg;
    }

    @SuppressWarnings("unchecked")
    static Object deepCopy(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put((String) k, deepCopy(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            return new ArrayList<>(l.stream().map(OpsAgentConfigTest::deepCopy).toList());
        }
        return v;
    }

    static Map<String, Object> at(Map<String, Object> cfg, String... path) {
        Map<String, Object> m = cfg;
        for (String p : path) {
            m = OpsAgentSchema.map(m.get(p));
        }
        return m;
    }

    static void refused(String expected, Consumer<Map<String, Object>> edit) {
        List<String> errors = OpsAgentSchema.validate(broken(edit));
        assertTrue(errors.stream().anyMatch(e -> e.contains(expected)), "expected '" + expected + "' in " + errors);
    }

    @Test
    void eachDocumentedRuleRefusesAConfigThatBreaksIt() {
        String rid = C.opsAgent().logReceiver();
        refused("top-level key 'loging'", c -> c.put("loging", c.remove("logging")));
        refused("logging.pipelines is not one of", c -> at(c, "logging").put("pipelines", Map.of()));
        refused("must not start with 'lib:'", c -> at(c, "logging", "receivers").put("lib:journal", Map.of("type", "systemd_journald")));
        refused("systemd_journald takes no options, got 'units'", c -> at(c, "logging", "receivers", rid).put("units", List.of("x")));
        refused("time_key and time_format go together", c -> at(c, "logging", "processors", rid + "_json").put("time_key", "ts"));
        refused("parse_json has no option 'source'", c -> at(c, "logging", "processors", rid + "_json").put("source", "MESSAGE"));
        refused("match_any is required", c -> at(c, "logging", "processors", rid + "_only").remove("match_any"));
        refused("names 'nope', which is not defined", c -> at(c, "logging", "service", "pipelines", rid).put("processors", List.of("nope")));
        refused("collection_interval must be a duration >= 10s, got '5s'",
                c -> at(c, "metrics", "receivers", "hostmetrics").put("collection_interval", "5s"));
        Map<String, Object> scrape = new LinkedHashMap<>(Map.of("job_name", "agent", "static_configs",
                List.of(Map.of("targets", List.of("127.0.0.1:9464")))));
        Consumer<Map<String, Object>> prom = c -> {
            at(c, "metrics", "receivers").put("prom", new LinkedHashMap<>(Map.of("type", "prometheus",
                    "config", new LinkedHashMap<>(Map.of("scrape_configs", new ArrayList<>(List.of(new LinkedHashMap<>(scrape))))))));
            at(c, "metrics", "service", "pipelines").put("prom", new LinkedHashMap<>(Map.of("receivers", List.of("prom"))));
        };
        assertEquals(List.of(), OpsAgentSchema.validate(broken(prom)), "a valid prometheus receiver passes");
        refused("honor_labels: true is refused", prom.andThen(c -> scrapeOf(c).put("honor_labels", true)));
        refused("only static_configs is supported", prom.andThen(c -> scrapeOf(c).put("gce_sd_configs", List.of())));
        refused("remote_write is not supported", prom.andThen(c -> at(c, "metrics", "receivers", "prom", "config").put("remote_write", List.of())));
        refused("scrape_configs needs at least one", prom.andThen(c -> at(c, "metrics", "receivers", "prom", "config").remove("scrape_configs")));
        refused("prometheus pipelines take no custom processors", prom.andThen(c -> {
            at(c, "metrics").put("processors", new LinkedHashMap<>(Map.of("drop", Map.of("type", "exclude_metrics"))));
            at(c, "metrics", "service", "pipelines", "prom").put("processors", List.of("drop"));
        }));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> scrapeOf(Map<String, Object> c) {
        return (Map<String, Object>) OpsAgentSchema.list(at(c, "metrics", "receivers", "prom", "config").get("scrape_configs")).get(0);
    }

    // ---- what the agent makes of the node's lines is what the metrics filter on ----

    /**
     * A journal entry through the config's pipeline, the way the agent ships it: every journald
     * field as jsonPayload.FIELD, logName from the receiver id, resource gce_instance, the VM name
     * label (confgenerator logging_receivers.go L1051-1075, confgenerator.go L382, logging.go L32-55).
     * Null when a processor excludes it.
     */
    static Map<String, Object> ship(Map<String, Object> cfg, String project, Map<String, String> journal) {
        Map<String, Object> logging = OpsAgentSchema.map(cfg.get("logging"));
        Map<String, Object> receivers = OpsAgentSchema.map(logging.get("receivers"));
        Map<String, Object> processors = OpsAgentSchema.map(logging.get("processors"));
        for (var pipeline : OpsAgentSchema.map(OpsAgentSchema.map(logging.get("service")).get("pipelines")).values()) {
            for (Object rid : OpsAgentSchema.list(OpsAgentSchema.map(pipeline).get("receivers"))) {
                if (!"systemd_journald".equals(OpsAgentSchema.map(receivers.get(rid)).get("type"))) {
                    continue;
                }
                Map<String, Object> payload = new LinkedHashMap<>(journal);
                boolean excluded = false;
                for (Object pid : OpsAgentSchema.list(OpsAgentSchema.map(pipeline).get("processors"))) {
                    Map<String, Object> p = OpsAgentSchema.map(processors.get(pid));
                    if ("exclude_logs".equals(p.get("type"))) {
                        excluded |= OpsAgentSchema.list(p.get("match_any")).stream().anyMatch(f -> agentFilter((String) f, payload));
                    } else if ("parse_json".equals(p.get("type"))) {
                        // A bare field name is the legacy form of jsonPayload.<name> (filter.go L50-63).
                        String field = String.valueOf(p.getOrDefault("field", "message")).replaceFirst("^jsonPayload\\.", "");
                        Object text = payload.get(field);
                        JsonElement json = text instanceof String s ? parseOrNull(s) : null;
                        if (json != null && json.isJsonObject()) {
                            payload.remove(field);
                            json.getAsJsonObject().entrySet().forEach(e -> payload.put(e.getKey(),
                                    e.getValue().isJsonPrimitive() ? e.getValue().getAsString() : e.getValue().toString()));
                        }
                    }
                }
                if (excluded) {
                    return null;
                }
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("logName", "projects/" + project + "/logs/" + rid);
                entry.put("resource.type", "gce_instance");
                entry.put("labels.\"compute.googleapis.com/resource_name\"", HOST);
                payload.forEach((k, v) -> entry.put("jsonPayload." + k, v));
                return entry;
            }
        }
        throw new AssertionError("no pipeline reads the journal: " + cfg);
    }

    private static JsonElement parseOrNull(String s) {
        try {
            return JsonParser.parseString(s);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static final Pattern AGENT_COND = Pattern.compile("jsonPayload\\.([A-Za-z_]+) (!~|=~|!=|=) \"(.*)\"");

    /** The agent's filter forms the config uses: jsonPayload.F op "value". */
    static boolean agentFilter(String f, Map<String, Object> payload) {
        Matcher m = AGENT_COND.matcher(f);
        assertTrue(m.matches(), "filter form this test does not evaluate: " + f);
        String v = String.valueOf(payload.getOrDefault(m.group(1), ""));
        return switch (m.group(2)) {
            case "=~" -> Pattern.compile(m.group(3)).matcher(v).find();
            case "!~" -> !Pattern.compile(m.group(3)).matcher(v).find();
            case "=" -> v.equals(m.group(3));
            default -> !v.equals(m.group(3));
        };
    }

    private static final Pattern LOG_COND = Pattern.compile("(logName|resource\\.type|labels\\.\"[^\"]+\"|jsonPayload\\.[a-z_]+)(=|:)\"([^\"]*)\"");

    /** Cloud Logging's conditions of the node-event filters: AND of key="v" (equals) and key:"v" (has). */
    static boolean matches(String filter, Map<String, Object> entry) {
        for (String cond : filter.split(" AND ")) {
            Matcher m = LOG_COND.matcher(cond.strip());
            assertTrue(m.matches(), "condition this test does not evaluate: " + cond);
            Object v = entry.get(m.group(1));
            if (v == null || !(m.group(2).equals("=") ? v.toString().equals(m.group(3)) : v.toString().contains(m.group(3)))) {
                return false;
            }
        }
        return true;
    }

    /** The SyslogIdentifier a rendered unit gives its lines in the journal. */
    static String syslogIdentifier(Bundle b, String unit) {
        String text = new String(b.file("node/" + unit), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?m)^SyslogIdentifier=(\\S+)$").matcher(text);
        assertTrue(m.find(), unit + " sets no SyslogIdentifier");
        return m.group(1);
    }

    @Test
    void theLinesTheAgentLogsReachEveryNodeMetricFilter() throws Exception {
        StackConfig dev = Scenarios.config("dev");
        Bundle bundle = Renderer.render(dev);
        Map<String, Object> cfg = config(dev);

        // Each node event as the agent's own JsonLog writes it (the unit's stdout is its journal).
        Map<String, String> lines = new LinkedHashMap<>();
        for (NodeContract.Event e : List.of(C.events().recordingUploaded(), C.events().recordingUploadFailed(),
                C.events().diskPressure(), C.events().callQuality())) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            JsonLog log = new JsonLog(new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
                    java.time.Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), java.time.ZoneOffset.UTC),
                    Map.of("node", HOST));
            Map<String, Object> fields = new LinkedHashMap<>();
            e.fields().forEach(f -> fields.put(f.name(), f.number() ? (Object) 87 : "v-" + f.name()));
            log.event(e, fields);
            lines.put(e.name(), out.toString(StandardCharsets.UTF_8).strip());
        }

        String agentId = syslogIdentifier(bundle, C.units().agentService());
        int checked = 0;
        for (Observability.LogMetric m : Observability.logMetrics(dev, C)) {
            Matcher ev = Pattern.compile("jsonPayload\\.event=\"([a-z_]+)\"").matcher(m.filter());
            if (!ev.find()) {
                continue;
            }
            String event = ev.group(1);
            assertTrue(lines.containsKey(event), m.name() + " reads " + event + ", which the agent does not log here");
            Map<String, Object> entry = ship(cfg, dev.project(), Map.of("MESSAGE", lines.get(event), "SYSLOG_IDENTIFIER", agentId,
                    "PRIORITY", "6", "_SYSTEMD_UNIT", C.units().agentService()));
            assertTrue(entry != null, event + " from " + agentId + " is excluded by the agent config");
            assertTrue(matches(m.filter(), entry), m.name() + " filter " + m.filter() + " does not match " + entry);
            if (m.valueExtractor() != null) {
                String field = m.valueExtractor().replaceAll("^EXTRACT\\(jsonPayload\\.(.+)\\)$", "$1");
                Double.parseDouble(String.valueOf(entry.get("jsonPayload." + field)));
            }
            checked++;
        }
        assertEquals(4, checked, "every node-event metric was checked");

        // Negatives: another identifier is not shipped; another stack's node does not count; without the parse no field.
        assertEquals(null, ship(cfg, dev.project(), Map.of("MESSAGE", lines.get("disk_pressure"), "SYSLOG_IDENTIFIER", "sshd")));
        Map<String, Object> entry = ship(cfg, dev.project(), Map.of("MESSAGE", lines.get("disk_pressure"), "SYSLOG_IDENTIFIER", agentId));
        String diskFilter = Observability.logMetrics(dev, C).stream().filter(m -> m.name().endsWith("-disk-pressure")).findFirst()
                .orElseThrow().filter();
        Map<String, Object> otherStack = new LinkedHashMap<>(entry);
        otherStack.put("labels.\"compute.googleapis.com/resource_name\"", "mp-prod-node-a1b2");
        assertFalse(matches(diskFilter, otherStack));
        Map<String, Object> otherProject = ship(cfg, "someone-else", Map.of("MESSAGE", lines.get("disk_pressure"), "SYSLOG_IDENTIFIER", agentId));
        assertFalse(matches(diskFilter, otherProject), "the log name carries the project");
        Map<String, Object> noParse = broken(c -> at(c, "logging", "service", "pipelines", C.opsAgent().logReceiver())
                .put("processors", List.of(C.opsAgent().logReceiver() + "_only")));
        assertFalse(matches(diskFilter, ship(noParse, dev.project(), Map.of("MESSAGE", lines.get("disk_pressure"),
                "SYSLOG_IDENTIFIER", agentId))), "without parse_json of MESSAGE there is no jsonPayload.event");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void thePrometheusReceiverScrapesTheAgentsMetricsOnTheHealthPort(String stack) {
        StackConfig c = Scenarios.config(stack);
        Map<String, Object> metrics = OpsAgentSchema.map(config(c).get("metrics"));
        Map<String, Object> receiver = OpsAgentSchema.map(OpsAgentSchema.map(metrics.get("receivers")).get(C.opsAgent().metricsReceiver()));
        assertEquals("prometheus", receiver.get("type"));
        List<?> scrapes = OpsAgentSchema.list(OpsAgentSchema.map(receiver.get("config")).get("scrape_configs"));
        assertEquals(1, scrapes.size());
        Map<String, Object> scrape = OpsAgentSchema.map(scrapes.get(0));
        assertEquals(C.opsAgent().metricsJob(), scrape.get("job_name"), "the job label the dashboard and alerts filter on");
        assertEquals("/metrics", scrape.get("metrics_path"));
        List<?> targets = OpsAgentSchema.list(OpsAgentSchema.map(OpsAgentSchema.list(scrape.get("static_configs")).get(0)).get("targets"));
        assertEquals(List.of("127.0.0.1:" + c.fleet().healthPort()), targets, "the agent binds loopback beside the internal address");
        Map<String, Object> pipeline = OpsAgentSchema.map(OpsAgentSchema.map(OpsAgentSchema.map(metrics.get("service"))
                .get("pipelines")).get(C.opsAgent().metricsReceiver()));
        assertEquals(List.of(C.opsAgent().metricsReceiver()), pipeline.get("receivers"));
        assertTrue(OpsAgentSchema.map(OpsAgentSchema.map(OpsAgentSchema.map(metrics.get("service")).get("pipelines"))
                .get("default_pipeline")).get("receivers").toString().contains("hostmetrics"), "host metrics stay");
        // The agent's unit logs under the identifier the logging pipeline keeps.
        assertEquals(C.opsAgent().syslogIdentifier(), syslogIdentifier(Renderer.render(c), C.units().agentService()));
    }
}
