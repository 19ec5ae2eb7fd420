package dev.mediaplane.render;

import dev.mediaplane.config.NodeSecret;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the program and the node share, defined once: where things live on the node, the systemd
 * units, what boot writes with which mode and owner, the secrets and where each lands, the
 * FreeSWITCH variables the XML refers to, and the structured log events the node emits.
 *
 * <p>The renderer hands it to every template and node file as {@code c}; Observability builds its
 * log metrics from {@link #events()}. {@link #STANDARD} is the one the program ships; tests build
 * others to prove that every consumer follows a change.
 *
 * @param paths where things live on the node; {@link Paths#standard()} by default
 * @param units the node's systemd units; {@link Units#standard()} by default
 * @param files what boot writes, with modes and owners; {@link Files#standard()} by default
 * @param secrets the Secret Manager secrets boot reads, in the order boot reads them
 * @param vars the FreeSWITCH variables the rendered XML refers to; {@link Vars#standard()} by default
 * @param events the structured log events node scripts emit; {@link Events#standard()} by default
 * @param attributes the instance metadata attributes the template sets and boot reads; {@link Attributes#standard()} by default
 */
public record NodeContract(Paths paths, Units units, Files files, List<Secret> secrets, Vars vars, Events events,
                           Attributes attributes) {

    /** The contract the program ships. */
    public static final NodeContract STANDARD = new NodeContract(Paths.standard(), Units.standard(), Files.standard(),
            standardSecrets(), Vars.standard(), Events.standard(), Attributes.standard());

    public NodeContract {
        Objects.requireNonNull(paths, "paths");
        Objects.requireNonNull(units, "units");
        Objects.requireNonNull(files, "files");
        secrets = List.copyOf(secrets);
        Objects.requireNonNull(vars, "vars");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(attributes, "attributes");
    }

    /** Secrets whose absence fails boot. */
    public List<Secret> requiredSecrets() {
        return secrets.stream().filter(s -> s.need() == Need.REQUIRED).toList();
    }

    /** Secrets boot installs when present (the speech-to-text keys, the operator's ESL password). */
    public List<Secret> optionalSecrets() {
        return secrets.stream().filter(s -> s.need() == Need.OPTIONAL).toList();
    }

    /** The secret boot reads only to install FreeSWITCH from SignalWire's repository. */
    public Secret repoToken() {
        return secrets.stream().filter(s -> s.need() == Need.WHEN_INSTALLING).findFirst()
                .orElseThrow(() -> new IllegalStateException("the node contract names no WHEN_INSTALLING secret"));
    }

    /**
     * Instance metadata attributes: the instance template sets them (infra/Fleet), boot reads them
     * from the metadata server. Node-independent values only, never secrets.
     *
     * @param stack the Pulumi stack name
     * @param release the release hash the node boots
     * @param releasesBucket the bucket of release bundles
     * @param recordingsBucket the bucket recordings are uploaded to
     * @param eventsTopic the Pub/Sub topic of recording evidence events
     * @param secretPrefix the prefix of the node's Secret Manager secret ids
     * @param ilbVip the internal load balancer's address, set only on fleets that have one
     */
    public record Attributes(String stack, String release, String releasesBucket, String recordingsBucket,
                             String eventsTopic, String secretPrefix, String ilbVip) {
        public static Attributes standard() {
            return new Attributes("mediaplane-stack", "mediaplane-release", "mediaplane-releases-bucket",
                    "mediaplane-recordings-bucket", "mediaplane-events-topic", "mediaplane-secret-prefix", "mediaplane-ilb-vip");
        }
    }

    /** How node logs reach Cloud Logging: the Ops Agent boot installs, and what it reads. */
    public OpsAgent opsAgent() {
        return OpsAgent.STANDARD;
    }

    /** The node agent's Prometheus metrics: the agent exports exactly these; the dashboard and alerts read them. */
    public Metrics metrics() {
        return Metrics.STANDARD;
    }

    /** Kind of a Prometheus metric family, and the suffix Cloud Monitoring gives it. */
    public enum MetricKind {
        /** A value that goes up and down; Cloud Monitoring: GAUGE DOUBLE, {@code .../gauge}. */
        GAUGE("gauge"),
        /** A monotonic count exposed as {@code <name>} ending in {@code _total}; Cloud Monitoring: CUMULATIVE DOUBLE, {@code .../counter}. */
        COUNTER("counter"),
        /** Buckets, sum and count; Cloud Monitoring: CUMULATIVE DISTRIBUTION, {@code .../histogram}. */
        HISTOGRAM("histogram");

        private final String monitoringSuffix;

        MetricKind(String monitoringSuffix) {
            this.monitoringSuffix = monitoringSuffix;
        }

        /** The last segment of the metric type Managed Service for Prometheus (the Ops Agent) writes. */
        public String monitoringSuffix() {
            return monitoringSuffix;
        }
    }

    /**
     * One metric family the agent exports on {@code /metrics}.
     *
     * @param name the exposition name (counters end in {@code _total}; units in the name, Prometheus style)
     * @param kind gauge, counter or histogram
     * @param help the HELP line
     * @param labels label names (never a secret, never a per-call id: cardinality stays bounded)
     */
    public record Metric(String name, MetricKind kind, String help, List<String> labels) {
        public Metric {
            if (name == null || !name.matches("mediaplane_[a-z0-9_]+")) {
                throw new IllegalArgumentException("metric names are mediaplane_<snake_case>, got '" + name + "'");
            }
            if ((kind == MetricKind.COUNTER) != name.endsWith("_total")) {
                throw new IllegalArgumentException("metric " + name + ": counters, and only counters, end in _total");
            }
            labels = List.copyOf(labels);
            Objects.requireNonNull(help, "help");
        }

        /** The Cloud Monitoring metric type the Ops Agent's Prometheus receiver writes it as (resource prometheus_target). */
        public String monitoringType() {
            return "prometheus.googleapis.com/" + name + "/" + kind.monitoringSuffix();
        }
    }

    /**
     * The organization ids of mediaplane's own test calls: {@code smoke}'s and {@code synthetic}'s. The CLI places
     * calls under them, the agent counts their inbound legs in {@link Metrics#syntheticCallsFinished()}, and canary
     * analysis reports that count.
     */
    public static final String SMOKE_ORGANIZATION = "mediaplane-smoke";
    public static final String SYNTHETIC_ORGANIZATION = "mediaplane-synthetic";
    public static final java.util.Set<String> SYNTHETIC_ORGANIZATIONS = java.util.Set.of(SMOKE_ORGANIZATION, SYNTHETIC_ORGANIZATION);

    /**
     * The agent's metric families, by role. Names, kinds and labels are the contract between the agent
     * (which registers exactly these), the Ops Agent config, the dashboard and the alert policies.
     */
    public record Metrics(Metric activeCalls, Metric activeSessions, Metric callsStarted, Metric callsFinished,
                          Metric callPacketLoss, Metric callJitter, Metric callMos, Metric recordingsUploaded,
                          Metric uploadLatency, Metric uploadFailures, Metric outboxDepth, Metric recordingsPending,
                          Metric recordingsDiskUsed, Metric processCpu, Metric processMemory, Metric eslConnected,
                          Metric eslEventsDropped, Metric ready, Metric streamsActive, Metric streamsFinished,
                          Metric streamAudioSeconds, Metric streamAudioLost, Metric streamReconnects,
                          Metric streamResults, Metric secretVersion, Metric syntheticCallsFinished) {
        public static final Metrics STANDARD = new Metrics(
                m("mediaplane_active_calls", MetricKind.GAUGE, "Calls up on this node (CHANNEL_ANSWER..CHANNEL_HANGUP_COMPLETE of the A leg)."),
                m("mediaplane_active_sessions", MetricKind.GAUGE, "FreeSWITCH sessions (channels) up on this node."),
                m("mediaplane_calls_started_total", MetricKind.COUNTER, "Channels created (CHANNEL_CREATE); rate() gives calls per second."),
                m("mediaplane_calls_finished_total", MetricKind.COUNTER, "Finished calls by outcome (answered, failed).", "outcome"),
                m("mediaplane_call_packet_loss_percent", MetricKind.HISTOGRAM, "Inbound RTP packet loss of a finished call, percent.", "direction"),
                m("mediaplane_call_jitter_ms", MetricKind.HISTOGRAM, "Mean inbound RTP jitter of a finished call, milliseconds."),
                m("mediaplane_call_mos", MetricKind.HISTOGRAM, "Estimated MOS of a finished call (FreeSWITCH's rtp_audio_in_mos)."),
                m("mediaplane_recordings_uploaded_total", MetricKind.COUNTER, "Recordings verified in GCS."),
                m("mediaplane_recording_upload_latency_seconds", MetricKind.HISTOGRAM, "Recording stop (or file close) to verified object in GCS."),
                m("mediaplane_recording_upload_failures_total", MetricKind.COUNTER, "Recording uploads given up (the file stays on disk), by stage.", "stage"),
                m("mediaplane_recording_outbox_depth", MetricKind.GAUGE, "Evidence events verified in GCS but not yet published."),
                m("mediaplane_recordings_pending", MetricKind.GAUGE, "Finished recordings on disk not yet verified in GCS."),
                m("mediaplane_recordings_disk_used_ratio", MetricKind.GAUGE, "Used fraction of the recordings file system (0..1)."),
                m("mediaplane_process_cpu_seconds_total", MetricKind.COUNTER, "CPU time of the agent and of FreeSWITCH, from /proc.", "process"),
                m("mediaplane_process_resident_memory_bytes", MetricKind.GAUGE, "Resident memory of the agent and of FreeSWITCH, from /proc.", "process"),
                m("mediaplane_esl_connected", MetricKind.GAUGE, "1 while the agent's Event Socket connection is up."),
                m("mediaplane_esl_events_dropped_total", MetricKind.COUNTER, "Droppable ESL events dropped by a full queue (never recordings)."),
                m("mediaplane_ready", MetricKind.GAUGE, "1 while /ready answers 200 (profiles RUNNING, not draining, not paused)."),
                m("mediaplane_streams_active", MetricKind.GAUGE, "Calls streaming audio to a speech-to-text provider now.", "provider"),
                m("mediaplane_streams_finished_total", MetricKind.COUNTER,
                        "Streams ended, by outcome (completed, auth_refused, failed, abandoned).", "provider", "outcome"),
                m("mediaplane_stream_audio_seconds_total", MetricKind.COUNTER, "Seconds of call audio sent to the provider.", "provider"),
                m("mediaplane_stream_audio_lost_bytes_total", MetricKind.COUNTER,
                        "Tap audio never sent or not re-sent, by reason (overflow, reconnect, restart, close).", "provider", "reason"),
                m("mediaplane_stream_reconnects_total", MetricKind.COUNTER, "Provider websocket sessions reconnected after a drop.", "provider"),
                m("mediaplane_stream_results_total", MetricKind.COUNTER, "Transcript results received, by kind (interim, final).",
                        "provider", "kind"),
                m("mediaplane_secret_version", MetricKind.GAUGE,
                        "Secret Manager version of each node secret FreeSWITCH has taken (a number, never the value).", "secret"),
                m("mediaplane_synthetic_calls_finished_total", MetricKind.COUNTER,
                        "Finished smoke and synthetic calls (organization in SYNTHETIC_ORGANIZATIONS), by outcome; also in calls_finished.",
                        "outcome"));

        /** Every family, in declaration order. */
        public List<Metric> all() {
            return List.of(activeCalls, activeSessions, callsStarted, callsFinished, callPacketLoss, callJitter, callMos,
                    recordingsUploaded, uploadLatency, uploadFailures, outboxDepth, recordingsPending, recordingsDiskUsed,
                    processCpu, processMemory, eslConnected, eslEventsDropped, ready, streamsActive, streamsFinished,
                    streamAudioSeconds, streamAudioLost, streamReconnects, streamResults, secretVersion, syntheticCallsFinished);
        }

        private static Metric m(String name, MetricKind kind, String help, String... labels) {
            return new Metric(name, kind, help, List.of(labels));
        }
    }

    /**
     * The Ops Agent on the node (Debian images ship no logging agent). Its journald receiver's id is
     * the log name every node event lands under; log metrics filter on it, so it is defined here once.
     *
     * @param configPath where the agent reads its configuration (the agent's fixed path)
     * @param bundleFile the rendered configuration's file name in the bundle's {@code node/}
     * @param logReceiver id of the journald receiver: entries land in {@code projects/<P>/logs/<id>}
     * @param syslogIdentifier the journal's SYSLOG_IDENTIFIER of the node services whose lines are shipped
     * @param service the agent's systemd unit boot restarts on a config change and checks is active
     * @param aptRepoMajor the major version of Google's apt repository boot installs from (a new major never lands silently)
     * @param metricsReceiver id of the prometheus receiver (and its pipeline) scraping the node agent's /metrics
     * @param metricsJob the scrape's job_name: the {@code job} label of resource prometheus_target
     */
    public record OpsAgent(String configPath, String bundleFile, String logReceiver, String syslogIdentifier,
                           String service, int aptRepoMajor, String metricsReceiver, String metricsJob) {
        /** The agent the program ships. */
        public static final OpsAgent STANDARD = new OpsAgent("/etc/google-cloud-ops-agent/config.yaml",
                "google-cloud-ops-agent.yaml", "mediaplane_journal", "mediaplane", "google-cloud-ops-agent.service", 2,
                "mediaplane_agent", "mediaplane-node-agent");

        public OpsAgent {
            // Ops Agent ids: letters, digits, '_' and '-', never starting with "lib:" (confgenerator/config.go).
            if (logReceiver == null || !logReceiver.matches("[a-z][a-z0-9_]*")) {
                throw new IllegalArgumentException("opsAgent.logReceiver must be of a-z 0-9 _, got '" + logReceiver + "'");
            }
            if (bundleFile == null || !bundleFile.matches("[A-Za-z0-9._-]+\\.yaml")) {
                throw new IllegalArgumentException("opsAgent.bundleFile must be a <name>.yaml file name, got '" + bundleFile + "'");
            }
            if (syslogIdentifier == null || !syslogIdentifier.matches("[A-Za-z0-9_-]+")) {
                throw new IllegalArgumentException("opsAgent.syslogIdentifier must be of A-Z a-z 0-9 _ -, got '"
                        + syslogIdentifier + "'");
            }
            for (String id : new String[] {metricsReceiver, metricsJob}) {
                if (id == null || !id.matches("[a-z][a-z0-9_-]*")) {
                    throw new IllegalArgumentException("opsAgent.metricsReceiver and metricsJob must be of a-z 0-9 _ -, got '"
                            + id + "'");
                }
            }
            if (aptRepoMajor < 1) {
                throw new IllegalArgumentException("opsAgent.aptRepoMajor must be >= 1, got " + aptRepoMajor);
            }
            Objects.requireNonNull(configPath, "configPath");
            Objects.requireNonNull(service, "service");
        }

        /** The log name of node events in a project. */
        public String logName(String project) {
            return "projects/" + project + "/logs/" + logReceiver;
        }
    }

    /**
     * Where things live on the node.
     *
     * @param optDir the install root; releases, the current link and the node link are under it
     * @param runDir tmpfs state: boot's work dir and the ready/draining markers
     * @param readyMarker file boot creates once FreeSWITCH is up; /ready answers 200 only while it exists
     * @param drainingMarker file the drain creates first; /ready answers 503 while it exists
     * @param etcDir the node's configuration root
     * @param includeDir FreeSWITCH include files boot writes (node values, secrets)
     * @param nodeInclude node values include ({@link Vars#nodeVars()})
     * @param secretsInclude secrets include ({@link Vars#secretVars()})
     * @param tlsDir the external profile's tls-cert-dir
     * @param secretsDir root-only secret files (the admin ESL password)
     * @param nodeEnv the non-secret KEY=value file boot writes for node services
     * @param stateDir persistent node state (recordings, the agent's state)
     * @param recordingsDir where FreeSWITCH records; the agent uploads from it and deletes what is verified
     * @param agentStateDir the node agent's own state (the outbox of unpublished events); node.env AGENT_STATE_DIR
     * @param freeswitchLogDir FreeSWITCH's log directory
     * @param freeswitchDbDir FreeSWITCH's core database directory
     * @param fsCliConf local fs_cli login
     * @param agentEslConf the agent's ESL login (fs_cli.conf's format); node.env ESL_CONF
     * @param sttKeysDir the speech-to-text API keys, readable by the agent (whose unit hides {@link #secretsDir()});
     *     node.env STT_KEYS_DIR
     * @param javaBin the java the agent's unit runs: Debian's openjdk-17-jre-headless links it; boot installs that when it is missing
     * @param systemdDir where boot installs the release's units
     */
    public record Paths(String optDir, String runDir, String readyMarker, String drainingMarker, String etcDir,
                        String includeDir, String nodeInclude, String secretsInclude, String tlsDir, String secretsDir,
                        String nodeEnv, String stateDir, String recordingsDir, String agentStateDir, String freeswitchLogDir,
                        String freeswitchDbDir, String fsCliConf, String agentEslConf, String sttKeysDir,
                        String javaBin, String systemdDir) {
        public Paths {
            for (String p : List.of(optDir, runDir, etcDir, includeDir, nodeInclude, secretsInclude, tlsDir, secretsDir,
                    nodeEnv, stateDir, recordingsDir, agentStateDir, freeswitchLogDir, freeswitchDbDir, fsCliConf, agentEslConf,
                    sttKeysDir, javaBin, systemdDir)) {
                if (p == null || !p.matches("(/[A-Za-z0-9._@-]+)+")) {
                    throw new IllegalArgumentException("node paths must be absolute, of A-Z a-z 0-9 . _ @ -, got '" + p + "'");
                }
            }
            for (String f : List.of(readyMarker, drainingMarker)) {
                if (f == null || !f.matches("[A-Za-z0-9._-]+")) {
                    throw new IllegalArgumentException("marker names are file names under runDir, got '" + f + "'");
                }
            }
        }

        static Paths standard() {
            return new Paths("/opt/mediaplane", "/run/mediaplane", "ready", "draining", "/etc/mediaplane",
                    "/etc/mediaplane/freeswitch", "/etc/mediaplane/freeswitch/node.xml",
                    "/etc/mediaplane/freeswitch/secrets.xml", "/etc/mediaplane/tls", "/etc/mediaplane/secrets",
                    "/etc/mediaplane/node.env", "/var/lib/mediaplane", "/var/lib/mediaplane/recordings",
                    "/var/lib/mediaplane/agent", "/var/log/freeswitch", "/var/lib/freeswitch/db", "/etc/fs_cli.conf",
                    "/etc/mediaplane/agent-esl.conf", "/etc/mediaplane/agent", "/usr/bin/java",
                    "/etc/systemd/system");
        }

        /** The active release's directory: FreeSWITCH runs {@code <current>/freeswitch}. */
        public String currentDir() {
            return optDir + "/current";
        }

        /**
         * The live-audio taps (tmpfs, under {@link #runDir()}): FreeSWITCH's {@code uuid_record} writes call audio
         * there, the agent's streaming bridge reads and deletes it; node.env STREAMS_DIR. Gone at every reboot, so
         * boot and the agent's unit (ExecStartPre) create it.
         */
        public String streamsDir() {
            return runDir + "/streams";
        }

        /**
         * The secret steps FreeSWITCH still has to take (one word a line: reloadxml, gateway, tls; never a value):
         * written before a secret file is replaced, by boot on a running node and by the agent's secret refresh,
         * cleared by the agent once each step is done, so a crash between the two does not lose a step.
         */
        public String secretsPending() {
            return agentStateDir + "/secrets-pending";
        }

        /** Where units start node scripts from: a link into the current release's {@code node/}. */
        public String nodeDir() {
            return optDir + "/node";
        }
    }

    /**
     * The node's systemd units and the files they start (file names in the bundle's {@code node/}).
     *
     * @param freeswitch the packaged FreeSWITCH service boot enables and restarts
     * @param freeswitchDropIn drop-in boot installs under {@code <freeswitch>.d/}
     * @param agentService the node agent's unit (ESL, recordings, metrics, /live and /ready)
     * @param agentJar the node agent's jar the unit runs
     * @param agentUser the system user (and group) the agent runs as
     * @param drainScript the drain (also the GCE shutdown-script)
     */
    public record Units(String freeswitch, String freeswitchDropIn, String agentService, String agentJar, String agentUser,
                        String drainScript) {
        public Units {
            if (agentService == null || !agentService.matches("[A-Za-z0-9_-]+\\.service")) {
                throw new IllegalArgumentException("agentService must be <name>.service, got '" + agentService + "'");
            }
            if (agentJar == null || !agentJar.matches("[A-Za-z0-9._-]+\\.jar")) {
                throw new IllegalArgumentException("agentJar must be a <name>.jar file name, got '" + agentJar + "'");
            }
            // useradd's portable names (and systemd's User=): lower case, at most 32.
            if (agentUser == null || !agentUser.matches("[a-z_][a-z0-9_-]{0,31}")) {
                throw new IllegalArgumentException("agentUser must be a system user name of a-z 0-9 _ - (at most 32), got '"
                        + agentUser + "'");
            }
            Objects.requireNonNull(freeswitch, "freeswitch");
            Objects.requireNonNull(freeswitchDropIn, "freeswitchDropIn");
            Objects.requireNonNull(drainScript, "drainScript");
        }

        /**
         * The node files units and GCE execute (names under the bundle's {@code node/}): boot gives
         * these 0755 and every other bundle file 0644, from the bundle's MODES list.
         */
        public Set<String> executables() {
            return Set.of(drainScript);
        }

        /**
         * Units earlier releases installed and the agent replaces (the bash uploader, call quality, the
         * socket-activated health checks): boot stops, disables and removes them, else the health socket
         * would keep the agent's port and the uploader would restart forever on a script that is gone.
         */
        public List<String> retiredUnits() {
            return List.of("mediaplane-health.socket", "mediaplane-health@.service", "mediaplane-call-quality.timer",
                    "mediaplane-call-quality.service", "mp-recording-uploader.service", "mp-recording-uploader-sweep.timer",
                    "mp-recording-uploader-sweep.service");
        }

        static Units standard() {
            return new Units("freeswitch.service", "mediaplane.conf", "mediaplane-agent.service", AgentJar.FILE,
                    "mediaplane-agent", "mediaplane-drain.sh");
        }
    }

    /** Who owns what boot writes. */
    public enum Owner {
        /** root:root. */
        ROOT_ROOT("$ROOT_USER:$ROOT_GROUP"),
        /** root:freeswitch: FreeSWITCH reads, only root writes. */
        ROOT_FREESWITCH("$ROOT_USER:$FS_GROUP"),
        /** freeswitch:freeswitch: FreeSWITCH writes. */
        FREESWITCH("$FS_USER:$FS_GROUP"),
        /** The node agent's user and group ({@link Units#agentUser()}): only the agent reads or writes. */
        AGENT("$AGENT_USER:$AGENT_GROUP"),
        /** root:the agent's group: the agent reads, only root writes. */
        ROOT_AGENT("$ROOT_USER:$AGENT_GROUP"),
        /** freeswitch:the agent's group: FreeSWITCH writes, the agent reads and deletes. */
        FREESWITCH_AGENT("$FS_USER:$AGENT_GROUP");

        private final String shell;

        Owner(String shell) {
            this.shell = shell;
        }

        /** The owner as boot's shell writes it (its user/group variables are test seams). */
        public String shell() {
            return shell;
        }

        /** The owner's user name on a node whose agent runs as {@code agentUser} (the agent's secret refresh chowns to it). */
        public String user(String agentUser) {
            return name(shell.substring(0, shell.indexOf(':')), agentUser);
        }

        /** The owner's group name on a node whose agent runs as {@code agentUser}. */
        public String group(String agentUser) {
            return name(shell.substring(shell.indexOf(':') + 1), agentUser);
        }

        private static String name(String var, String agentUser) {
            return switch (var) {
                case "$ROOT_USER", "$ROOT_GROUP" -> "root";
                case "$FS_USER", "$FS_GROUP" -> "freeswitch";
                case "$AGENT_USER", "$AGENT_GROUP" -> agentUser;
                default -> throw new IllegalStateException("unknown owner variable " + var);
            };
        }
    }

    /**
     * A mode and owner boot gives a file or directory.
     *
     * @param mode octal mode as {@code stat -c %a} prints it: three digits, or four with set-group-id ({@code 2770})
     * @param owner owner and group
     */
    public record Access(String mode, Owner owner) {
        public Access {
            if (mode == null || !mode.matches("[0-7]{3}|[1-7][0-7]{3}")) {
                throw new IllegalArgumentException("mode must be three octal digits (four with a special bit), got '" + mode + "'");
            }
            Objects.requireNonNull(owner, "owner");
        }
    }

    /**
     * What boot writes, with its mode and owner (the README's "Include files boot writes").
     *
     * @param etcDir {@link Paths#etcDir()}
     * @param includeDir {@link Paths#includeDir()}
     * @param tlsDir {@link Paths#tlsDir()}
     * @param secretsDir {@link Paths#secretsDir()}
     * @param stateDir {@link Paths#stateDir()}
     * @param recordingsDir {@link Paths#recordingsDir()}; FreeSWITCH writes there
     * @param agentStateDir {@link Paths#agentStateDir()}; only the agent
     * @param nodeInclude {@link Paths#nodeInclude()}
     * @param secretsInclude {@link Paths#secretsInclude()}
     * @param tlsFile the external profile's certificate and key
     * @param caFile the CA bundle the external profile verifies the trunk with
     * @param secretFile every file in {@link Paths#secretsDir()}
     * @param fsCliConf {@link Paths#fsCliConf()}
     * @param agentEslConf {@link Paths#agentEslConf()}: the admin ESL password, for the agent alone
     * @param nodeEnv {@link Paths#nodeEnv()}
     * @param unit every unit and drop-in boot installs
     * @param streamsDir {@link Paths#streamsDir()}: FreeSWITCH writes; set-group-id, so what it writes is the agent's
     *     group's, which reads and deletes it
     * @param sttKeysDir {@link Paths#sttKeysDir()}
     * @param sttKeyFile every file in {@link Paths#sttKeysDir()}: the agent reads, only root writes
     */
    public record Files(Access etcDir, Access includeDir, Access tlsDir, Access secretsDir, Access stateDir,
                        Access recordingsDir, Access agentStateDir, Access nodeInclude, Access secretsInclude,
                        Access tlsFile, Access caFile, Access secretFile, Access fsCliConf, Access agentEslConf,
                        Access nodeEnv, Access unit, Access streamsDir, Access sttKeysDir, Access sttKeyFile) {
        static Files standard() {
            Access rootDir = new Access("755", Owner.ROOT_ROOT);
            Access fsReadDir = new Access("750", Owner.ROOT_FREESWITCH);
            Access fsDir = new Access("750", Owner.FREESWITCH);
            Access rootPublic = new Access("644", Owner.ROOT_ROOT);
            Access rootOnly = new Access("600", Owner.ROOT_ROOT);
            Access fsRead = new Access("640", Owner.ROOT_FREESWITCH);
            Access agentOnly = new Access("600", Owner.AGENT);
            return new Files(rootDir, fsReadDir, fsReadDir, new Access("700", Owner.ROOT_ROOT), rootDir, fsDir,
                    new Access("700", Owner.AGENT), rootPublic, fsRead, fsRead, rootPublic, rootOnly, rootOnly, agentOnly,
                    rootPublic, rootPublic, new Access("2770", Owner.FREESWITCH_AGENT), new Access("750", Owner.ROOT_AGENT),
                    new Access("640", Owner.ROOT_AGENT));
        }
    }

    /** {@link Paths#secretsPending()}: the agent's alone, like the rest of its state. */
    public static final Access SECRETS_PENDING = new Access("600", Owner.AGENT);

    /** {@link #SECRETS_PENDING}, for templates. */
    public Access secretsPendingAccess() {
        return SECRETS_PENDING;
    }

    /** When boot reads a secret. */
    public enum Need {
        /** Every boot; a missing one fails boot and leaves the previous configuration in place. */
        REQUIRED,
        /**
         * Installed when present; otherwise its feature stays off, or, for a {@link SecretVar} with a
         * {@code localFile}, boot writes that per-node random value instead.
         */
        OPTIONAL,
        /** Only when the image lacks FreeSWITCH and boot installs it. */
        WHEN_INSTALLING
    }

    /** What boot checks a secret's payload is. */
    public enum Check {
        /** No check beyond being non-empty. */
        NONE,
        /** 12-256 characters that survive FreeSWITCH's preprocessor unquoted. */
        PASSWORD,
        /** A PEM certificate. */
        PEM_CERTIFICATE,
        /** A PEM private key. */
        PEM_PRIVATE_KEY
    }

    /** Where a secret ends up on the node. */
    public enum Lands {
        /** A variable of {@link Paths#secretsInclude()} ({@link Vars#secretVars()} names it). */
        SECRETS_INCLUDE,
        /** Part of the external profile's certificate file in {@link Paths#tlsDir()}. */
        TLS,
        /** A root-only file of its suffix's name in {@link Paths#secretsDir()}. */
        SECRETS_DIR,
        /** A file of its suffix's name in {@link Paths#sttKeysDir()} the agent reads ({@link Files#sttKeyFile()}). */
        STT_KEYS_DIR,
        /** Handed to apt for the install and dropped. */
        APT
    }

    /**
     * A Secret Manager secret the node reads.
     *
     * @param suffix id suffix: the secret is {@code <prefix>-<suffix>}
     * @param need when boot reads it
     * @param check what boot checks its payload is
     * @param lands where it ends up
     */
    public record Secret(String suffix, Need need, Check check, Lands lands) {
        public Secret {
            if (suffix == null || !suffix.matches("[a-z0-9][a-z0-9-]*")) {
                throw new IllegalArgumentException("secret suffix must be of a-z 0-9 -, got '" + suffix + "'");
            }
            Objects.requireNonNull(need, "need");
            Objects.requireNonNull(check, "check");
            Objects.requireNonNull(lands, "lands");
        }
    }

    private static List<Secret> standardSecrets() {
        return List.of(
                new Secret(NodeSecret.SIP_TRUNK_PASSWORD.secretSuffix(), Need.REQUIRED, Check.PASSWORD, Lands.SECRETS_INCLUDE),
                new Secret(NodeSecret.ESL_PASSWORD.secretSuffix(), Need.REQUIRED, Check.PASSWORD, Lands.SECRETS_INCLUDE),
                // Optional so that stacks without it keep booting: its variable falls back to a random per-node value.
                new Secret(NodeSecret.ESL_OPERATOR_PASSWORD.secretSuffix(), Need.OPTIONAL, Check.PASSWORD, Lands.SECRETS_INCLUDE),
                new Secret(NodeSecret.TLS_CERTIFICATE.secretSuffix(), Need.REQUIRED, Check.PEM_CERTIFICATE, Lands.TLS),
                new Secret(NodeSecret.TLS_PRIVATE_KEY.secretSuffix(), Need.REQUIRED, Check.PEM_PRIVATE_KEY, Lands.TLS),
                new Secret(NodeSecret.DEEPGRAM_API_KEY.secretSuffix(), Need.OPTIONAL, Check.NONE, Lands.STT_KEYS_DIR),
                new Secret(NodeSecret.ASSEMBLYAI_API_KEY.secretSuffix(), Need.OPTIONAL, Check.NONE, Lands.STT_KEYS_DIR),
                new Secret(NodeSecret.SIGNALWIRE_REPO_TOKEN.secretSuffix(), Need.WHEN_INSTALLING, Check.NONE, Lands.APT));
    }

    /** The node fact a node variable holds; boot's shell has it in the variable of this name. */
    public enum NodeFact {
        INTERNAL_IP, EXTERNAL_IP, NODE_NAME,
        /** The internal load balancer's address (instance attribute mediaplane-ilb-vip); empty without a balancer. */
        ILB_VIP
    }

    /**
     * A FreeSWITCH variable of the node include: a node fact boot learns from the metadata server.
     *
     * @param name the {@code $${name}} the XML refers to
     * @param fact the value boot writes for it
     */
    public record NodeVar(String name, NodeFact fact) {}

    /**
     * A FreeSWITCH variable of the secrets include.
     *
     * @param name the {@code $${name}} the XML refers to
     * @param secret the Secret Manager suffix it comes from; null: {@code localFile} instead
     * @param localFile a root-only file of {@link Paths#secretsDir()} boot generates once per node (random); with a
     *     {@code secret} too, the value used while that (optional) secret has no version; null: {@code secret} only
     */
    public record SecretVar(String name, String secret, String localFile) {
        public SecretVar {
            if (secret == null && localFile == null) {
                throw new IllegalArgumentException("secret variable " + name + " needs a secret, a localFile or both");
            }
        }

        /** True when boot reads the value from Secret Manager. */
        public boolean fromSecretManager() {
            return secret != null;
        }

        /** True when a secret without a version leaves the variable at the local per-node random value. */
        public boolean hasFallback() {
            return secret != null && localFile != null;
        }
    }

    /**
     * The FreeSWITCH variables the rendered XML refers to.
     *
     * @param internalIp the NIC's private address
     * @param externalIp the node's external address (ext-sip-ip, ext-rtp-ip)
     * @param hostname the instance name
     * @param ilbVip the internal load balancer's address the ilb sofia profile binds; empty on fleets without one
     * @param eslPassword the controller's ESL password
     * @param eslOperatorPassword the operator's ESL password (drain, rollout, smoke, synthetic); a random per-node value
     *     until the stack sets one
     * @param eslAdminPassword the per-node full-access ESL password
     * @param sipTrunkPassword the trunk gateway's password
     * @param recordingsDir the recordings root, set in vars.xml
     * @param organizationId channel variable: the call's organization (from the trunk's header)
     * @param callSid channel variable: the call's id
     * @param recordingId channel variable: the recording's id
     * @param recordingPath channel variable: where the call is recorded
     */
    public record Vars(String internalIp, String externalIp, String hostname, String ilbVip, String eslPassword,
                       String eslOperatorPassword, String eslAdminPassword, String sipTrunkPassword, String recordingsDir, String organizationId, String callSid,
                       String recordingId, String recordingPath) {
        static Vars standard() {
            return new Vars("mp_internal_ip", "mp_external_ip", "mp_hostname", "mp_ilb_vip", "mp_esl_password",
                    "mp_esl_operator_password", "mp_esl_admin_password",
                    "mp_sip_trunk_password", "mp_recordings_dir", "mp_organization_id", "mp_call_sid", "mp_recording_id",
                    "mp_recording_path");
        }

        /** The node include's variables, in the order boot writes them. */
        public List<NodeVar> nodeVars() {
            return List.of(new NodeVar(internalIp, NodeFact.INTERNAL_IP), new NodeVar(externalIp, NodeFact.EXTERNAL_IP),
                    new NodeVar(hostname, NodeFact.NODE_NAME), new NodeVar(ilbVip, NodeFact.ILB_VIP));
        }

        /**
         * One line of the node and secrets includes, a printf format of the variable's name and value: boot's
         * {@code printf} and the agent's secret refresh ({@code String.format}) write the same bytes from it.
         */
        public static final String INCLUDE_LINE = "  <X-PRE-PROCESS cmd=\"set\" data=\"%s=%s\"/>";
        /** The first and last lines of an include. */
        public static final String INCLUDE_OPEN = "<include>";
        public static final String INCLUDE_CLOSE = "</include>";

        /** {@link #INCLUDE_LINE} with the variable's name in, as boot's printf format of its value. */
        public String includePrintf(String name) {
            if (!name.matches("[a-z][a-z0-9_]*")) {
                throw new IllegalArgumentException("include variable names are of a-z 0-9 _, got '" + name + "'");
            }
            return String.format(INCLUDE_LINE, name, "%s");
        }

        /**
         * The secrets include's bytes for {@code values} (variable name -> value), in {@link #secretVars()} order, as boot
         * writes it: {@link #INCLUDE_OPEN}, one {@link #INCLUDE_LINE} each, {@link #INCLUDE_CLOSE}, each line ending in \n.
         */
        public String secretsInclude(java.util.Map<String, String> values) {
            StringBuilder b = new StringBuilder(INCLUDE_OPEN).append('\n');
            for (SecretVar v : secretVars()) {
                String value = values.get(v.name());
                if (value == null) {
                    throw new IllegalArgumentException("secrets include: no value for " + v.name());
                }
                b.append(String.format(INCLUDE_LINE, v.name(), value)).append('\n');
            }
            return b.append(INCLUDE_CLOSE).append('\n').toString();
        }

        /** The secrets include's variables, in the order boot writes them. */
        public List<SecretVar> secretVars() {
            return List.of(new SecretVar(eslPassword, NodeSecret.ESL_PASSWORD.secretSuffix(), null),
                    new SecretVar(eslOperatorPassword, NodeSecret.ESL_OPERATOR_PASSWORD.secretSuffix(), "esl-operator-password-fallback"),
                    new SecretVar(eslAdminPassword, null, "esl-admin-password"),
                    new SecretVar(sipTrunkPassword, NodeSecret.SIP_TRUNK_PASSWORD.secretSuffix(), null));
        }
    }

    /** The JSON type of an event field. */
    public enum Type { NUMBER, STRING }

    /**
     * A field of a structured log event.
     *
     * @param name key in the JSON line ({@code jsonPayload.<name>} in Cloud Logging)
     * @param type its JSON type
     */
    public record Field(String name, Type type) {
        public Field {
            if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
                throw new IllegalArgumentException("event field names are snake_case, got '" + name + "'");
            }
            Objects.requireNonNull(type, "type");
        }

        /** True for numbers, which the JSON line carries unquoted. */
        public boolean number() {
            return type == Type.NUMBER;
        }
    }

    /**
     * A structured log event: one JSON object per line, {@code {"event":"<name>",...}}.
     *
     * @param name the {@code event} value log metrics filter on
     * @param valueField the numeric field a distribution metric reads; null: metrics only count the event
     * @param fields the fields it carries besides {@code event} (and the emitter's common fields)
     */
    public record Event(String name, String valueField, List<Field> fields) {
        public Event {
            if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
                throw new IllegalArgumentException("event names are snake_case, got '" + name + "'");
            }
            fields = List.copyOf(fields);
            if (valueField != null && !fields.contains(new Field(valueField, Type.NUMBER))) {
                throw new IllegalArgumentException("event " + name + ": valueField '" + valueField
                        + "' must be one of its numeric fields " + fields);
            }
        }

        /** Cloud Logging's extractor of {@link #valueField()}. */
        public String extractor() {
            if (valueField == null) {
                throw new IllegalStateException("event " + name + " carries no value a metric reads");
            }
            return "EXTRACT(jsonPayload." + valueField + ")";
        }
    }

    /**
     * The structured log events of the node scripts.
     *
     * @param recordingUploaded the agent verified a recording in GCS; latency_ms feeds the latency metric
     * @param recordingUploadFailed the agent gave up on a file (it stays on disk); the failure alert counts it
     * @param diskPressure the recordings disk is past the agent's threshold; the disk alert counts it
     * @param callQuality one finished call's RTP quality; packet_loss_percent feeds the packet-loss alert
     * @param drainStarted the drain paused inbound calls
     * @param drainFinished no call is left, or FreeSWITCH stopped answering
     * @param drainTimeout calls were still up when the drain's time ran out
     * @param drainSkipped nothing to drain (no fs_cli, or FreeSWITCH not answering)
     */
    public record Events(Event recordingUploaded, Event recordingUploadFailed, Event diskPressure, Event callQuality,
                         Event drainStarted, Event drainFinished, Event drainTimeout, Event drainSkipped) {
        static Events standard() {
            return new Events(
                    new Event("recording_uploaded", "latency_ms", List.of(num("latency_ms"), num("attempts"), str("object"),
                            str("organization_id"), str("call_sid"), str("recording_id"), num("size_bytes"),
                            str("generation"))),
                    new Event("recording_upload_failed", null, List.of(num("attempts"), str("error"), str("stage"), str("object"),
                            str("organization_id"), str("call_sid"), str("recording_id"), str("path"))),
                    new Event("disk_pressure", "used_percent", List.of(num("used_percent"), num("threshold_percent"), str("path"),
                            num("avail_bytes"))),
                    new Event("call_quality", "packet_loss_percent", List.of(num("packet_loss_percent"), num("media_packets"),
                            num("lost_packets"), num("mos"), str("call_uuid"), str("call_sid"), str("organization_id"))),
                    new Event("drain_started", null, List.of(num("timeout_sec"))),
                    new Event("drain_finished", null, List.of(num("active_channels"), str("reason"))),
                    new Event("drain_timeout", null, List.of(num("active_channels"), num("timeout_sec"))),
                    new Event("drain_skipped", null, List.of(str("reason"))));
        }

        /** Every event, in declaration order. */
        public List<Event> all() {
            return List.of(recordingUploaded, recordingUploadFailed, diskPressure, callQuality, drainStarted, drainFinished,
                    drainTimeout, drainSkipped);
        }

        private static Field num(String name) {
            return new Field(name, Type.NUMBER);
        }

        private static Field str(String name) {
            return new Field(name, Type.STRING);
        }
    }
}
