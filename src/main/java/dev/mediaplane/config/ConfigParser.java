package dev.mediaplane.config;

import dev.mediaplane.config.ConfigKey.Default;
import dev.mediaplane.config.StackConfig.AddressMode;
import dev.mediaplane.config.StackConfig.Alerts;
import dev.mediaplane.config.StackConfig.Autoscaling;
import dev.mediaplane.config.StackConfig.Controller;
import dev.mediaplane.config.StackConfig.Fleet;
import dev.mediaplane.config.StackConfig.Network;
import dev.mediaplane.config.StackConfig.NetworkMode;
import dev.mediaplane.config.StackConfig.Recordings;
import dev.mediaplane.config.StackConfig.Release;
import dev.mediaplane.config.StackConfig.Rtp;
import dev.mediaplane.config.StackConfig.SecretsPolicy;
import dev.mediaplane.config.StackConfig.Trunk;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The one place that turns raw stack config into a {@link StackConfig}. Both loaders end here, so
 * they cannot disagree on defaults or rules. Type conversion, single-key checks and defaults come
 * from the rows of {@link ConfigKeys}; the nested records are bound from the rows by name
 * (section {@code fleet} + field {@code size} = {@code mediaplane:fleetSize}); the section
 * methods here hold only the rules that relate several keys. All problems are collected and
 * reported together; each message names the key, the value received and what is allowed.
 */
public final class ConfigParser {

    public static final String NS = "mediaplane";

    /** Names (without the namespace) of every {@code mediaplane:} key, sorted. */
    public static final Set<String> KEYS;

    static {
        Set<String> keys = new TreeSet<>();
        ConfigKeys.mediaplane().forEach(k -> keys.add(k.shortName()));
        KEYS = java.util.Collections.unmodifiableSet(keys);
    }

    private static final Pattern LABEL_KEY = Pattern.compile("[a-z][a-z0-9_-]{0,62}");
    private static final Pattern LABEL_VALUE = Pattern.compile("[a-z0-9_-]{0,63}");

    private final List<String> problems = new ArrayList<>();
    private final RawConfig raw;
    /** Converted, checked and defaulted value of every non-secret row; null when none applies. */
    private final Map<String, Object> values = new HashMap<>();

    private ConfigParser(RawConfig raw) {
        this.raw = raw;
    }

    /**
     * Parses and validates.
     *
     * @throws ConfigException listing every problem, before any resource is declared
     */
    public static StackConfig parse(String stack, RawConfig raw) {
        return new ConfigParser(raw).run(stack);
    }

