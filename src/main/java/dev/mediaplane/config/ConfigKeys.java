package dev.mediaplane.config;

import static dev.mediaplane.config.ConfigKey.Type.ARRAY;
import static dev.mediaplane.config.ConfigKey.Type.BOOLEAN;
import static dev.mediaplane.config.ConfigKey.Type.INTEGER;
import static dev.mediaplane.config.ConfigKey.Type.STRING;

import dev.mediaplane.config.ConfigKey.Any;
import dev.mediaplane.config.ConfigKey.CatalogueAllow;
import dev.mediaplane.config.ConfigKey.GcsLocation;
import dev.mediaplane.config.ConfigKey.Image;
import dev.mediaplane.config.ConfigKey.MachineType;
import dev.mediaplane.config.ConfigKey.OnlyWhen;
import dev.mediaplane.config.ConfigKey.Region;
import dev.mediaplane.config.ConfigKey.Cidrs;
import dev.mediaplane.config.ConfigKey.Constraint;
import dev.mediaplane.config.ConfigKey.Default;
import dev.mediaplane.config.ConfigKey.EachMatches;
import dev.mediaplane.config.ConfigKey.Matches;
import dev.mediaplane.config.ConfigKey.OneOf;
import dev.mediaplane.config.ConfigKey.PrivateSubnet;
import dev.mediaplane.config.ConfigKey.Range;
import dev.mediaplane.config.ConfigKey.Type;
import dev.mediaplane.config.ConfigKey.Zones;
import dev.mediaplane.config.StackConfig.AddressMode;
import dev.mediaplane.config.StackConfig.NetworkMode;
import dev.mediaplane.config.StackConfig.StreamProvider;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The config key catalogue: one row per key, the only place a key's name, type, default,
 * constraint, secrecy and description are written. {@link ConfigParser} converts, checks and
 * defaults from these rows and binds them to the {@link StackConfig} records by name (section
 * {@code fleet} + field {@code size} = {@code mediaplane:fleetSize}); Pulumi.yaml's {@code config:}
 * block and the README's key table are generated from them ({@link ConfigDocs}).
 *
 * <p>Keys are flat because Pulumi.yaml can declare only string, integer, boolean and array keys.
 * Rows are in the order the docs list them.
 */
public final class ConfigKeys {

    private ConfigKeys() {}

    /** A GCP project id; {@link ConfigKey.Image} names image projects with it too. */
    static final String P = "[a-z][a-z0-9-]{4,28}[a-z0-9]";

    private static final Range PORT = new Range(1, 65535);

    /** Every row, in docs order: the GCP provider's two keys, the mediaplane keys, the secrets. */
    public static final List<ConfigKey> ALL = List.copyOf(rows());

    private static final Map<String, ConfigKey> BY_NAME;

    static {
        Map<String, ConfigKey> m = new LinkedHashMap<>();
        for (ConfigKey k : ALL) {
            if (m.put(k.name(), k) != null) {
                throw new IllegalStateException("config key " + k.name() + " has two rows");
            }
        }
        BY_NAME = Collections.unmodifiableMap(m);
    }

