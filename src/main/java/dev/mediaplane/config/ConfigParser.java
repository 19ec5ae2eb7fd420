package dev.mediaplane.config;

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
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
 * they cannot disagree on defaults or rules. All problems are collected and reported together;
 * each message names the key, the value received and what is allowed.
 */
public final class ConfigParser {

    public static final String NS = "mediaplane";

    /**
     * Every key of the {@code mediaplane:} namespace with its Pulumi config type. Keys are flat
     * (a section name, then the field: {@code fleetSize}) because {@code Pulumi.yaml} can declare
     * only string, integer, boolean and array keys, and every key is declared there.
     */
    public static final Map<String, String> SCHEMA;

    /** The keys of {@link #SCHEMA}. */
    public static final Set<String> KEYS;

    static {
        Map<String, String> schema = new TreeMap<>();
        for (String k : List.of("prefix", "networkMode", "networkVpc", "networkSubnetwork", "networkSubnetCidr",
                "trunkGatewayHost", "trunkUsername", "controllerServiceAccount", "fleetMachineType", "fleetAddressMode",
                "fleetImage", "releaseStable", "recordingsLocation", "recordingsStorageClass")) {
            schema.put(k, "string");
        }
        for (String k : List.of("trunkSipTlsPort", "controllerEslPort", "controllerInternalSipPort", "rtpStartPort",
                "rtpEndPort", "fleetSize", "fleetDiskSizeGb", "fleetMaxSessions", "fleetSessionsPerSecond",
                "fleetLivenessInitialDelaySec", "fleetHealthPort", "fleetDrainTimeoutSec", "autoscalingMinReplicas",
                "autoscalingMaxReplicas", "autoscalingCpuPercent", "autoscalingCooldownSec", "releaseCanarySize",
                "recordingsRetentionDays", "recordingsDeleteAfterDays", "secretsRotationDays", "alertsPacketLossPercent")) {
            schema.put(k, "integer");
        }
        for (String k : List.of("trunkVerifyPeer", "trunkAllowAnySignaling", "trunkAllowAnyMedia", "fleetSsh",
                "secretsRotationNotices")) {
            schema.put(k, "boolean");
        }
        for (String k : List.of("zones", "labels", "trunkSignalingCidrs", "trunkMediaCidrs", "controllerCidrs",
                "alertsNotificationChannels")) {
            schema.put(k, "array");
        }
        for (NodeSecret s : NodeSecret.values()) {
            schema.put(s.configKey(), "string");
        }
        SCHEMA = java.util.Collections.unmodifiableMap(schema);
        KEYS = SCHEMA.keySet();
    }