    private StackConfig run(String stack) {
        if (raw.knownKeysComplete()) {
            Set<String> all = new TreeSet<>(raw.values().keySet());
            all.addAll(raw.secretKeys());
            for (String key : all) {
                int colon = key.indexOf(':');
                String ns = colon < 0 ? "" : key.substring(0, colon);
                String name = key.substring(colon + 1);
                if (ns.equals(NS) && !KEYS.contains(name)) {
                    problems.add(String.format("unknown config key '%s'; allowed %s:* keys: %s", key, NS,
                            String.join(", ", KEYS)));
                } else if (!ns.equals(NS) && !ns.equals("gcp")) {
                    problems.add(String.format("unknown config namespace in key '%s'; allowed: mediaplane:*, gcp:*", key));
                }
            }
        }
        Set<NodeSecret> provided = EnumSet.noneOf(NodeSecret.class);
        for (NodeSecret s : NodeSecret.values()) {
            String full = NS + ":" + s.configKey();
            if (raw.secretKeys().contains(full)) {
                provided.add(s);
            } else if (raw.values().containsKey(full)) {
                // Do not echo the value: it is meant to be secret.
                problems.add(String.format("config key '%s' holds a plain value; it is a secret and must be set with "
                        + "'pulumi config set --secret %s <value>'", full, full));
            }
        }
        for (String key : raw.secretKeys()) {
            if (ConfigKeys.byName(key).filter(k -> !k.secret()).isPresent()) {
                problems.add(String.format("config key '%s' is a secret but takes a plain value; set it without --secret", key));
            }
        }

        readRows(stack);
        String project = (String) values.get("gcp:project");
        String region = (String) values.get("gcp:region");
        String prefix = (String) values.get(NS + ":prefix");
        @SuppressWarnings("unchecked")
        List<String> zones = (List<String>) values.get(NS + ":zones");
        Map<String, String> labels = labels();
        Network network = network();
        Trunk trunk = bind(Trunk.class, "trunk", Map.of());
        Controller controller = bind(Controller.class, "controller", Map.of());
        Rtp rtp = rtp();
        Fleet fleet = fleet();
        Release release = release(fleet);
        Recordings recordings = recordings();
        SecretsPolicy secrets = secretsPolicy();
        Alerts alerts = bind(Alerts.class, "alerts", Map.of());

        if (problems.isEmpty()) {
            crossChecks(trunk, controller, rtp, fleet, network);
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new StackConfig(stack, project, region, prefix, zones, labels, network, trunk, controller, rtp, fleet,
                release, recordings, secrets, alerts, provided);
    }

    /**
     * Converts every set key to its row's type, applies fixed defaults, checks each set value
     * against its row's constraint, then applies computed defaults (they may read other keys).
     */
    private void readRows(String stack) {
        List<ConfigKey> rows = ConfigKeys.ALL.stream().filter(k -> !k.secret()).toList();
        Map<String, Object> set = new LinkedHashMap<>();
        for (ConfigKey row : rows) {
            Object v = raw.values().get(row.name());
            if (v == null) {
                if (row.dflt() instanceof Default.Required) {
                    problems.add(String.format("%s is required: %s", row.name(), row.constraint().allowed()));
                }
                continue;
            }
            Object converted = convert(row, v);
            if (converted != null) {
                set.put(row.name(), converted);
            }
        }
        for (ConfigKey row : rows) {
            values.put(row.name(), set.containsKey(row.name()) ? set.get(row.name()) : fixedDefault(row));
        }
        ConfigKey.Constraint.Checks checks = new ConfigKey.Constraint.Checks() {
            @Override
            public void problem(String format, Object... args) {
                problems.add(String.format(format, args));
            }

            @Override
            public Object value(String key) {
                return values.get(key);
            }
        };
        for (var e : set.entrySet()) {
            ConfigKey row = ConfigKeys.get(e.getKey());
            Object kept = row.constraint().check(row.name(), e.getValue(), checks);
            values.put(row.name(), kept != null ? kept : fixedDefault(row));
        }
        Default.Inputs inputs = new Default.Inputs() {
            @Override
            public String stack() {
                return stack;
            }

            @Override
            public Object value(String key) {
                return values.get(key);
            }
        };
        for (ConfigKey row : rows) {
            if (values.get(row.name()) == null && row.dflt() instanceof Default.Computed c) {
                values.put(row.name(), c.compute().apply(inputs));
            }
        }
    }

    private static Object fixedDefault(ConfigKey row) {
        if (row.dflt() instanceof Default.Value v) {
            return v.value() instanceof Integer i ? Long.valueOf(i) : v.value();
        }
        return null;
    }

    /** The value as the row's type (Long, Boolean, String, List of String), or null after reporting why not. */
    private Object convert(ConfigKey row, Object v) {
        String key = row.name();
        return switch (row.type()) {
            case STRING -> scalarString(key, v);
            case ARRAY -> stringList(key, v);
            case BOOLEAN -> {
                if (v instanceof Boolean b) {
                    yield b;
                }
                if ("true".equals(v) || "false".equals(v)) {
                    yield Boolean.parseBoolean((String) v);
                }
                problems.add(String.format("%s must be true or false, got %s", key, describe(v)));
                yield null;
            }
            case INTEGER -> {
                if (v instanceof Integer || v instanceof Long) {
                    yield ((Number) v).longValue();
                }
                if (v instanceof Double d && d == Math.rint(d) && !d.isInfinite()) {
                    yield d.longValue();
                }
                if (v instanceof String s && s.matches("-?[0-9]{1,18}")) {
                    yield Long.parseLong(s);
                }
                problems.add(String.format("%s must be a whole number %s, got %s", key, row.constraint().allowed(), describe(v)));
                yield null;
            }
        };
    }

    /**
     * The record {@code type} with each field taken from the row {@code <section><Field>}, or
     * from {@code overrides} for fields no single row holds.
     */
    private <R extends Record> R bind(Class<R> type, String section, Map<String, Object> overrides) {
        RecordComponent[] components = type.getRecordComponents();
        Object[] args = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            types[i] = c.getType();
            if (overrides.containsKey(c.getName())) {
                args[i] = overrides.get(c.getName());
                continue;
            }
            String key = sectionKey(section, c.getName());
            Object v = values.get(ConfigKeys.get(key).name());
            args[i] = fieldValue(key, c.getType(), v);
        }
        try {
            Constructor<R> ctor = type.getDeclaredConstructor(types);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("cannot build " + type.getSimpleName(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object fieldValue(String key, Class<?> type, Object v) {
        if (type == int.class) {
            return v == null ? 0 : ((Number) v).intValue();
        }
        if (type == double.class) {
            return v == null ? 0.0 : ((Number) v).doubleValue();
        }
        if (type == boolean.class) {
            return Boolean.TRUE.equals(v);
        }
        if (type == Optional.class) {
            return Optional.ofNullable(v);
        }
        if (type == List.class) {
            return v == null ? List.of() : v;
        }
        if (type.isEnum()) {
            return v == null ? null : Enum.valueOf((Class) type, ((String) v).toUpperCase(Locale.ROOT));
        }
        if (type == String.class) {
            return v;
        }
        throw new IllegalStateException(key + ": no binding for a field of type " + type.getName());
    }

    /** {@code mediaplane:fleetSize} for section {@code fleet} and field {@code size}. */
    static String sectionKey(String section, String field) {
        return NS + ":" + section + Character.toUpperCase(field.charAt(0)) + field.substring(1);
    }

    /** vCPUs of a predefined ({@code e2-standard-4}) or custom ({@code e2-custom-4-8192}) machine type. */
    static int vcpus(String machineType) {
        java.util.regex.Matcher m = Pattern.compile(".*-(?:standard|highcpu|highmem)-([0-9]+)|.*-custom-([0-9]+)-[0-9]+")
                .matcher(machineType);
        if (!m.matches()) {
            return 0;
        }
        return Integer.parseInt(m.group(1) != null ? m.group(1) : m.group(2));
    }

    static String defaultPrefix(String stack) {
        String cleaned = ("mp-" + stack.toLowerCase(Locale.ROOT)).replaceAll("[^a-z0-9-]", "-");
        if (cleaned.length() > 18) {
            cleaned = cleaned.substring(0, 18);
        }
        return cleaned.replaceAll("-+$", "");
    }

    // ---- rules that relate several keys -------------------------------------------------------

    private Map<String, String> labels() {
        String key = NS + ":labels";
        @SuppressWarnings("unchecked")
        List<String> items = (List<String>) values.get(key);
        if (items == null) {
            return Map.of();
        }
        Map<String, String> out = new TreeMap<>();
        for (int i = 0; i < items.size(); i++) {
            String item = items.get(i);
            int eq = item.indexOf('=');
            if (eq < 0) {
                problems.add(String.format("%s[%d] must be KEY=VALUE, got '%s'", key, i, item));
                continue;
            }
            String k = item.substring(0, eq);
            String val = item.substring(eq + 1);
            if (!LABEL_KEY.matcher(k).matches()) {
                problems.add(String.format("%s[%d] key '%s' is not a valid GCP label key; allowed: 1-63 lowercase letters, "
                        + "digits, '_' or '-', starting with a letter", key, i, k));
            }
            if (!LABEL_VALUE.matcher(val).matches()) {
                problems.add(String.format("%s[%d] value '%s' is not a valid GCP label value; allowed: 0-63 lowercase "
                        + "letters, digits, '_' or '-'", key, i, val));
            }
            if (Set.of("stack", "managed-by", "component").contains(k)) {
                problems.add(String.format("%s[%d] key '%s' is reserved; mediaplane sets it", key, i, k));
            }
            if (out.put(k, val) != null) {
                problems.add(String.format("%s[%d] repeats label key '%s'", key, i, k));
            }
        }
        if (out.size() > 60) {
            problems.add(String.format("%s has %d labels; at most 60 are allowed (GCP allows 64, mediaplane sets 3)",
                    key, out.size()));
        }
        return out;
    }

    private Network network() {
        Network n = bind(Network.class, "network", Map.of());
        if (n.mode() == NetworkMode.EXISTING && n.subnetwork().isEmpty()) {
            problems.add(String.format("%s is required when %s is 'existing'", k("networkSubnetwork"), k("networkMode")));
        }
        if (n.mode() == NetworkMode.DEDICATED && (n.vpc().isPresent() || n.subnetwork().isPresent())) {
            problems.add(String.format("%s/%s are only allowed when %s is 'existing', got mode 'dedicated'",
                    k("networkVpc"), k("networkSubnetwork"), k("networkMode")));
        }
        return n;
    }

    private Rtp rtp() {
        Rtp r = bind(Rtp.class, "rtp", Map.of());
        if (r.startPort() % 2 != 0) {
            problems.add(String.format("%s must be even (RTP uses even ports, RTCP the odd port above), got %d",
                    k("rtpStartPort"), r.startPort()));
        }
        if (r.endPort() <= r.startPort()) {
            problems.add(String.format("%s must be greater than %s (%d), got %d", k("rtpEndPort"), k("rtpStartPort"),
                    r.startPort(), r.endPort()));
        }
        return r;
    }

    private Fleet fleet() {
        Optional<Autoscaling> autoscaling = Optional.empty();
        String addressMode = (String) values.get(k("fleetAddressMode"));
        if (isSet("autoscalingMinReplicas") || isSet("autoscalingMaxReplicas") || isSet("autoscalingCpuPercent")
                || isSet("autoscalingCooldownSec")) {
            int min = requiredInt("autoscalingMinReplicas");
            int max = requiredInt("autoscalingMaxReplicas");
            if (min > max) {
                problems.add(String.format("%s (%d) must not exceed %s (%d)", k("autoscalingMinReplicas"), min,
                        k("autoscalingMaxReplicas"), max));
            }
            if (isSet("fleetSize")) {
                problems.add(String.format("%s and %s exclude each other: an autoscaled fleet is sized by "
                        + "%s/%s, got size %d", k("fleetSize"), k("autoscalingMinReplicas"), k("autoscalingMinReplicas"),
                        k("autoscalingMaxReplicas"), ((Number) values.get(k("fleetSize"))).intValue()));
            }
            if (AddressMode.STATIC.name().toLowerCase(Locale.ROOT).equals(addressMode)) {
                problems.add(String.format("%s must be 'ephemeral' when autoscaling (%s is set): reserved addresses "
                        + "are per node of a fixed fleet, got 'static'", k("fleetAddressMode"), k("autoscalingMinReplicas")));
            }
            double cpuTarget = ((Number) values.get(k("autoscalingCpuPercent"))).intValue() / 100.0;
            autoscaling = Optional.of(bind(Autoscaling.class, "autoscaling",
                    Map.of("minReplicas", min, "maxReplicas", max, "cpuTarget", cpuTarget)));
        }
        return bind(Fleet.class, "fleet", Map.of("autoscaling", autoscaling));
    }

    /** A key required only in some modes: its lower bound stands in when it is missing or refused. */
    private int requiredInt(String name) {
        ConfigKey row = ConfigKeys.get(k(name));
        int min = ((ConfigKey.Range) row.constraint()).min();
        if (!isSet(name)) {
            problems.add(String.format("%s is required: a whole number %s", row.name(), row.constraint().allowed()));
            return min;
        }
        Object v = values.get(row.name());
        return v == null ? min : ((Number) v).intValue();
    }

    private Release release(Fleet fleet) {
        Release r = bind(Release.class, "release", Map.of());
        int nodes = fleet.baseSize();
        if (r.canarySize() > 0 && r.canarySize() >= nodes) {
            problems.add(String.format("%s must be smaller than the fleet (%d node%s) so the stable release keeps "
                    + "serving, got %d", k("releaseCanarySize"), nodes, nodes == 1 ? "" : "s", r.canarySize()));
        }
        if (r.canarySize() > 0 && r.stable().isEmpty()) {
            problems.add(String.format("%s is required when %s > 0: the canary runs the current render beside the "
                    + "promoted release", k("releaseStable"), k("releaseCanarySize")));
        }
        return r;
    }

    private Recordings recordings() {
        String location = ((String) values.get(k("recordingsLocation"))).toUpperCase(Locale.ROOT);
        Recordings r = bind(Recordings.class, "recordings", Map.of("location", location));
        if (r.deleteAfterDays() > 0 && r.retentionDays() > r.deleteAfterDays()) {
            problems.add(String.format("%s (%d) must not exceed %s (%d): objects cannot be deleted while retained",
                    k("recordingsRetentionDays"), r.retentionDays(), k("recordingsDeleteAfterDays"), r.deleteAfterDays()));
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String s : r.eventSubscribers()) {
            String name = s.substring(0, Math.max(0, s.indexOf('=')));
            if (!name.isEmpty() && !names.add(name)) {
                problems.add(String.format("%s names subscriber '%s' twice; each NAME is one subscription, allowed once",
                        k("recordingsEventSubscribers"), name));
            }
        }
        return r;
    }

    private SecretsPolicy secretsPolicy() {
        SecretsPolicy s = bind(SecretsPolicy.class, "secrets", Map.of());
        if (s.rotationNotices() && s.rotationDays() == 0) {
            problems.add(String.format("%s needs %s > 0: without rotation there is nothing to notify", k("secretsRotationNotices"),
                    k("secretsRotationDays")));
        }
        return s;
    }

    private void crossChecks(Trunk trunk, Controller controller, Rtp rtp, Fleet fleet, Network network) {
        // Each call leg needs an even RTP port plus its RTCP port.
        int needed = 2 * fleet.maxSessions();
        if (rtp.size() < needed) {
            problems.add(String.format("%s..%s holds %d ports (%d-%d) but %s=%d needs at least %d (RTP+RTCP per session)",
                    NS + ":rtpStartPort", NS + ":rtpEndPort", rtp.size(), rtp.startPort(), rtp.endPort(),
                    NS + ":fleetMaxSessions", fleet.maxSessions(), needed));
        }
        // Sizing rule (docs/freeswitch-control.md): a recorded G.711 call costs ~0.16% of a core and a
        // 2-vCPU node stays healthy to ~500 recorded calls, so at most 250 sessions per vCPU.
        int vcpus = vcpus(fleet.machineType());
        if (vcpus > 0 && fleet.maxSessions() > 250 * vcpus) {
            problems.add(String.format("%s=%d exceeds the sizing rule of 250 sessions per vCPU: %s has %d vCPU%s, so "
                    + "at most %d", NS + ":fleetMaxSessions", fleet.maxSessions(), fleet.machineType(), vcpus,
                    vcpus == 1 ? "" : "s", 250 * vcpus));
        }
        Map<String, Integer> tcp = new LinkedHashMap<>();
        tcp.put(NS + ":trunkSipTlsPort", trunk.sipTlsPort());
        tcp.put(NS + ":controllerEslPort", controller.eslPort());
        tcp.put(NS + ":controllerInternalSipPort", controller.internalSipPort());
        tcp.put(NS + ":fleetHealthPort", fleet.healthPort());
        Map<Integer, String> seen = new TreeMap<>();
        for (var e : tcp.entrySet()) {
            String other = seen.putIfAbsent(e.getValue(), e.getKey());
            if (other != null) {
                problems.add(String.format("%s (%d) collides with %s; each service needs its own port", e.getKey(), e.getValue(), other));
            }
            if (e.getValue() >= rtp.startPort() && e.getValue() <= rtp.endPort()) {
                problems.add(String.format("%s (%d) lies inside the RTP range %d-%d", e.getKey(), e.getValue(), rtp.startPort(), rtp.endPort()));
            }
        }
        if (network.mode() == NetworkMode.DEDICATED) {
            Cidr subnet = Cidr.tryParse(network.subnetCidr());
            for (int i = 0; i < controller.cidrs().size(); i++) {
                Cidr c = Cidr.tryParse(controller.cidrs().get(i));
                if (subnet != null && c != null && subnet.overlaps(c) && !subnet.contains(c)) {
                    problems.add(String.format("%s[%d] '%s' partly overlaps %s '%s'", NS + ":controllerCidrs", i,
                            controller.cidrs().get(i), NS + ":networkSubnetCidr", network.subnetCidr()));
                }
            }
        }
        int nodes = fleet.autoscaling().map(Autoscaling::maxReplicas).orElse(fleet.size());
        if (network.mode() == NetworkMode.DEDICATED) {
            Cidr subnet = Cidr.tryParse(network.subnetCidr());
            if (subnet != null && subnet.size() - 4 < nodes) {
                problems.add(String.format("%s '%s' has %d usable addresses but the fleet may grow to %d nodes",
                        NS + ":networkSubnetCidr", network.subnetCidr(), subnet.size() - 4, nodes));
            }
        }
    }

    // ---- value helpers ----------------------------------------------------------------------

    private static String k(String name) {
        return NS + ":" + name;
    }

    /** Whether the stack sets {@code mediaplane:<name>} at all (valid or not). */
    private boolean isSet(String name) {
        return raw.values().get(k(name)) != null;
    }

    private List<String> stringList(String key, Object v) {
        if (!(v instanceof List<?> list)) {
            problems.add(String.format("%s must be a list, got %s", key, describe(v)));
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String s = scalarString(key + "[" + i + "]", list.get(i));
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    private String scalarString(String key, Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Number || v instanceof Boolean) {
            return String.valueOf(v);
        }
        problems.add(String.format("%s must be a string, got %s", key, describe(v)));
        return null;
    }

    private static String describe(Object v) {
        if (v == null) {
            return "nothing";
        }
        if (v instanceof Map) {
            return "a map";
        }
        if (v instanceof List) {
            return "a list";
        }
        return "'" + v + "'";
    }
}
