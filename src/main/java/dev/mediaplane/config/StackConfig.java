package dev.mediaplane.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The whole stack configuration, read once by {@link ConfigParser} from either loader and never
 * mutated. Every value here has already been validated; components trust it.
 *
 * <p>Keys live under the {@code mediaplane:} namespace of {@code Pulumi.<stack>.yaml}, except the
 * GCP provider's own {@code gcp:project} and {@code gcp:region}. {@code Pulumi.yaml} describes
 * every key.
 */
public record StackConfig(
        /** Pulumi stack name; part of every resource name through {@link #prefix()}. */
        String stack,
        /** {@code gcp:project}: required, no default. */
        String project,
        /** {@code gcp:region}: required, no default; every zone must be inside it. */
        String region,
        /** {@code mediaplane:prefix}: defaults to {@code mp-<stack>}; starts every resource name. */
        String prefix,
        /** {@code mediaplane:zones}: defaults to {@code <region>-b, -c, -d}. */
        List<String> zones,
        /** {@code mediaplane:labels}: added to every labelled resource beside the fixed ones. */
        Map<String, String> labels,
        /** {@code mediaplane:network}: defaults to a dedicated VPC and subnet with flow logs. */
        Network network,
        /** {@code mediaplane:trunk}: required (the trunk's CIDRs have no safe default). */
        Trunk trunk,
        /** {@code mediaplane:controller}: required (controller CIDRs have no safe default). */
        Controller controller,
        /** {@code mediaplane:rtp}: defaults to 16384-32767. */
        Rtp rtp,
        /** {@code mediaplane:fleet}: defaults to one e2-standard-2 node with a static address. */
        Fleet fleet,
        /** {@code mediaplane:release}: defaults to no canary; the current render is stable. */
        Release release,
        /** {@code mediaplane:recordings}: defaults to a regional bucket, 365-day lifecycle. */
        Recordings recordings,
        /** {@code mediaplane:secrets}: defaults to 90-day rotation without notices. */
        SecretsPolicy secrets,
        /** {@code mediaplane:alerts}: defaults to no notification channels, 5% packet loss. */
        Alerts alerts,
        /** {@code mediaplane:stream}: live call audio to a speech-to-text service; defaults to none. */
        Stream stream,
        /** {@code mediaplane:canary}: canary-analysis thresholds; defaults to the built-in rules. */
        Canary canary,
        /** Secret values given through {@code pulumi config set --secret}; values never held here. */
        Set<NodeSecret> providedSecrets) {

    public StackConfig {
        zones = List.copyOf(zones);
        labels = Map.copyOf(labels);
        providedSecrets = Set.copyOf(providedSecrets);
    }

    // Names both the program and the node scripts use; one definition so they cannot drift.

    /** The recordings bucket: {@code <project>-<prefix>-recordings} (bucket names are global). */
    public String recordingsBucketName() {
        return GcpNames.recordingsBucket(project, prefix);
    }

    /** The bucket of release bundles: {@code <project>-<prefix>-releases}. */
    public String releasesBucketName() {
        return GcpNames.releasesBucket(project, prefix);
    }

    /** The Pub/Sub topic id of recording evidence events: {@code <prefix>-recording-events}. */
    public String eventsTopicName() {
        return GcpNames.eventsTopic(prefix);
    }

    /** Where the nodes live. */
    public record Network(
            /** {@code dedicated} (default) creates a custom-mode VPC; {@code existing} uses one. */
            NetworkMode mode,
            /** Existing VPC self-link or name; only with networkMode existing. */
            Optional<String> vpc,
            /** Existing subnet self-link or name; required with mode existing. */
            Optional<String> subnetwork,
            /** CIDR of the dedicated subnet; defaults to 10.42.0.0/24. */
            String subnetCidr,
            /** The internal load balancer's address; dedicated: the subnet's highest assignable one, existing: none. */
            Optional<String> ilbAddress) {}

    public enum NetworkMode { DEDICATED, EXISTING }

    /** The SIP trunk (SignalWire) and what may reach the nodes from it. */
    public record Trunk(
            /** Trunk signalling CIDRs allowed to 5061/tcp; required, 0.0.0.0/0 only with allowAnySignaling. */
            List<String> signalingCidrs,
            /** Trunk media CIDRs allowed to the RTP range; required, 0.0.0.0/0 only with allowAnyMedia. */
            List<String> mediaCidrs,
            /** SIP over TLS port; defaults to 5061. */
            int sipTlsPort,
            /** SIP gateway host the external profile registers to; required. */
            String gatewayHost,
            /** SIP username at the trunk; the password is the sipTrunkPassword secret. */
            String username,
            /** Verify the trunk's TLS certificate; defaults to true. */
            boolean verifyPeer,
            /** Explicit opt-in to 0.0.0.0/0 for SIP signalling; defaults to false. */
            boolean allowAnySignaling,
            /** Explicit opt-in to 0.0.0.0/0 for RTP; defaults to false. */
            boolean allowAnyMedia) {
        public Trunk {
            signalingCidrs = List.copyOf(signalingCidrs);
            mediaCidrs = List.copyOf(mediaCidrs);
        }
    }

    /** The call-orchestration engine (COE) that drives FreeSWITCH over ESL and internal SIP. */
    public record Controller(
            /** Private CIDRs of the controllers; the only sources of ESL and internal SIP. */
            List<String> cidrs,
            /** Controller service account granted read-only compute access for node discovery. */
            Optional<String> serviceAccount,
            /** Event Socket port; defaults to 8021. */
            int eslPort,
            /** Internal SIP profile port for the controllers; defaults to 5080. */
            int internalSipPort) {
        public Controller {
            cidrs = List.copyOf(cidrs);
        }
    }

    /** RTP UDP port range; one value feeds both the firewall and switch.conf. */
    public record Rtp(
            /** First RTP port; defaults to 16384. */
            int startPort,
            /** Last RTP port (inclusive); defaults to 32767. */
            int endPort) {
        /** Number of ports in the range. */
        public int size() {
            return endPort - startPort + 1;
        }

        /**
         * The last port FreeSWITCH gives RTP, what switch.conf's rtp-end-port says: RTP ports are even
         * (the allocator rounds an odd end down), so {@code endPort}, or {@code endPort - 1} when odd.
         */
        public int lastRtpPort() {
            return endPort % 2 == 0 ? endPort : endPort - 1;
        }

        /** The last UDP port a call uses, the RTCP port of {@link #lastRtpPort()}: the firewall's end. */
        public int lastUdpPort() {
            return lastRtpPort() + 1;
        }
    }

    /** The FreeSWITCH nodes. */
    public record Fleet(
            /** GCE machine type; defaults to e2-standard-2. */
            String machineType,
            /** Target size of a fixed fleet (ignored when autoscaling); defaults to 1. */
            int size,
            /** {@code static} (default): one reserved address per node; {@code ephemeral} for autoscaled fleets. */
            AddressMode addressMode,
            /** Boot image; defaults to the debian-12 family (boot installs FreeSWITCH). */
            String image,
            /** Boot disk size in GB; defaults to 30. */
            int diskSizeGb,
            /** FreeSWITCH max-sessions; defaults to 500. */
            int maxSessions,
            /** FreeSWITCH sessions-per-second; defaults to 50. */
            int sessionsPerSecond,
            /** Autohealing initial delay in seconds; defaults to 300. */
            int livenessInitialDelaySec,
            /** Port of the node's health endpoints (/live, /ready); defaults to 8088. */
            int healthPort,
            /** Bound on draining active calls at shutdown, in seconds; defaults to 80 (GCE gives ~90). */
            int drainTimeoutSec,
            /** Allow SSH through IAP; defaults to false. */
            boolean ssh,
            /** Autoscaling; absent (default) means a fixed fleet of {@link #size()} nodes. */
            Optional<Autoscaling> autoscaling) {

        /** Number of nodes the fleet holds when not autoscaled, or its minimum when autoscaled. */
        public int baseSize() {
            return autoscaling.map(Autoscaling::minReplicas).orElse(size);
        }

        /** Whether the fleet can hold several nodes, so controllers reach it through the internal load balancer. */
        public boolean balanced() {
            return autoscaling.isPresent() || size > 1;
        }
    }

    public enum AddressMode { STATIC, EPHEMERAL }

    /** CPU-based autoscaling of the fleet. */
    public record Autoscaling(
            /** Minimum nodes; required. */
            int minReplicas,
            /** Maximum nodes; required. */
            int maxReplicas,
            /** Target CPU utilisation in (0,1); defaults to 0.6. */
            double cpuTarget,
            /** Seconds a new node needs before its load counts; defaults to 300. */
            int cooldownSec) {}

    /** Which rendered release runs where. */
    public record Release(
            /** Hash of the promoted release; absent (default) means the current render is stable. */
            Optional<String> stable,
            /** Nodes that run the current render as a canary; 0 (default) means no canary. */
            int canarySize) {

        public boolean canary() {
            return canarySize > 0;
        }
    }

    /** The recordings bucket. */
    public record Recordings(
            /** Bucket location; defaults to the region. */
            String location,
            /** Storage class; defaults to STANDARD. */
            String storageClass,
            /** Days an object cannot be deleted (bucket retention policy); 0 (default) means none. */
            int retentionDays,
            /** Days after which objects are deleted by lifecycle; 0 means never; defaults to 365. */
            int deleteAfterDays,
            /** Recording-events consumers as NAME=SA_EMAIL, one subscription each; defaults to none. */
            List<String> eventSubscribers) {
        public Recordings {
            eventSubscribers = List.copyOf(eventSubscribers);
        }

        /** Subscriber name -> service account email, in config order. */
        public java.util.Map<String, String> subscribers() {
            java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
            for (String s : eventSubscribers) {
                int eq = s.indexOf('=');
                m.put(s.substring(0, eq), s.substring(eq + 1));
            }
            return java.util.Collections.unmodifiableMap(m);
        }
    }

    /** Secret Manager behaviour. */
    public record SecretsPolicy(
            /** Rotation period in days; 0 disables rotation; defaults to 90. */
            int rotationDays,
            /** Publish rotation notices to a Pub/Sub topic; defaults to false. */
            boolean rotationNotices,
            /** How often each node's agent reads every secret's latest version (node.env SECRET_REFRESH_SECONDS); 0 off; defaults to 60. */
            int refreshSeconds) {}

    /** The speech-to-text services the streaming bridge can send live call audio to. */
    public enum StreamProvider {
        DEEPGRAM(NodeSecret.DEEPGRAM_API_KEY), ASSEMBLYAI(NodeSecret.ASSEMBLYAI_API_KEY), NONE(null);

        private final NodeSecret key;

        StreamProvider(NodeSecret key) {
            this.key = key;
        }

        /** The secret holding the service's API key; empty for none. */
        public Optional<NodeSecret> key() {
            return Optional.ofNullable(key);
        }

        /** As the config key and node.env spell it. */
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Live call audio (the agent's streaming bridge). */
    public record Stream(
            /** The service calls stream to unless a call says otherwise; defaults to none (no streaming). */
            StreamProvider provider) {
        public Stream {
            java.util.Objects.requireNonNull(provider, "provider");
        }
    }

    /** Automated canary analysis ({@code mediaplane canary status}). */
    public record Canary(
            /** Threshold overrides as ID.FIELD=VALUE, applied over the built-in rules; defaults to none. */
            List<String> thresholds) {

        /**
         * The rules canary analysis knows, in its order; {@code CanaryAnalysis.DEFAULT_RULES} has one
         * rule per id (a test holds the two together), so a misspelt id fails at config parse.
         */
        public static final List<String> RULE_IDS = List.of("call-failures", "packet-loss", "mos", "upload-failures",
                "upload-latency", "cpu", "memory");

        /** What a threshold entry may set on a rule. */
        public static final List<String> FIELDS = List.of("hold", "roll-back", "min-samples");

        public Canary {
            thresholds = List.copyOf(thresholds);
        }

        /** The entries as ID.FIELD -> value, later entries winning; entries were checked at parse. */
        public java.util.Map<String, Double> overrides() {
            java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
            for (String t : thresholds) {
                int eq = t.indexOf('=');
                m.put(t.substring(0, eq), Double.parseDouble(t.substring(eq + 1)));
            }
            return m;
        }
    }

    /** Alerting. */
    public record Alerts(
            /** Monitoring notification channel ids; defaults to none. */
            List<String> notificationChannels,
            /** RTCP packet loss (percent) that raises the packet-loss alert; defaults to 5. */
            double packetLossPercent) {
        public Alerts {
            notificationChannels = List.copyOf(notificationChannels);
        }
    }
}