    private static final Pattern PROJECT = Pattern.compile("[a-z][a-z0-9-]{4,28}[a-z0-9]");
    private static final Pattern REGION = Pattern.compile("[a-z]+-[a-z]+[0-9]+");
    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9-]{0,16}[a-z0-9]");
    private static final Pattern LABEL_KEY = Pattern.compile("[a-z][a-z0-9_-]{0,62}");
    private static final Pattern LABEL_VALUE = Pattern.compile("[a-z0-9_-]{0,63}");
    private static final Pattern MACHINE_TYPE = Pattern.compile(
            "(e2|n1|n2|n2d|n4|c2|c2d|c3|c3d|c4|c4a|t2d|t2a)-(standard|highcpu|highmem)-([0-9]{1,3})"
                    + "|(e2|n1|n2|n2d)-custom-[0-9]{1,3}-[0-9]{3,7}");
    private static final Pattern HOST = Pattern.compile(
            "(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\\.)+[a-zA-Z]{2,63}");
    private static final Pattern SA_EMAIL = Pattern.compile(
            "[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\\.iam\\.gserviceaccount\\.com");
    private static final Pattern RELEASE_HASH = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern CHANNEL = Pattern.compile("projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/notificationChannels/[0-9]+");
    private static final Pattern SIP_USER = Pattern.compile("[A-Za-z0-9._~+-]{1,64}");
    private static final Set<String> STORAGE_CLASSES = Set.of("STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE");
    private static final Pattern IMAGE = Pattern.compile(
            "projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/global/images/(family/)?[a-z]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern RESOURCE_REF = Pattern.compile(
            "(projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/(global|regions/[a-z0-9-]+)/(networks|subnetworks)/)?"
                    + "[a-z]([-a-z0-9]{0,61}[a-z0-9])?");

    private final List<String> problems = new ArrayList<>();
    private final RawConfig raw;

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
                            String.join(", ", new TreeSet<>(KEYS))));
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
            String name = key.substring(key.indexOf(':') + 1);
            if (key.startsWith(NS + ":") && KEYS.contains(name) && NodeSecret.byConfigKey(name).isEmpty()) {
                problems.add(String.format("config key '%s' is a secret but takes a plain value; set it without --secret", key));
            }
        }

        String project = requiredString("gcp:project", raw.values().get("gcp:project"), PROJECT,
                "a GCP project id: 6-30 characters, lowercase letters, digits and hyphens, starting with a letter");
        String region = requiredString("gcp:region", raw.values().get("gcp:region"), REGION, "a GCP region such as europe-west1");
        String prefix = optionalString(NS + ":prefix", top("prefix"), PREFIX,
                "2-18 characters: lowercase letters, digits, hyphens; starting with a letter, not ending with a hyphen")
                .orElse(defaultPrefix(stack));
        List<String> zones = zones(region);
        Map<String, String> labels = labels();
        Network network = network();
        Trunk trunk = trunk();
        Controller controller = controller();
        Rtp rtp = rtp();
        Fleet fleet = fleet();
        Release release = release(fleet);
        Recordings recordings = recordings(region);
        SecretsPolicy secrets = secretsPolicy();
        Alerts alerts = alerts();

        if (problems.isEmpty()) {
            crossChecks(trunk, controller, rtp, fleet, network);
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new StackConfig(stack, project, region, prefix, zones, labels, network, trunk, controller, rtp, fleet,
                release, recordings, secrets, alerts, provided);
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

    // ---- sections -------------------------------------------------------------------------

    private List<String> zones(String region) {
        String key = NS + ":zones";
        Object v = top("zones");
        if (v == null) {
            return region == null ? List.of() : List.of(region + "-b", region + "-c", region + "-d");
        }
        List<String> zones = stringList(key, v);
        if (zones.isEmpty()) {
            problems.add(String.format("%s must list at least one zone, got []", key));
        }
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < zones.size(); i++) {
            String z = zones.get(i);
            if (region != null && !z.matches(Pattern.quote(region) + "-[a-z]")) {
                problems.add(String.format("%s[%d] must be a zone in region %s (like %s-b), got '%s'", key, i, region, region, z));
            }
            if (!seen.add(z)) {
                problems.add(String.format("%s[%d] repeats zone '%s'; each zone may appear once", key, i, z));
            }
        }
        return zones;
    }

    private Map<String, String> labels() {
        String key = NS + ":labels";
        Object v = top("labels");
        if (v == null) {
            return Map.of();
        }
        List<String> items = stringList(key, v);
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
        Section s = new Section("network");
        NetworkMode mode = s.enumValue("mode", NetworkMode.class, NetworkMode.DEDICATED);
        Optional<String> network = s.optString("vpc", RESOURCE_REF, "a VPC name or self-link");
        Optional<String> subnetwork = s.optString("subnetwork", RESOURCE_REF, "a subnetwork name or self-link");
        String subnetCidr = s.optString("subnetCidr", null, null).orElse("10.42.0.0/24");
        Cidr cidr = cidr(s.key("subnetCidr"), subnetCidr);
        if (cidr != null && (cidr.prefix() < 8 || cidr.prefix() > 29 || !cidr.isPrivate())) {
            problems.add(String.format("%s must be a private (RFC 1918) range between /8 and /29, got '%s'",
                    s.key("subnetCidr"), subnetCidr));
        }
        if (mode == NetworkMode.EXISTING && subnetwork.isEmpty()) {
            problems.add(String.format("%s is required when %s is 'existing'", s.key("subnetwork"), s.key("mode")));
        }
        if (mode == NetworkMode.DEDICATED && (network.isPresent() || subnetwork.isPresent())) {
            problems.add(String.format("%s/%s are only allowed when %s is 'existing', got mode 'dedicated'",
                    s.key("vpc"), s.key("subnetwork"), s.key("mode")));
        }
        return new Network(mode, network, subnetwork, subnetCidr);
    }

    private Trunk trunk() {
        Section s = new Section("trunk");
        boolean anySig = s.bool("allowAnySignaling", false);
        boolean anyMedia = s.bool("allowAnyMedia", false);
        List<String> sig = s.cidrs("signalingCidrs", true, anySig, "allowAnySignaling");
        List<String> media = s.cidrs("mediaCidrs", true, anyMedia, "allowAnyMedia");
        int tls = s.port("sipTlsPort", 5061);
        String gateway = s.reqString("gatewayHost", HOST, "a DNS host name such as example.sip.signalwire.com");
        String user = s.reqString("username", SIP_USER, "1-64 characters: letters, digits, . _ ~ + -");
        boolean verify = s.bool("verifyPeer", true);
        return new Trunk(sig, media, tls, gateway, user, verify, anySig, anyMedia);
    }

    private Controller controller() {
        Section s = new Section("controller");
        List<String> cidrs = s.cidrs("cidrs", true, false, null);
        for (int i = 0; i < cidrs.size(); i++) {
            Cidr c = Cidr.tryParse(cidrs.get(i));
            if (c != null && !c.isPrivate()) {
                problems.add(String.format("%s[%d] must be a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, "
                        + "100.64.0.0/10): ESL and internal SIP never face the internet, got '%s'", s.key("cidrs"), i, cidrs.get(i)));
            }
        }
        Optional<String> sa = s.optString("serviceAccount", SA_EMAIL, "a service account email like coe@PROJECT.iam.gserviceaccount.com");
        int esl = s.port("eslPort", 8021);
        int internalSip = s.port("internalSipPort", 5080);
        return new Controller(cidrs, sa, esl, internalSip);
    }

    private Rtp rtp() {
        Section s = new Section("rtp");
        int start = s.intIn("startPort", 16384, 1024, 65534, "between 1024 and 65534");
        int end = s.intIn("endPort", 32767, 1025, 65535, "between 1025 and 65535");
        if (start % 2 != 0) {
            problems.add(String.format("%s must be even (RTP uses even ports, RTCP the odd port above), got %d",
                    s.key("startPort"), start));
        }
        if (end <= start) {
            problems.add(String.format("%s must be greater than %s (%d), got %d", s.key("endPort"), s.key("startPort"), start, end));
        }
        return new Rtp(start, end);
    }

    private Fleet fleet() {
        Section s = new Section("fleet");
        String machineType = s.optString("machineType", MACHINE_TYPE,
                "a predefined or custom GCE machine type such as e2-standard-2, n2-highcpu-8 or e2-custom-4-8192")
                .orElse("e2-standard-2");
        int size = s.intIn("size", 1, 1, 1000, "between 1 and 1000");
        AddressMode addressMode = s.enumValue("addressMode", AddressMode.class, AddressMode.STATIC);
        String image = s.optString("image", IMAGE, "projects/PROJECT/global/images/NAME or .../images/family/FAMILY")
                .orElse("projects/debian-cloud/global/images/family/debian-12");
        int disk = s.intIn("diskSizeGb", 30, 20, 2000, "between 20 and 2000");
        int maxSessions = s.intIn("maxSessions", 500, 1, 10000, "between 1 and 10000");
        int sps = s.intIn("sessionsPerSecond", 50, 1, 1000, "between 1 and 1000");
        int delay = s.intIn("livenessInitialDelaySec", 300, 0, 3600, "between 0 and 3600");
        int health = s.port("healthPort", 8088);
        int drain = s.intIn("drainTimeoutSec", 80, 5, 85, "between 5 and 85 (GCE gives a shutdown script about 90 s)");
        boolean ssh = s.bool("ssh", false);
        Optional<Autoscaling> autoscaling = Optional.empty();
        Section a = new Section("autoscaling");
        if (a.get("minReplicas") != null || a.get("maxReplicas") != null || a.get("cpuPercent") != null
                || a.get("cooldownSec") != null) {
            int min = a.reqInt("minReplicas", 1, 1000, "between 1 and 1000");
            int max = a.reqInt("maxReplicas", 1, 1000, "between 1 and 1000");
            int cpu = a.intIn("cpuPercent", 60, 5, 95, "between 5 and 95");
            int cooldown = a.intIn("cooldownSec", 300, 60, 3600, "between 60 and 3600");
            if (min > max) {
                problems.add(String.format("%s (%d) must not exceed %s (%d)", a.key("minReplicas"), min, a.key("maxReplicas"), max));
            }
            if (s.get("size") != null) {
                problems.add(String.format("%s and %s exclude each other: an autoscaled fleet is sized by "
                        + "%s/%s, got size %d", s.key("size"), a.key("minReplicas"), a.key("minReplicas"),
                        a.key("maxReplicas"), size));
            }
            if (addressMode == AddressMode.STATIC) {
                problems.add(String.format("%s must be 'ephemeral' when autoscaling (%s is set): reserved addresses "
                        + "are per node of a fixed fleet, got 'static'", s.key("addressMode"), a.key("minReplicas")));
            }
            autoscaling = Optional.of(new Autoscaling(min, max, cpu / 100.0, cooldown));
        }
        return new Fleet(machineType, size, addressMode, image, disk, maxSessions, sps, delay, health, drain, ssh, autoscaling);
    }

    private Release release(Fleet fleet) {
        Section s = new Section("release");
        Optional<String> stable = s.optString("stable", RELEASE_HASH, "a release hash: 64 lowercase hex characters");
        int canary = s.intIn("canarySize", 0, 0, 1000, "between 0 and 1000");
        int nodes = fleet.baseSize();
        if (canary > 0 && canary >= nodes) {
            problems.add(String.format("%s must be smaller than the fleet (%d node%s) so the stable release keeps "
                    + "serving, got %d", s.key("canarySize"), nodes, nodes == 1 ? "" : "s", canary));
        }
        if (canary > 0 && stable.isEmpty()) {
            problems.add(String.format("%s is required when %s > 0: the canary runs the current render beside the "
                    + "promoted release", s.key("stable"), s.key("canarySize")));
        }
        return new Release(stable, canary);
    }

    private Recordings recordings(String region) {
        Section s = new Section("recordings");
        String location = s.optString("location", Pattern.compile("[A-Za-z0-9-]{2,32}"), "a GCS location such as EU or europe-west1")
                .orElse(region == null ? "" : region).toUpperCase(Locale.ROOT);
        String storageClass = s.optString("storageClass", null, null).orElse("STANDARD");
        if (!STORAGE_CLASSES.contains(storageClass)) {
            problems.add(String.format("%s must be one of %s, got '%s'", s.key("storageClass"), new TreeSet<>(STORAGE_CLASSES), storageClass));
        }
        int retention = s.intIn("retentionDays", 0, 0, 3650, "between 0 and 3650");
        int delete = s.intIn("deleteAfterDays", 365, 0, 36500, "between 0 (never) and 36500");
        if (delete > 0 && retention > delete) {
            problems.add(String.format("%s (%d) must not exceed %s (%d): objects cannot be deleted while retained",
                    s.key("retentionDays"), retention, s.key("deleteAfterDays"), delete));
        }
        return new Recordings(location, storageClass, retention, delete);
    }

    private SecretsPolicy secretsPolicy() {
        Section s = new Section("secrets");
        int days = s.intIn("rotationDays", 90, 0, 3650, "between 0 (no rotation) and 3650");
        boolean notices = s.bool("rotationNotices", false);
        if (notices && days == 0) {
            problems.add(String.format("%s needs %s > 0: without rotation there is nothing to notify", s.key("rotationNotices"),
                    s.key("rotationDays")));
        }
        return new SecretsPolicy(days, notices);
    }

    private Alerts alerts() {
        Section s = new Section("alerts");
        List<String> channels = s.get("notificationChannels") == null ? List.of()
                : stringList(s.key("notificationChannels"), s.get("notificationChannels"));
        for (int i = 0; i < channels.size(); i++) {
            if (!CHANNEL.matcher(channels.get(i)).matches()) {
                problems.add(String.format("%s[%d] must be projects/PROJECT/notificationChannels/ID, got '%s'",
                        s.key("notificationChannels"), i, channels.get(i)));
            }
        }
        double loss = s.intIn("packetLossPercent", 5, 1, 50, "between 1 and 50");
        return new Alerts(channels, loss);
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

    private Object top(String name) {
        return raw.values().get(NS + ":" + name);
    }

    private Cidr cidr(String key, String value) {
        Cidr c = Cidr.tryParse(value);
        if (c == null) {
            problems.add(String.format("%s must be an IPv4 CIDR like 10.0.0.0/24 with no host bits set, got '%s'", key, value));
        }
        return c;
    }

    private List<String> stringList(String key, Object v) {
        if (!(v instanceof List<?> list)) {
            problems.add(String.format("%s must be a list, got %s", key, describe(v)));
            return List.of();
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

    private String requiredString(String key, Object v, Pattern pattern, String allowed) {
        if (v == null) {
            problems.add(String.format("%s is required: %s", key, allowed));
            return null;
        }
        String s = scalarString(key, v);
        if (s != null && pattern != null && !pattern.matcher(s).matches()) {
            problems.add(String.format("%s must be %s, got '%s'", key, allowed, s));
        }
        return s;
    }

    private Optional<String> optionalString(String key, Object v, Pattern pattern, String allowed) {
        return v == null ? Optional.empty() : Optional.ofNullable(requiredString(key, v, pattern, allowed));
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

    /** A group of flat keys sharing a name prefix: section {@code fleet}, field {@code size} is {@code mediaplane:fleetSize}. */
    private final class Section {
        private final String section;

        Section(String section) {
            this.section = section;
        }

        String key(String name) {
            return NS + ":" + section + Character.toUpperCase(name.charAt(0)) + name.substring(1);
        }

        Object get(String name) {
            return raw.values().get(key(name));
        }

        Optional<String> optString(String name, Pattern pattern, String allowed) {
            return optionalString(key(name), get(name), pattern, allowed);
        }

        String reqString(String name, Pattern pattern, String allowed) {
            return requiredString(key(name), get(name), pattern, allowed);
        }

        boolean bool(String name, boolean dflt) {
            Object v = get(name);
            if (v == null) {
                return dflt;
            }
            if (v instanceof Boolean b) {
                return b;
            }
            if ("true".equals(v) || "false".equals(v)) {
                return Boolean.parseBoolean((String) v);
            }
            problems.add(String.format("%s must be true or false, got %s", key(name), describe(v)));
            return dflt;
        }

        private Long integer(String name, Object v, String allowed) {
            if (v instanceof Integer || v instanceof Long) {
                return ((Number) v).longValue();
            }
            if (v instanceof Double d && d == Math.rint(d) && !d.isInfinite()) {
                return d.longValue();
            }
            if (v instanceof String s && s.matches("-?[0-9]{1,18}")) {
                return Long.parseLong(s);
            }
            problems.add(String.format("%s must be a whole number %s, got %s", key(name), allowed, describe(v)));
            return null;
        }

        int intIn(String name, int dflt, int min, int max, String allowed) {
            Object v = get(name);
            if (v == null) {
                return dflt;
            }
            Long n = integer(name, v, allowed);
            if (n == null) {
                return dflt;
            }
            if (n < min || n > max) {
                problems.add(String.format("%s must be %s, got %d", key(name), allowed, n));
                return dflt;
            }
            return n.intValue();
        }

        int reqInt(String name, int min, int max, String allowed) {
            if (get(name) == null) {
                problems.add(String.format("%s is required: a whole number %s", key(name), allowed));
                return min;
            }
            return intIn(name, min, min, max, allowed);
        }

        int port(String name, int dflt) {
            return intIn(name, dflt, 1, 65535, "between 1 and 65535");
        }

        <E extends Enum<E>> E enumValue(String name, Class<E> type, E dflt) {
            Object v = get(name);
            if (v == null) {
                return dflt;
            }
            List<String> allowed = new ArrayList<>();
            for (E e : type.getEnumConstants()) {
                String lower = e.name().toLowerCase(Locale.ROOT);
                allowed.add(lower);
                if (lower.equals(v)) {
                    return e;
                }
            }
            problems.add(String.format("%s must be one of %s, got %s", key(name), allowed, describe(v)));
            return dflt;
        }

        List<String> cidrs(String name, boolean required, boolean allowAny, String allowAnyKey) {
            Object v = get(name);
            if (v == null) {
                if (required) {
                    problems.add(String.format("%s is required: a list of IPv4 CIDRs (no default: mediaplane never "
                            + "guesses who may reach a node)", key(name)));
                }
                return List.of();
            }
            List<String> list = stringList(key(name), v);
            if (required && list.isEmpty() && v instanceof List) {
                problems.add(String.format("%s must list at least one CIDR, got []", key(name)));
            }
            List<Cidr> parsed = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                String item = key(name) + "[" + i + "]";
                Cidr c = cidr(item, list.get(i));
                if (c == null) {
                    continue;
                }
                if (c.prefix() == 0 && !allowAny) {
                    problems.add(allowAnyKey == null
                            ? String.format("%s must not be 0.0.0.0/0: this port is never open to the internet", item)
                            : String.format("%s is 0.0.0.0/0; that opens the port to the internet and needs %s: true",
                                    item, key(allowAnyKey)));
                }
                for (int j = 0; j < parsed.size(); j++) {
                    if (parsed.get(j) != null && parsed.get(j).overlaps(c)) {
                        problems.add(String.format("%s '%s' overlaps %s[%d] '%s'; list each range once", item, list.get(i),
                                key(name), j, list.get(j)));
                    }
                }
                while (parsed.size() < i) {
                    parsed.add(null);
                }
                parsed.add(c);
            }
            return list;
        }
    }
}
