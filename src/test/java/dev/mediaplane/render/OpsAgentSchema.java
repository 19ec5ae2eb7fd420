package dev.mediaplane.render;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The documented rules of the Ops Agent's config.yaml that mediaplane's config touches, checked
 * offline (the agent itself refuses a config that breaks them at start). Source:
 * GoogleCloudPlatform/ops-agent {@code confgenerator/} (HEAD 588c4b9): config.go (top-level
 * sections L50-55; receivers/processors/service.pipelines L537-541, L609-623; ids
 * {@code startsnotwith=lib:}; hostmetrics {@code collection_interval} {@code duration=10s} L657),
 * logging_receivers.go (systemd_journald has no options, L969-975), logging_processors.go
 * (parse_json {@code field}, {@code time_key} required_with {@code time_format}, L118-120, L227-234;
 * exclude_logs {@code match_any} required, L705-709), prometheus.go (L42-55, L200-270: scrape_configs
 * required, no remote_write/remote_read/rule_files/alerting, no honor_labels, static_configs only,
 * no custom processors on prometheus pipelines).
 */
final class OpsAgentSchema {
    private static final Set<String> TOP = Set.of("logging", "metrics", "combined", "traces", "global");
    private static final Set<String> SECTION = Set.of("receivers", "processors", "service");
    /** Receiver ids of the agent's built-in config a pipeline may name without defining them. */
    private static final Set<String> BUILT_IN_RECEIVERS = Set.of("syslog", "hostmetrics");

    private OpsAgentSchema() {}

    /** Every rule the config breaks, each naming the key, the value and what is allowed; empty: valid. */
    static List<String> validate(Map<String, Object> config) {
        List<String> errors = new ArrayList<>();
        for (String k : config.keySet()) {
            if (!TOP.contains(k)) {
                errors.add("top-level key '" + k + "' is not one of " + TOP);
            }
        }
        for (String section : List.of("logging", "metrics")) {
            if (config.get(section) instanceof Map<?, ?> s) {
                section(section, map(s), errors);
            }
        }
        return errors;
    }

    private static void section(String name, Map<String, Object> s, List<String> errors) {
        for (String k : s.keySet()) {
            if (!SECTION.contains(k)) {
                errors.add(name + "." + k + " is not one of " + SECTION);
            }
        }
        Map<String, Object> receivers = map(s.get("receivers"));
        Map<String, Object> processors = map(s.get("processors"));
        Map<String, Object> pipelines = map(map(s.get("service")).get("pipelines"));
        for (var group : List.of(Map.entry("receivers", receivers), Map.entry("processors", processors),
                Map.entry("service.pipelines", pipelines))) {
            for (String id : group.getValue().keySet()) {
                if (id.startsWith("lib:")) {
                    errors.add(name + "." + group.getKey() + " id '" + id + "' must not start with 'lib:'");
                }
            }
        }
        receivers.forEach((id, v) -> receiver(name + ".receivers." + id, map(v), errors));
        processors.forEach((id, v) -> processor(name + ".processors." + id, map(v), errors));
        pipelines.forEach((id, v) -> {
            Map<String, Object> p = map(v);
            String at = name + ".service.pipelines." + id;
            boolean prometheus = false;
            for (Object r : list(p.get("receivers"))) {
                if (!receivers.containsKey(r) && !BUILT_IN_RECEIVERS.contains(r)) {
                    errors.add(at + ".receivers names '" + r + "', which is not defined; defined: " + receivers.keySet());
                }
                prometheus |= "prometheus".equals(map(receivers.get(r)).get("type"));
            }
            for (Object r : list(p.get("processors"))) {
                if (!processors.containsKey(r)) {
                    errors.add(at + ".processors names '" + r + "', which is not defined; defined: " + processors.keySet());
                }
            }
            if (prometheus && !list(p.get("processors")).isEmpty()) {
                errors.add(at + ": prometheus pipelines take no custom processors, got " + p.get("processors"));
            }
        });
    }

    private static void receiver(String at, Map<String, Object> r, List<String> errors) {
        Object type = r.get("type");
        if (type == null) {
            errors.add(at + ".type is required");
            return;
        }
        switch (type.toString()) {
            case "systemd_journald" -> {
                for (String k : r.keySet()) {
                    if (!k.equals("type")) {
                        errors.add(at + ": systemd_journald takes no options, got '" + k + "'");
                    }
                }
            }
            case "hostmetrics" -> {
                Object interval = r.get("collection_interval");
                if (interval != null) {
                    Duration d = duration(interval.toString());
                    if (d == null || d.compareTo(Duration.ofSeconds(10)) < 0) {
                        errors.add(at + ".collection_interval must be a duration >= 10s, got '" + interval + "'");
                    }
                }
            }
            case "prometheus" -> prometheus(at, map(r.get("config")), errors);
            default -> { }
        }
    }

    private static void prometheus(String at, Map<String, Object> config, List<String> errors) {
        for (String banned : List.of("remote_write", "remote_read", "rule_files", "alerting")) {
            if (config.containsKey(banned)) {
                errors.add(at + ".config." + banned + " is not supported by the Ops Agent");
            }
        }
        List<?> scrapes = list(config.get("scrape_configs"));
        if (scrapes.isEmpty()) {
            errors.add(at + ".config.scrape_configs needs at least one scrape config");
        }
        for (int i = 0; i < scrapes.size(); i++) {
            Map<String, Object> sc = map(scrapes.get(i));
            if (Boolean.TRUE.equals(sc.get("honor_labels"))) {
                errors.add(at + ".config.scrape_configs[" + i + "].honor_labels: true is refused");
            }
            for (String k : sc.keySet()) {
                if (k.endsWith("_sd_configs")) {
                    errors.add(at + ".config.scrape_configs[" + i + "]." + k + ": only static_configs is supported");
                }
            }
        }
    }

    private static void processor(String at, Map<String, Object> p, List<String> errors) {
        Object type = p.get("type");
        if (type == null) {
            errors.add(at + ".type is required");
            return;
        }
        switch (type.toString()) {
            case "parse_json" -> {
                for (String k : p.keySet()) {
                    if (!Set.of("type", "field", "time_key", "time_format").contains(k)) {
                        errors.add(at + ": parse_json has no option '" + k + "'");
                    }
                }
                if (p.containsKey("time_key") != p.containsKey("time_format")) {
                    errors.add(at + ": time_key and time_format go together, got only "
                            + (p.containsKey("time_key") ? "time_key" : "time_format"));
                }
            }
            case "exclude_logs" -> {
                if (list(p.get("match_any")).isEmpty()) {
                    errors.add(at + ".match_any is required: a non-empty list of filters");
                }
            }
            default -> { }
        }
    }

    /** An Ops Agent duration such as 60s or 1m; null when it is not one. */
    private static Duration duration(String s) {
        try {
            return Duration.parse("PT" + s.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object v) {
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    static List<?> list(Object v) {
        return v instanceof List<?> l ? l : List.of();
    }
}
