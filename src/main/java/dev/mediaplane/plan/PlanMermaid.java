package dev.mediaplane.plan;

import dev.mediaplane.config.StackConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A {@link Plan} as a Mermaid flowchart (GitHub renders {@code ```mermaid} blocks): the trunk's and
 * the controllers' ranges, the firewall rules as labelled edges into the fleet, the fleet's zones
 * and release versions (stable, canary), the internal load balancer, buckets, topics and their
 * subscriptions, secrets and alerts. Deterministic: ids come from resource names (sanitized),
 * everything is emitted in plan order or sorted.
 *
 * <p>Resources in {@code changed} ({@code "<type> <name>"}) get the {@code changed} class, and
 * firewall edges of changed rules a thick stroke: the PR comment marks what the head changes.
 */
public final class PlanMermaid {

    static final String FIREWALL = "gcp:compute/firewall:Firewall";
    static final String TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate";
    static final String MIG = "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager";
    static final String PER_INSTANCE = "gcp:compute/regionPerInstanceConfig:RegionPerInstanceConfig";
    static final String FORWARDING_RULE = "gcp:compute/forwardingRule:ForwardingRule";
    static final String BACKEND = "gcp:compute/regionBackendService:RegionBackendService";
    static final String BUCKET = "gcp:storage/bucket:Bucket";
    static final String TOPIC = "gcp:pubsub/topic:Topic";
    static final String SUBSCRIPTION = "gcp:pubsub/subscription:Subscription";
    static final String SECRET = "gcp:secretmanager/secret:Secret";
    static final String ALERT = "gcp:monitoring/alertPolicy:AlertPolicy";

    private PlanMermaid() {}

    /** The flowchart of {@code plan}; {@code config} names the ranges (trunk, controllers). */
    public static String render(Plan plan, StackConfig config) {
        return render(plan, config, Set.of());
    }

    /** As {@link #render(Plan, StackConfig)}, marking the resources in {@code changed}. */
    public static String render(Plan plan, StackConfig config, Set<String> changed) {
        return new Builder(plan, config, changed).build();
    }

    /** A Mermaid node id: letters, digits and '_' only, never a reserved word. */
    static String id(String kind, String name) {
        StringBuilder sb = new StringBuilder(kind).append('_');
        for (char ch : name.toCharArray()) {
            sb.append(Character.isLetterOrDigit(ch) && ch < 128 ? ch : '_');
        }
        return sb.toString();
    }

    /** A quoted Mermaid label; quotes and markup characters as entity codes, lines joined with {@code <br/>}. */
    static String label(String... lines) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) {
                sb.append("<br/>");
            }
            for (char ch : lines[i].toCharArray()) {
                switch (ch) {
                    case '"' -> sb.append("#quot;");
                    case '<' -> sb.append("#lt;");
                    case '>' -> sb.append("#gt;");
                    case '#' -> sb.append("#35;");
                    case '\n', '\r' -> sb.append(' ');
                    default -> sb.append(ch);
                }
            }
        }
        return sb.append('"').toString();
    }

    private static final class Builder {
        private final Plan plan;
        private final StackConfig config;
        private final Set<String> changed;
        private final StringBuilder out = new StringBuilder();
        private final Set<String> changedIds = new TreeSet<>();
        private final List<Integer> changedEdges = new ArrayList<>();
        private int edges;

        Builder(Plan plan, StackConfig config, Set<String> changed) {
            this.plan = plan;
            this.config = config;
            this.changed = changed;
        }

        private boolean isChanged(PlannedResource r) {
            return changed.contains(r.type() + " " + r.name());
        }

        private void node(String indent, String id, String label, PlannedResource... from) {
            out.append(indent).append(id).append('[').append(label).append("]\n");
            for (PlannedResource r : from) {
                if (r != null && isChanged(r)) {
                    changedIds.add(id);
                }
            }
        }

        private void edge(String from, String label, String to, boolean isChanged) {
            out.append("  ").append(from).append(label == null ? " --> " : " -->|" + label + "| ").append(to).append('\n');
            if (isChanged) {
                changedEdges.add(edges);
            }
            edges++;
        }

        String build() {
            out.append("flowchart LR\n");
            String fleet = "fleet";
            // Sources: one node per distinct set of source ranges, named by what the config says they are.
            Map<String, String> sources = new LinkedHashMap<>();
            List<PlannedResource> rules = plan.ofType(FIREWALL).toList();
            out.append("  subgraph sources[").append(label("sources")).append("]\n");
            for (PlannedResource fw : rules) {
                List<String> ranges = strings(fw.inputs().get("sourceRanges"));
                String key = String.join(",", ranges);
                if (!sources.containsKey(key)) {
                    String id = id("src", String.valueOf(sources.size()) + "_" + role(ranges).replace(' ', '_'));
                    sources.put(key, id);
                    node("    ", id, label(role(ranges), String.join(", ", ranges)));
                }
            }
            out.append("  end\n");

            Optional<PlannedResource> mig = plan.ofType(MIG).findFirst();
            out.append("  subgraph ").append(fleet).append('[')
                    .append(label("fleet " + mig.map(PlannedResource::name).orElse("(none)") + ", " + config.region()))
                    .append("]\n");
            mig.ifPresent(m -> changedIds.addAll(isChanged(m) ? Set.of(fleet) : Set.of()));
            List<String> zones = mig.map(m -> strings(m.inputs().get("distributionPolicyZones"))).orElse(List.of());
            long nodes = plan.ofType(PER_INSTANCE).count();
            Object targetSize = mig.map(m -> m.inputs().get("targetSize")).orElse(null);
            String size = nodes > 0 ? String.valueOf(nodes) : targetSize instanceof Number n ? String.valueOf(n.longValue())
                    : autoscaled();
            for (int i = 0; i < zones.size(); i++) {
                node("    ", id("zone", zones.get(i)), label(zones.get(i), "nodes: " + share(size, zones.size(), i)));
            }
            Map<String, PlannedResource> templates = new TreeMap<>();
            plan.ofType(TEMPLATE).forEach(t -> templates.put(t.name(), t));
            if (mig.isPresent() && mig.get().inputs().get("versions") instanceof List<?> versions) {
                for (Object v : versions) {
                    if (!(v instanceof Map<?, ?> version)) {
                        continue;
                    }
                    String role = String.valueOf(version.get("name"));
                    String ref = String.valueOf(version.get("instanceTemplate"));
                    PlannedResource t = templates.values().stream().filter(x -> ref.contains("/" + x.name())).findFirst()
                            .orElse(null);
                    Object fixed = version.get("targetSize") instanceof Map<?, ?> ts ? ts.get("fixed") : null;
                    String release = t != null && t.inputs().get("labels") instanceof Map<?, ?> l && l.get("release") != null
                            ? String.valueOf(l.get("release")) : "?";
                    node("    ", id("release", role), label(role + " release " + release,
                            "template " + (t == null ? ref : t.name()),
                            fixed instanceof Number f ? f.longValue() + " node(s)" : "the other nodes"), t);
                }
            }
            out.append("  end\n");

            for (PlannedResource fw : rules) {
                String from = sources.get(String.join(",", strings(fw.inputs().get("sourceRanges"))));
                edge(from, label(fw.name() + ": " + ports(fw)), fleet, isChanged(fw));
            }

            List<PlannedResource> lbRules = plan.ofType(FORWARDING_RULE).toList();
            if (!lbRules.isEmpty()) {
                PlannedResource backend = plan.ofType(BACKEND).findFirst().orElse(null);
                out.append("  subgraph ilb[").append(label("internal load balancer"
                        + (backend == null ? "" : " " + backend.name()))).append("]\n");
                for (PlannedResource fr : lbRules) {
                    node("    ", id("lb", fr.name()), label(fr.name(), fr.inputs().get("ipAddress") + " "
                            + fr.inputs().getOrDefault("ipProtocol", "") + " " + String.join(",", strings(fr.inputs().get("ports")))),
                            fr, backend);
                }
                out.append("  end\n");
                String controllers = sources.entrySet().stream()
                        .filter(e -> config.controller().cidrs().equals(List.of(e.getKey().split(",")))).map(Map.Entry::getValue)
                        .findFirst().orElse(null);
                if (controllers != null) {
                    edge(controllers, label("SIP/ESL via the LB"), "ilb", false);
                }
                edge("ilb", null, fleet, false);
            }

            out.append("  subgraph storage[").append(label("recordings and releases")).append("]\n");
            plan.ofType(BUCKET).forEach(b -> node("    ", id("bucket", b.name()),
                    label("bucket " + b.name(), String.valueOf(b.inputs().getOrDefault("location", ""))), b));
            out.append("  end\n");
            plan.ofType(BUCKET).forEach(b -> edge(fleet, label(b.name().endsWith("-releases") ? "reads releases" : "writes"),
                    id("bucket", b.name()), false));

            List<PlannedResource> topics = plan.ofType(TOPIC).toList();
            if (!topics.isEmpty()) {
                out.append("  subgraph events[").append(label("Pub/Sub")).append("]\n");
                topics.forEach(t -> node("    ", id("topic", t.name()), label("topic " + t.name()), t));
                plan.ofType(SUBSCRIPTION).forEach(s -> node("    ", id("sub", s.name()), label("subscription " + s.name()), s));
                out.append("  end\n");
                plan.ofType(SUBSCRIPTION).forEach(s -> {
                    String topic = lastSegment(String.valueOf(s.inputs().get("topic")));
                    if (topics.stream().anyMatch(t -> t.name().equals(topic))) {
                        edge(id("topic", topic), null, id("sub", s.name()), isChanged(s));
                    }
                });
                topics.stream().filter(t -> t.name().endsWith("-recording-events"))
                        .forEach(t -> edge(fleet, label("publishes"), id("topic", t.name()), false));
            }

            List<PlannedResource> secrets = plan.ofType(SECRET).toList();
            if (!secrets.isEmpty()) {
                out.append("  subgraph secrets[").append(label("Secret Manager")).append("]\n");
                secrets.forEach(s -> node("    ", id("secret", s.name()),
                        label(String.valueOf(s.inputs().getOrDefault("secretId", s.name()))), s,
                        plan.resources().stream().filter(v -> v.type().equals("gcp:secretmanager/secretVersion:SecretVersion")
                                && v.name().equals(s.name() + "-value")).findFirst().orElse(null)));
                out.append("  end\n");
                edge("secrets", label("read at boot"), fleet, false);
            }

            List<PlannedResource> alerts = plan.ofType(ALERT).toList();
            if (!alerts.isEmpty()) {
                out.append("  subgraph alerts[").append(label("alerts")).append("]\n");
                alerts.forEach(a -> node("    ", id("alert", a.name()),
                        label(String.valueOf(a.inputs().getOrDefault("displayName", a.name()))), a));
                out.append("  end\n");
                edge(fleet, label("metrics and logs"), "alerts", false);
            }

            if (!changedIds.isEmpty() || !changedEdges.isEmpty()) {
                out.append("  classDef changed fill:#fff3b0,stroke:#d4a000,stroke-width:3px\n");
            }
            if (!changedIds.isEmpty()) {
                out.append("  class ").append(String.join(",", changedIds)).append(" changed\n");
            }
            if (!changedEdges.isEmpty()) {
                out.append("  linkStyle ").append(String.join(",", changedEdges.stream().map(String::valueOf).toList()))
                        .append(" stroke:#d4a000,stroke-width:3px\n");
            }
            return out.toString();
        }

        private String autoscaled() {
            return config.fleet().autoscaling().map(a -> a.minReplicas() + "-" + a.maxReplicas()).orElse("?");
        }

        /** What the config says a set of source ranges is. */
        private String role(List<String> ranges) {
            if (ranges.equals(config.trunk().signalingCidrs())) {
                return "trunk signalling";
            }
            if (ranges.equals(config.trunk().mediaCidrs())) {
                return "trunk media";
            }
            if (ranges.equals(config.controller().cidrs())) {
                return "controllers";
            }
            if (ranges.equals(List.of("35.191.0.0/16", "130.211.0.0/22"))) {
                return "Google health checks";
            }
            if (ranges.equals(List.of("35.235.240.0/20"))) {
                return "IAP";
            }
            if (ranges.equals(List.of("0.0.0.0/0"))) {
                return "anywhere";
            }
            return "sources";
        }
    }

    /** Nodes of zone {@code i} of {@code zones} when a regional group spreads {@code size} evenly. */
    static String share(String size, int zones, int i) {
        try {
            long n = Long.parseLong(size);
            return String.valueOf(n / zones + (i < n % zones ? 1 : 0));
        } catch (NumberFormatException e) {
            return "share of " + size;
        }
    }

    /** {@code tcp 5061}, {@code udp 16384-32767}, {@code deny all}: the rule's edge label. */
    static String ports(PlannedResource fw) {
        List<String> parts = new ArrayList<>();
        for (String kind : List.of("allows", "denies")) {
            if (fw.inputs().get(kind) instanceof List<?> l) {
                for (Object o : l) {
                    if (o instanceof Map<?, ?> m) {
                        List<String> ports = strings(m.get("ports"));
                        parts.add((kind.equals("denies") ? "deny " : "") + m.get("protocol")
                                + (ports.isEmpty() ? "" : " " + String.join(",", ports)));
                    }
                }
            }
        }
        return String.join("; ", parts);
    }

    private static String lastSegment(String s) {
        return s.substring(s.lastIndexOf('/') + 1);
    }

    private static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        if (o instanceof List<?> l) {
            l.forEach(x -> out.add(String.valueOf(x)));
        }
        return out;
    }
}