    private static List<ConfigKey> rows() {
        List<ConfigKey> r = new ArrayList<>();
        r.add(key("gcp:project", STRING, required(), new Matches(P,
                "a GCP project id: 6-30 characters, lowercase letters, digits and hyphens, starting with a letter"),
                "The GCP provider's project."));
        r.add(key("gcp:region", STRING, required(), new Region(),
                "The GCP provider's region; every zone must be inside it."));
        r.add(key("mediaplane:prefix", STRING,
                new Default.Computed("mp-<stack>", in -> ConfigParser.defaultPrefix(in.stack())),
                new Matches("[a-z][a-z0-9-]{0,16}[a-z0-9]",
                        "2-18 characters: lowercase letters, digits, hyphens; starting with a letter, not ending with a hyphen"),
                "Start of every resource name, 2-18 chars [a-z0-9-]."));
        r.add(key("mediaplane:zones", ARRAY, new Default.Computed("<region>-b,-c,-d", in -> {
            Object region = in.value("gcp:region");
            return region == null ? List.of() : List.of(region + "-b", region + "-c", region + "-d");
        }), new Zones("gcp:region"), "Zones of the regional instance group, all in gcp:region."));
        r.add(key("mediaplane:labels", ARRAY, absent("none"), any("KEY=VALUE items"),
                "Extra labels as KEY=VALUE (GCP label rules: lowercase, international letters allowed). mediaplane sets stack, managed-by, component itself."));

        String ref = "((https://(www|compute)\\.googleapis\\.com/compute/(v1|beta)/)?projects/" + P + "/(global|regions/[a-z0-9-]+)/(networks|subnetworks)/)?[a-z]([-a-z0-9]{0,61}[a-z0-9])?";
        r.add(key("mediaplane:networkMode", STRING, value("dedicated"), OneOf.ofEnum(NetworkMode.class),
                "'dedicated' creates a custom-mode VPC and subnet with flow logs; 'existing' uses networkVpc/networkSubnetwork."));
        r.add(key("mediaplane:networkVpc", STRING, absent("none"), existingOnly(new Matches(ref, "a VPC name or self-link")),
                "Existing VPC name or self-link (networkMode existing only)."));
        r.add(key("mediaplane:networkSubnetwork", STRING, absent("none"), existingOnly(new Matches(ref, "a subnetwork name or self-link")),
                "Existing subnetwork name or self-link; required with networkMode existing."));
        r.add(key("mediaplane:networkSubnetCidr", STRING, value("10.42.0.0/24"), new OnlyWhen("mediaplane:networkMode", "dedicated", new PrivateSubnet(8, 29)),
                "Private CIDR of the dedicated subnet."));
        r.add(key("mediaplane:networkIlbAddress", STRING, new Default.Computed(
                "dedicated: the subnet's highest assignable address (10.42.0.253 for 10.42.0.0/24); existing: none",
                in -> "dedicated".equals(in.value("mediaplane:networkMode"))
                        ? ConfigParser.highestAssignable(in.value("mediaplane:networkSubnetCidr")) : null),
                new Matches("((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])",
                        "an IPv4 address such as 10.42.0.253"),
                "Internal address of the fleet's internal load balancer (fleets that can hold several nodes): the ilb sofia profile listens on it. Required with networkMode existing and such a fleet."));

        r.add(key("mediaplane:trunkSignalingCidrs", ARRAY, required(), new Cidrs(false, "mediaplane:trunkAllowAnySignaling"),
                "The SIP trunk's signalling CIDRs, the only sources of SIP over TLS. 0.0.0.0/0 needs trunkAllowAnySignaling."));
        r.add(key("mediaplane:trunkMediaCidrs", ARRAY, required(), new Cidrs(false, "mediaplane:trunkAllowAnyMedia"),
                "The SIP trunk's media CIDRs, the only sources of RTP. 0.0.0.0/0 needs trunkAllowAnyMedia."));
        r.add(key("mediaplane:trunkSipTlsPort", INTEGER, value(5061), PORT, "SIP over TLS port of the external profile."));
        r.add(key("mediaplane:trunkGatewayHost", STRING, required(), new Matches(
                "(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\\.)+[a-zA-Z]{2,63}",
                "a DNS host name such as example.sip.signalwire.com"),
                "SIP host of the trunk gateway (for example example.sip.signalwire.com)."));
        r.add(key("mediaplane:trunkUsername", STRING, required(), new Matches("[A-Za-z0-9._~+-]{1,64}",
                "1-64 characters: letters, digits, . _ ~ + -"),
                "SIP username at the trunk; the password is the sipTrunkPassword secret."));
        r.add(key("mediaplane:trunkVerifyPeer", BOOLEAN, value(true), bool(), "Verify the trunk's TLS certificate."));
        r.add(key("mediaplane:trunkAllowAnySignaling", BOOLEAN, value(false), bool(),
                "Explicit opt-in to 0.0.0.0/0 in trunkSignalingCidrs."));
        r.add(key("mediaplane:trunkAllowAnyMedia", BOOLEAN, value(false), bool(), "Explicit opt-in to 0.0.0.0/0 in trunkMediaCidrs."));

        r.add(key("mediaplane:controllerCidrs", ARRAY, required(), new Cidrs(true, null),
                "Private CIDRs of the call-orchestration engine; the only sources of ESL and internal SIP."));
        r.add(key("mediaplane:controllerServiceAccount", STRING, absent("none"), new Matches(P + "@" + P + "\\.iam\\.gserviceaccount\\.com",
                "a service account email such as coe-controller@my-project.iam.gserviceaccount.com"),
                "Controller service account email, granted read-only compute access to discover nodes."));
        r.add(key("mediaplane:controllerEslPort", INTEGER, value(8021), PORT, "Event Socket port on the internal address."));
        r.add(key("mediaplane:controllerInternalSipPort", INTEGER, value(5080), PORT, "Internal SIP profile port for the controllers."));

        r.add(key("mediaplane:rtpStartPort", INTEGER, value(16384), new Range(1024, 65534),
                "First RTP port (even); feeds the firewall and switch.conf."));
        r.add(key("mediaplane:rtpEndPort", INTEGER, value(32767), new Range(1025, 65535),
                "Last RTP port; the range must hold 2 ports per session."));

        r.add(key("mediaplane:fleetMachineType", STRING, value("e2-standard-2"), new MachineType(),
                "GCE machine type of a node (checked against the GCP catalogue)."));
        r.add(key("mediaplane:fleetSize", INTEGER, value(1), new Range(1, 1000), "Nodes in a fixed fleet (not with autoscaling)."));
        r.add(key("mediaplane:fleetAddressMode", STRING, value("static"), OneOf.ofEnum(AddressMode.class),
                "'static' reserves one external address per node; 'ephemeral' for autoscaled fleets (discovered through the Compute API)."));
        r.add(key("mediaplane:fleetImage", STRING, value("projects/debian-cloud/global/images/family/debian-12"),
                new Image(),
                "Boot image; boot installs FreeSWITCH when the image lacks it."));
        r.add(key("mediaplane:fleetDiskSizeGb", INTEGER, value(30), new Range(20, 2000),
                "Boot disk size in GB (recordings are buffered here)."));
        r.add(key("mediaplane:fleetMaxSessions", INTEGER, value(500), new Range(1, 10000),
                "FreeSWITCH max-sessions per node (at most 250 per vCPU)."));
        r.add(key("mediaplane:fleetSessionsPerSecond", INTEGER, value(50), new Range(1, 1000),
                "FreeSWITCH sessions-per-second per node."));
        r.add(key("mediaplane:fleetLivenessInitialDelaySec", INTEGER, value(300), new Range(0, 3600),
                "Autohealing initial delay in seconds (boot + install time)."));
        r.add(key("mediaplane:fleetHealthPort", INTEGER, value(8088), PORT, "Port of the node's /live and /ready endpoints."));
        r.add(key("mediaplane:fleetDrainTimeoutSec", INTEGER, value(80),
                new Range(5, 85, "between 5 and 85 (GCE gives a shutdown script about 90 s)"),
                "Bound on waiting for active calls at shutdown, in seconds."));
        r.add(key("mediaplane:fleetSsh", BOOLEAN, value(false), bool(), "Allow SSH (OS Login) through IAP only."));

        r.add(key("mediaplane:autoscalingMinReplicas", INTEGER, absent("off"), new Range(1, 1000),
                "Minimum nodes; setting any autoscaling key turns autoscaling on (needs fleetAddressMode ephemeral) and needs both replica bounds."));
        r.add(key("mediaplane:autoscalingMaxReplicas", INTEGER, absent("off"), new Range(1, 1000), "Maximum nodes when autoscaling."));
        r.add(key("mediaplane:autoscalingCpuPercent", INTEGER, value(60), new Range(5, 95), "Target CPU utilisation (percent) when autoscaling."));
        r.add(key("mediaplane:autoscalingCooldownSec", INTEGER, value(300), new Range(60, 3600),
                "Seconds before a new node's load counts when autoscaling."));

        r.add(key("mediaplane:releaseStable", STRING, absent("none: the current render is stable"),
                new Matches("[0-9a-f]{64}", "a release hash: 64 lowercase hex characters"),
                "Hash of the promoted release."));
        r.add(key("mediaplane:releaseCanarySize", INTEGER, value(0), new Range(0, 1000),
                "Nodes running the current render as a canary beside releaseStable; 0 means no canary."));

        r.add(key("mediaplane:recordingsLocation", STRING, new Default.Computed("gcp:region",
                in -> Optional.ofNullable(in.value("gcp:region")).orElse("")),
                new GcsLocation(),
                "Location of the recordings bucket (upper-cased)."));
        r.add(key("mediaplane:recordingsStorageClass", STRING, value("STANDARD"),
                new OneOf(List.of("ARCHIVE", "COLDLINE", "NEARLINE", "STANDARD")), "Storage class of the recordings bucket."));
        r.add(key("mediaplane:recordingsRetentionDays", INTEGER, value(0), new Range(0, 3650),
                "Bucket retention policy in days (objects cannot be deleted sooner); 0 means none."));
        r.add(key("mediaplane:recordingsDeleteAfterDays", INTEGER, value(365), new Range(0, 36500, "between 0 (never) and 36500"),
                "Lifecycle deletion age in days; 0 keeps forever."));
        r.add(key("mediaplane:recordingsEventSubscribers", ARRAY, absent("none: events wait in the topic's 7-day retention"),
                new EachMatches("[a-z][a-z0-9-]{0,18}[a-z0-9]=" + P + "@" + P + "\\.iam\\.gserviceaccount\\.com",
                        "NAME=SERVICE_ACCOUNT_EMAIL with NAME 2-20 of [a-z0-9-] starting with a letter, such as "
                                + "coe=coe-engine@PROJECT.iam.gserviceaccount.com"),
                "Consumers of the recording-events topic as NAME=SA_EMAIL: one pull subscription <topic>-NAME each "
                        + "(never expires, dead-letter topic), the SA may consume it."));

        r.add(key("mediaplane:secretsRotationDays", INTEGER, value(90), new Range(0, 3650, "between 0 (no rotation) and 3650"),
                "Secret Manager rotation period in days; 0 disables."));
        r.add(key("mediaplane:secretsRotationNotices", BOOLEAN, value(false), bool(), "Publish rotation notices to a Pub/Sub topic."));
        r.add(key("mediaplane:secretsRefreshSeconds", INTEGER, value(60), Range.orZero(10, 86400),
                "How often each node's agent reads every secret's latest version and applies a new one without dropping "
                        + "a call (six Secret Manager accesses a node per refresh); 0 turns the refresh off, so a new "
                        + "version reaches a node only when it boots."));

        r.add(key("mediaplane:alertsNotificationChannels", ARRAY, absent("none"),
                new EachMatches("projects/" + P + "/notificationChannels/[0-9]+", "projects/PROJECT/notificationChannels/ID"),
                "Monitoring notification channels (projects/P/notificationChannels/ID)."));
        r.add(key("mediaplane:alertsPacketLossPercent", INTEGER, value(5), new Range(1, 50),
                "RTCP packet loss percent that raises the packet-loss alert."));

        r.add(key("mediaplane:canaryThresholds", ARRAY, absent("none: the built-in rules (canary status --dry-run --json lists them)"),
                new EachMatches("(" + String.join("|", StackConfig.Canary.RULE_IDS) + ")\\.(hold|roll-back)=[0-9]{1,6}(\\.[0-9]{1,6})?"
                        + "|(" + String.join("|", StackConfig.Canary.RULE_IDS) + ")\\.min-samples=[1-9][0-9]{0,6}",
                        "ID.hold=N, ID.roll-back=N (a decimal number) or ID.min-samples=N (a whole number >= 1), with ID one of "
                                + String.join(", ", StackConfig.Canary.RULE_IDS)),
                "Canary-analysis thresholds as ID.FIELD=VALUE over the built-in rules; canary status --threshold overrides them."));

        r.add(key("mediaplane:streamProvider", STRING, value("none"), OneOf.ofEnum(StreamProvider.class),
                "Speech-to-text service the node agent streams live call audio to; its API key secret (deepgramApiKey, assemblyaiApiKey) must be set. 'none' streams nothing."));

        r.add(key("mediaplane:catalogueAllow", ARRAY, absent("none"), new CatalogueAllow(),
                "What the GCP catalogue does not know yet, as KIND:VALUE (region:, zone:, machineType:, location:, image:); an unused entry is refused."));

        for (NodeSecret s : NodeSecret.values()) {
            r.add(new ConfigKey(ConfigParser.NS + ":" + s.configKey(), STRING, absent("not set"), any("a secret"), true,
                    s.description()));
        }
        return r;
    }

