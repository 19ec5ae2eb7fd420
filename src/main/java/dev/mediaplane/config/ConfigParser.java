package dev.mediaplane.config;

import dev.mediaplane.config.ConfigKey.Default;
import dev.mediaplane.config.StackConfig.AddressMode;
import dev.mediaplane.config.StackConfig.Alerts;
import dev.mediaplane.config.StackConfig.Canary;
import dev.mediaplane.config.StackConfig.Autoscaling;
import dev.mediaplane.config.StackConfig.Controller;
import dev.mediaplane.config.StackConfig.Fleet;
import dev.mediaplane.config.StackConfig.Network;
import dev.mediaplane.config.StackConfig.NetworkMode;
import dev.mediaplane.config.StackConfig.Recordings;
import dev.mediaplane.config.StackConfig.Release;
import dev.mediaplane.config.StackConfig.Rtp;
import dev.mediaplane.config.StackConfig.SecretsPolicy;
import dev.mediaplane.config.StackConfig.Stream;
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

    /**
     * Namespaces a stack file may use: ours, the GCP provider's and the engine's own
     * ({@code pulumi:disable-default-providers}, {@code pulumi:tags}). Both loaders apply it.
     */
    public static final Set<String> NAMESPACES = Set.of(NS, "gcp", "pulumi");

    // GCP label rules: lowercase letters (international ones too), digits, '_' and '-'; 63 characters at most.
    private static final Pattern LABEL_KEY = Pattern.compile("[\\p{Ll}\\p{Lo}][\\p{Ll}\\p{Lo}\\p{Lm}\\p{Mn}\\p{Nd}_-]{0,62}");
    private static final Pattern LABEL_VALUE = Pattern.compile("[\\p{Ll}\\p{Lo}\\p{Lm}\\p{Mn}\\p{Nd}_-]{0,63}");

    /** Ports the node opens that no config key names: SSH (through IAP when fleetSsh is true). */
    private static final Map<Integer, String> FIXED_PORTS = Map.of(22, "the node's SSH port (sshd; opened through IAP with fleetSsh)");

    private final List<String> problems = new ArrayList<>();
    /** Keys whose value was refused (or not convertible); rules that read them are skipped. */
    private final Set<String> invalid = new java.util.HashSet<>();
    private final GcpCatalogue catalogue = GcpCatalogue.get();
    /** Entries of mediaplane:catalogueAllow some check relied on. */
    private final Set<String> allowUsed = new java.util.HashSet<>();
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
                    problems.add(unknownKey(key, name));
                } else if (!NAMESPACES.contains(ns)) {
                    String near = ConfigKey.closest(ns, NAMESPACES);
                    problems.add(String.format("unknown config namespace in key '%s'%s; allowed: mediaplane:*, gcp:* "
                            + "(the GCP provider's), pulumi:* (the engine's)", key, near == null ? "" : " (did you mean '" + near + ":'?)"));
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
        Stream stream = stream(provided);
        Canary canary = bind(Canary.class, "canary", Map.of());

        // Every rule runs; each one is skipped only when one of its own inputs was refused.
        crossChecks(trunk, controller, rtp, fleet, network);
        derivedNames(project, prefix);
        unusedAllowEntries();
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new StackConfig(stack, project, region, prefix, zones, labels, network, trunk, controller, rtp, fleet,
                release, recordings, secrets, alerts, stream, canary, provided);
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
                if (raw.secretKeys().contains(row.name())) {
                    invalid.add(row.name()); // set with --secret: reported above, not missing
                } else if (row.dflt() instanceof Default.Required) {
                    problems.add(String.format("%s is required: %s", row.name(), row.constraint().allowed()));
                }
                continue;
            }
            int before = problems.size();
            Object converted = convert(row, v);
            if (problems.size() > before) {
                invalid.add(row.name());
            }
            if (converted != null) {
                set.put(row.name(), converted);
            }
        }
        for (ConfigKey row : rows) {
            values.put(row.name(), set.containsKey(row.name()) ? set.get(row.name()) : fixedDefault(row));
        }
        String[] current = new String[1];
        ConfigKey.Constraint.Checks checks = new ConfigKey.Constraint.Checks() {
            @Override
            public void problem(String format, Object... args) {
                invalid.add(current[0]);
                problems.add(String.format(format, args));
            }

            @Override
            public Object value(String key) {
                return values.get(key);
            }

            @Override
            public boolean valid(String key) {
                return ok(key);
            }

            @Override
            public GcpCatalogue catalogue() {
                return catalogue;
            }

            @Override
            public boolean allowed(String kind, String value) {
                return allow(kind, value);
            }
        };
        for (var e : set.entrySet()) {
            ConfigKey row = ConfigKeys.get(e.getKey());
            current[0] = row.name();
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
                // YAML 1.2's core schema (and Pulumi's reader) also take True/TRUE and False/FALSE.
                if (v instanceof String str && str.matches("true|True|TRUE|false|False|FALSE")) {
                    yield Boolean.parseBoolean(str);
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

    static String defaultPrefix(String stack) {
        String cleaned = ("mp-" + stack.toLowerCase(Locale.ROOT)).replaceAll("[^a-z0-9-]", "-");
        if (cleaned.length() > 18) {
            cleaned = cleaned.substring(0, 18);
        }
        return cleaned.replaceAll("-+$", "");
    }

    // ---- rules that relate several keys -------------------------------------------------------
    // Each rule reads only keys that are valid (ok(...)): a rule never reports a problem that is
    // only an echo of another one, and never judges a value against a refused or defaulted one.

    private Map<String, String> labels() {
        String key = NS + ":labels";
        @SuppressWarnings("unchecked")
        List<String> items = (List<String>) values.get(key);
        if (items == null || !ok(key)) {
            return Map.of();
        }
        Map<String, String> out = new TreeMap<>();
        for (int i = 0; i < items.size(); i++) {
            String item = items.get(i);
            int eq = item.indexOf('=');
            if (eq < 0) {
                refuse(List.of(key), "%s[%d] must be KEY=VALUE such as team=voice, got '%s'", key, i, item);
                continue;
            }
            String k = item.substring(0, eq);
            String val = item.substring(eq + 1);
            if (!LABEL_KEY.matcher(k).matches()) {
                refuse(List.of(key), "%s[%d] key '%s' is not a valid GCP label key; allowed: 1-63 lowercase letters "
                        + "(international ones too), digits, '_' or '-', starting with a letter", key, i, k);
            }
            if (!LABEL_VALUE.matcher(val).matches()) {
                refuse(List.of(key), "%s[%d] value '%s' is not a valid GCP label value; allowed: 0-63 lowercase "
                        + "letters (international ones too), digits, '_' or '-'", key, i, val);
            }
            if (Set.of("stack", "managed-by", "component").contains(k)) {
                refuse(List.of(key), "%s[%d] key '%s' is reserved; mediaplane sets it", key, i, k);
            }
            if (out.put(k, val) != null) {
                refuse(List.of(key), "%s[%d] repeats label key '%s'", key, i, k);
            }
        }
        if (out.size() > 60) {
            refuse(List.of(key), "%s has %d labels; at most 60 are allowed (GCP allows 64, mediaplane sets 3)",
                    key, out.size());
        }
        return out;
    }

    private Network network() {
        Network n = bind(Network.class, "network", Map.of());
        if (ok(k("networkMode"), k("networkSubnetwork")) && n.mode() == NetworkMode.EXISTING && n.subnetwork().isEmpty()) {
            refuse(List.of(k("networkSubnetwork")), "%s is required when %s is 'existing': a subnetwork name or self-link",
                    k("networkSubnetwork"), k("networkMode"));
        }
        return n;
    }

    private Rtp rtp() {
        Rtp r = bind(Rtp.class, "rtp", Map.of());
        if (ok(k("rtpStartPort")) && r.startPort() % 2 != 0) {
            refuse(List.of(k("rtpStartPort")), "%s must be even (RTP uses even ports, RTCP the odd port above), got %d",
                    k("rtpStartPort"), r.startPort());
        }
        if (ok(k("rtpStartPort"), k("rtpEndPort")) && r.endPort() <= r.startPort()) {
            refuse(List.of(k("rtpEndPort")), "%s must be greater than %s (%d), got %d", k("rtpEndPort"), k("rtpStartPort"),
                    r.startPort(), r.endPort());
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
            if (ok(k("autoscalingMinReplicas"), k("autoscalingMaxReplicas")) && min > max) {
                refuse(List.of(k("autoscalingMinReplicas"), k("autoscalingMaxReplicas")), "%s (%d) must not exceed %s (%d)",
                        k("autoscalingMinReplicas"), min, k("autoscalingMaxReplicas"), max);
            }
            if (isSet("fleetSize")) {
                refuse(List.of(k("fleetSize")), "%s has no effect when autoscaling (%s/%s size the fleet); remove it, got %s",
                        k("fleetSize"), k("autoscalingMinReplicas"), k("autoscalingMaxReplicas"),
                        describe(raw.values().get(k("fleetSize"))));
            }
            if (ok(k("fleetAddressMode")) && AddressMode.STATIC.name().toLowerCase(Locale.ROOT).equals(addressMode)) {
                refuse(List.of(k("fleetAddressMode")), "%s must be 'ephemeral' when autoscaling (%s is set): reserved addresses "
                        + "are per node of a fixed fleet, got 'static'", k("fleetAddressMode"), k("autoscalingMinReplicas"));
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
            refuse(List.of(row.name()), "%s is required: a whole number %s", row.name(), row.constraint().allowed());
            return min;
        }
        Object v = values.get(row.name());
        return v == null ? min : ((Number) v).intValue();
    }

    /** The keys that size the fleet: the replica bounds when autoscaling, else fleetSize. */
    private List<String> sizeKeys(Fleet fleet) {
        return fleet.autoscaling().isPresent() ? List.of(k("autoscalingMinReplicas"), k("autoscalingMaxReplicas"))
                : List.of(k("fleetSize"));
    }

    private Release release(Fleet fleet) {
        Release r = bind(Release.class, "release", Map.of());
        int nodes = fleet.baseSize();
        List<String> inputs = new ArrayList<>(sizeKeys(fleet));
        inputs.add(k("releaseCanarySize"));
        if (ok(inputs.toArray(String[]::new)) && r.canarySize() > 0 && r.canarySize() >= nodes) {
            refuse(List.of(k("releaseCanarySize")), "%s must be smaller than the fleet (%d node%s) so the stable release keeps "
                    + "serving, got %d", k("releaseCanarySize"), nodes, nodes == 1 ? "" : "s", r.canarySize());
        }
        if (ok(k("releaseCanarySize"), k("releaseStable")) && r.canarySize() > 0 && r.stable().isEmpty()) {
            refuse(List.of(k("releaseStable")), "%s is required when %s > 0: the canary runs the current render beside the "
                    + "promoted release", k("releaseStable"), k("releaseCanarySize"));
        }
        return r;
    }

    private Recordings recordings() {
        String location = ((String) values.get(k("recordingsLocation"))).toUpperCase(Locale.ROOT);
        Recordings r = bind(Recordings.class, "recordings", Map.of("location", location));
        if (ok(k("recordingsRetentionDays"), k("recordingsDeleteAfterDays")) && r.deleteAfterDays() > 0
                && r.retentionDays() > r.deleteAfterDays()) {
            refuse(List.of(k("recordingsRetentionDays")), "%s (%d) must not exceed %s (%d): objects cannot be deleted while retained",
                    k("recordingsRetentionDays"), r.retentionDays(), k("recordingsDeleteAfterDays"), r.deleteAfterDays());
        }
        if (!isSet("recordingsLocation") && ok("gcp:region") && !catalogue.gcsLocations().contains(location)
                && !allow("location", location)) {
            // The default follows gcp:region; a region the catalogue admits only through catalogueAllow needs the location too.
            refuse(List.of(k("recordingsLocation")), "%s defaults to gcp:region '%s', which is not a GCS location the catalogue "
                    + "knows; set %s or %s", k("recordingsLocation"), location, k("recordingsLocation"),
                    catalogue.unknownHint("location", location));
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

    /**
     * A provider without its key would boot nodes whose every stream fails at the first connection (the key
     * file is absent): refused here, before anything is deployed.
     */
    private Stream stream(Set<NodeSecret> provided) {
        Stream s = bind(Stream.class, "stream", Map.of());
        String key = k("streamProvider");
        if (ok(key) && s.provider().key().filter(secret -> !provided.contains(secret)).isPresent()) {
            String secret = NS + ":" + s.provider().key().orElseThrow().configKey();
            refuse(List.of(key), "%s is '%s' but its API key secret %s is not set; set it with "
                    + "'pulumi config set --secret %s <key>', or set %s to none", key, s.provider().id(), secret, secret, key);
        }
        return s;
    }

    private SecretsPolicy secretsPolicy() {
        SecretsPolicy s = bind(SecretsPolicy.class, "secrets", Map.of());
        if (ok(k("secretsRotationNotices"), k("secretsRotationDays")) && s.rotationNotices() && s.rotationDays() == 0) {
            refuse(List.of(k("secretsRotationNotices")), "%s needs %s > 0: without rotation there is nothing to notify",
                    k("secretsRotationNotices"), k("secretsRotationDays"));
        }
        return s;
    }

    private void crossChecks(Trunk trunk, Controller controller, Rtp rtp, Fleet fleet, Network network) {
        ilbAddress(network, fleet);
        String start = k("rtpStartPort");
        String end = k("rtpEndPort");
        String sessions = k("fleetMaxSessions");
        String machine = k("fleetMachineType");
        boolean rtpOk = ok(start, end);
        // Each call leg needs an even RTP port plus its RTCP port.
        int needed = 2 * fleet.maxSessions();
        if (rtpOk && ok(sessions) && rtp.size() < needed) {
            problems.add(String.format("%s..%s holds %d ports (%d-%d) but %s=%d needs at least %d (RTP+RTCP per session)",
                    start, end, rtp.size(), rtp.startPort(), rtp.endPort(), sessions, fleet.maxSessions(), needed));
        }
        // Sizing rule (docs/freeswitch-control.md): a recorded G.711 call costs ~0.16% of a core and a
        // 2-vCPU node stays healthy to ~500 recorded calls, so at most 250 sessions per vCPU. The vCPUs
        // come from the catalogue (or the name of a type catalogueAllow admits; MachineType refuses
        // one that states none), so the rule is never skipped.
        if (ok(sessions, machine)) {
            int vcpus = catalogue.machineType(fleet.machineType()).map(GcpCatalogue.MachineType::vcpus)
                    .orElse(GcpCatalogue.statedVcpus(fleet.machineType()));
            if (fleet.maxSessions() > 250 * vcpus) {
                problems.add(String.format("%s=%d exceeds the sizing rule of 250 sessions per vCPU: %s has %d vCPU%s, so "
                        + "at most %d", sessions, fleet.maxSessions(), fleet.machineType(), vcpus, vcpus == 1 ? "" : "s", 250 * vcpus));
            }
        }
        String image = k("fleetImage");
        if (ok(machine, image)) {
            var arch = catalogue.machineType(fleet.machineType()).map(GcpCatalogue.MachineType::architecture)
                    .or(() -> catalogue.family(GcpCatalogue.familyOf(fleet.machineType())).map(GcpCatalogue.Family::architecture));
            String imageArch = ConfigKey.Image.architecture(fleet.image());
            if (arch.isPresent() && !arch.get().equals(imageArch) && !allow("image", fleet.image())) {
                problems.add(String.format("%s '%s' is an %s image but %s %s is %s; use an %s image (for Debian: "
                        + "projects/debian-cloud/global/images/family/debian-12%s), or add 'image:%s' to %s if the image "
                        + "is %s despite its name", image, fleet.image(), imageArch, machine, fleet.machineType(), arch.get(),
                        arch.get(), arch.get().equals("arm64") ? "-arm64" : "", fleet.image(), k("catalogueAllow"), arch.get()));
            }
        }
        Map<String, Integer> tcp = new LinkedHashMap<>();
        tcp.put(k("trunkSipTlsPort"), trunk.sipTlsPort());
        tcp.put(k("controllerEslPort"), controller.eslPort());
        tcp.put(k("controllerInternalSipPort"), controller.internalSipPort());
        tcp.put(k("fleetHealthPort"), fleet.healthPort());
        Map<Integer, String> seen = new TreeMap<>();
        for (var e : tcp.entrySet()) {
            if (!ok(e.getKey())) {
                continue;
            }
            String other = seen.putIfAbsent(e.getValue(), e.getKey());
            if (other != null) {
                problems.add(String.format("%s (%d) collides with %s; each service needs its own port", e.getKey(), e.getValue(), other));
            }
            if (FIXED_PORTS.containsKey(e.getValue())) {
                problems.add(String.format("%s (%d) collides with %s; choose another port", e.getKey(), e.getValue(),
                        FIXED_PORTS.get(e.getValue())));
            }
            if (rtpOk && e.getValue() >= rtp.startPort() && e.getValue() <= rtp.endPort()) {
                problems.add(String.format("%s (%d) lies inside the RTP range %d-%d", e.getKey(), e.getValue(), rtp.startPort(), rtp.endPort()));
            }
        }
        String subnetKey = k("networkSubnetCidr");
        boolean dedicated = ok(k("networkMode"), subnetKey) && network.mode() == NetworkMode.DEDICATED;
        Cidr subnet = dedicated ? Cidr.tryParse(network.subnetCidr()) : null;
        if (subnet != null && ok(k("controllerCidrs"))) {
            for (int i = 0; i < controller.cidrs().size(); i++) {
                Cidr c = Cidr.tryParse(controller.cidrs().get(i));
                if (c != null && subnet.overlaps(c) && !subnet.contains(c)) {
                    problems.add(String.format("%s[%d] '%s' partly overlaps %s '%s'", k("controllerCidrs"), i,
                            controller.cidrs().get(i), subnetKey, network.subnetCidr()));
                }
            }
        }
        List<String> sizing = new ArrayList<>(sizeKeys(fleet));
        sizing.addAll(List.of(k("fleetAddressMode"), k("zones")));
        if (subnet != null && ok(sizing.toArray(String[]::new))) {
            // GCP keeps 4 addresses of every subnet; the internal LB takes one; an ephemeral fleet's
            // rolling update surges one node per zone above the maximum size.
            int nodes = fleet.autoscaling().map(Autoscaling::maxReplicas).orElse(fleet.size());
            boolean lb = fleet.autoscaling().isPresent() || fleet.size() > 1;
            int surge = fleet.addressMode() == AddressMode.EPHEMERAL ? ((List<?>) values.get(k("zones"))).size() : 0;
            long usable = subnet.size() - 4;
            if (usable < nodes + (lb ? 1 : 0) + surge) {
                problems.add(String.format("%s '%s' has %d usable addresses but needs %d: %d node%s at most%s%s",
                        subnetKey, network.subnetCidr(), usable, nodes + (lb ? 1 : 0) + surge, nodes, nodes == 1 ? "" : "s",
                        lb ? " + 1 internal load balancer address" : "",
                        surge > 0 ? " + " + surge + " surge node" + (surge == 1 ? "" : "s") + " during a rolling update" : ""));
            }
        }
    }

    /**
     * GCP keeps the first two (network, gateway) and the last two (reserved, broadcast) addresses
     * of every IPv4 subnet range: the highest one a resource can take is broadcast - 2.
     */
    static String highestAssignable(Object subnetCidr) {
        Cidr c = subnetCidr instanceof String s ? Cidr.tryParse(s) : null;
        return c == null || c.size() < 8 ? null : ipv4(c.base() + c.size() - 3);
    }

    private static String ipv4(long ip) {
        return ((ip >> 24) & 255) + "." + ((ip >> 16) & 255) + "." + ((ip >> 8) & 255) + "." + (ip & 255);
    }

    /** The internal load balancer's address: set where the fleet has a balancer, assignable in the subnet. */
    private void ilbAddress(Network network, Fleet fleet) {
        String key = k("networkIlbAddress");
        if (!ok(key, k("networkMode"), k("fleetSize"), k("autoscalingMinReplicas"), k("autoscalingMaxReplicas"))) {
            return;
        }
        // Harmless on a one-node fleet (no balancer reads it), so a stack can set it before it grows.
        if (!fleet.balanced()) {
            return;
        }
        if (network.ilbAddress().isEmpty()) {
            problems.add(String.format("%s is required when %s is 'existing' and the fleet can hold several nodes: a free "
                    + "address of %s for the internal load balancer (GCP keeps the first two and last two of the range)",
                    key, k("networkMode"), k("networkSubnetwork")));
            return;
        }
        String vip = network.ilbAddress().get();
        Cidr ip = Cidr.tryParse(vip + "/32");
        if (ip == null || network.mode() != NetworkMode.DEDICATED || !ok(k("networkSubnetCidr"))) {
            return;
        }
        Cidr subnet = Cidr.tryParse(network.subnetCidr());
        if (subnet == null) {
            return;
        }
        if (!subnet.contains(ip)) {
            problems.add(String.format("%s '%s' is outside %s '%s'; use an address of the subnet such as %s", key, vip,
                    k("networkSubnetCidr"), network.subnetCidr(), highestAssignable(network.subnetCidr())));
            return;
        }
        long offset = ip.base() - subnet.base();
        String reserved = offset == 0 ? "the network address" : offset == 1 ? "the default gateway"
                : offset == subnet.size() - 2 ? "reserved by Google Cloud" : offset == subnet.size() - 1 ? "the broadcast address" : null;
        if (reserved != null) {
            problems.add(String.format("%s '%s' is %s of %s '%s', which GCP never assigns; use an address between %s and %s",
                    key, vip, reserved, k("networkSubnetCidr"), network.subnetCidr(), ipv4(subnet.base() + 2),
                    highestAssignable(network.subnetCidr())));
        }
    }

    /** Every name derived from the project and prefix meets its resource's GCP naming rule ({@link GcpNames}). */
    private void derivedNames(String project, String prefix) {
        if (!ok("gcp:project", k("prefix")) || project == null || prefix == null) {
            return;
        }
        String source = isSet("prefix") ? k("prefix") + " '" + prefix + "'" : k("prefix") + " (default '" + prefix + "', from the stack name)";
        for (GcpNames.Derived d : GcpNames.derived(project, prefix)) {
            d.kind().refusal(d.name()).ifPresent(rule -> problems.add(String.format(
                    "%s%s gives the %s '%s' (%s), which GCP refuses: a %s must be %s", source,
                    d.name().startsWith(project + "-") ? " with gcp:project '" + project + "'" : "", d.resource(), d.name(),
                    d.kind().what(), d.kind().what(), d.kind().rule())));
        }
    }

    /** Whether catalogueAllow lists {@code kind:value}; remembers it, so an entry nothing needs is reported. */
    private boolean allow(String kind, String value) {
        @SuppressWarnings("unchecked")
        List<String> items = (List<String>) values.get(k("catalogueAllow"));
        String entry = kind + ":" + value;
        if (items != null && items.contains(entry)) {
            allowUsed.add(entry);
            return true;
        }
        return false;
    }

    private void unusedAllowEntries() {
        @SuppressWarnings("unchecked")
        List<String> items = (List<String>) values.get(k("catalogueAllow"));
        if (items == null || !ok(k("catalogueAllow"))) {
            return;
        }
        for (int i = 0; i < items.size(); i++) {
            if (!allowUsed.contains(items.get(i))) {
                problems.add(String.format("%s[%d] '%s' has no effect: the catalogue (%s) already knows it or no key uses it; "
                        + "remove it", k("catalogueAllow"), i, items.get(i), catalogue.asOf()));
            }
        }
    }

    private String unknownKey(String key, String name) {
        String near = ConfigKey.closest(name, KEYS);
        return near != null
                ? String.format("unknown config key '%s'; did you mean '%s:%s'?", key, NS, near)
                : String.format("unknown config key '%s'; Pulumi.yaml's config block and the README's key table list every %s:* key",
                        key, NS);
    }

    /** Whether none of {@code keys} (full names) was refused. */
    private boolean ok(String... keys) {
        for (String key : keys) {
            if (invalid.contains(key)) {
                return false;
            }
        }
        return true;
    }

    /** Reports a problem and marks {@code keys} refused, so rules reading them are skipped. */
    private void refuse(List<String> keys, String format, Object... args) {
        invalid.addAll(keys);
        problems.add(String.format(format, args));
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