    /** The row of a full key name, if the catalogue has one. */
    public static Optional<ConfigKey> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** The row of a full key name; a missing row is a programming error. */
    static ConfigKey get(String name) {
        ConfigKey k = BY_NAME.get(name);
        if (k == null) {
            throw new IllegalStateException("no config key row " + name + " in ConfigKeys");
        }
        return k;
    }

    /** Rows of the {@code mediaplane:} namespace (the keys Pulumi.yaml declares). */
    public static List<ConfigKey> mediaplane() {
        return ALL.stream().filter(k -> k.namespace().equals(ConfigParser.NS)).toList();
    }

    // ---- row builders: short so a row stays one readable statement ---------------------------

    private static ConfigKey key(String name, Type type, Default dflt, Constraint constraint, String description) {
        return new ConfigKey(name, type, dflt, constraint, false, description);
    }

    private static Default value(Object v) {
        return new Default.Value(v);
    }

    private static Default required() {
        return new Default.Required();
    }

    private static Default absent(String docs) {
        return new Default.Absent(docs);
    }

    private static Constraint existingOnly(Constraint c) {
        return new OnlyWhen("mediaplane:networkMode", "existing", c);
    }

    private static Constraint any(String allowed) {
        return new Any(allowed);
    }

    private static Constraint bool() {
        return new Any("true or false");
    }
}
