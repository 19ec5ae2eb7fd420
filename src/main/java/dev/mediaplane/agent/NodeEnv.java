package dev.mediaplane.agent;

import dev.mediaplane.agent.bridge.Provider;
import dev.mediaplane.render.NodeContract;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node agent's configuration: {@code /etc/mediaplane/node.env} as boot writes it (KEY=value lines,
 * parsed, never sourced: it is data, and only known keys are taken), plus the process environment's
 * tuning overrides. Validated once, here; every error names the key, the value and what is allowed.
 *
 * @param stack the Pulumi stack (manifests); empty when absent
 * @param project the GCP project id (required)
 * @param zone the node's zone (logs); empty when absent
 * @param nodeName the instance name (logs, manifests); the host name when absent
 * @param releaseHash the release the node runs (logs, manifests); "unknown" when absent
 * @param releasesBucket the release bundles' bucket; not used by the agent, kept for operators
 * @param recordingsDir where FreeSWITCH records; default the contract's {@code /var/lib/mediaplane/recordings}
 * @param recordingsBucket the bucket recordings go to (required)
 * @param eventsTopic the evidence events topic id (required)
 * @param healthPort /metrics, /live and /ready port (required)
 * @param internalIp the address the health port binds besides 127.0.0.1; default 127.0.0.1 only
 * @param eslConf the fs_cli.conf with the local FreeSWITCH login; default the contract's {@code /etc/fs_cli.conf}
 * @param stateDir the agent's own state (the outbox); default {@code /var/lib/mediaplane/agent}
 * @param sipProfiles the sofia profiles that must be RUNNING for /ready ({@code SIP_PROFILES}, comma-separated);
 *     default external,internal (a fleet with an internal load balancer also runs ilb: boot writes the list)
 * @param streamsDir the streaming bridge's live taps on tmpfs ({@code STREAMS_DIR}); default /run/mediaplane/streams
 *     (boot creates it every boot)
 * @param sttKeysDir where boot writes {@code deepgram-api-key} and {@code assemblyai-api-key} for the agent
 *     ({@code STT_KEYS_DIR}); default /etc/mediaplane/agent (the agent's unit hides /etc/mediaplane/secrets)
 * @param streamProvider the stack's provider for {@code mp_stream_to_ai=on} ({@code STREAM_PROVIDER} deepgram,
 *     assemblyai or none); null when none or absent: a call must then name its provider
 * @param secretPrefix the prefix of the node's Secret Manager secret ids ({@code SECRET_PREFIX}, boot writes it from the
 *     instance attribute); empty when absent: the secret refresh is then off
 * @param secretRefresh how often the secret refresh reads each secret's latest version ({@code SECRET_REFRESH_SECONDS},
 *     0 off); default 60 s
 * @param tuning the environment overrides ({@link Tuning})
 */
public record NodeEnv(String stack, String project, String zone, String nodeName, String releaseHash,
                      String releasesBucket, Path recordingsDir, String recordingsBucket, String eventsTopic,
                      int healthPort, InetAddress internalIp, Path eslConf, Path stateDir, List<String> sipProfiles,
                      Path streamsDir, Path sttKeysDir, Provider streamProvider, String secretPrefix, Duration secretRefresh,
                      Tuning tuning) {

    /** Exit code for bad configuration (sysexits.h EX_CONFIG), as the bash uploader used. */
    public static final int EX_CONFIG = 78;

    /** The keys node.env may carry; others are ignored (boot may add keys other services read). */
    public static final Set<String> KEYS = Set.of("STACK", "PROJECT", "ZONE", "NODE_NAME", "RELEASE_HASH", "RELEASES_BUCKET",
            "RECORDINGS_DIR", "RECORDINGS_BUCKET", "EVENTS_TOPIC", "HEALTH_PORT", "INTERNAL_IP", "ESL_CONF",
            "AGENT_STATE_DIR", "SIP_PROFILES", "STREAMS_DIR", "STT_KEYS_DIR", "STREAM_PROVIDER",
            "SECRET_PREFIX", "SECRET_REFRESH_SECONDS");

    /** STREAMS_DIR's default, agreed with boot (which creates it on tmpfs every boot). */
    public static final String DEFAULT_STREAMS_DIR = "/run/mediaplane/streams";
    /** STT_KEYS_DIR's default: boot writes the speech-to-text keys there 0640 root:mediaplane-agent. */
    public static final String DEFAULT_STT_KEYS_DIR = "/etc/mediaplane/agent";

    private static final Pattern LINE = Pattern.compile("^([A-Z_][A-Z0-9_]*)=(.*)$");
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]");
    private static final Pattern PROJECT = Pattern.compile("[a-z][a-z0-9-]{4,28}[a-z0-9]");
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z][A-Za-z0-9._~+%-]{2,254}");

    /**
     * Tuning from the process environment (tests, operators); each a non-negative integer.
     *
     * @param maxAttempts {@code MP_MAX_ATTEMPTS}, attempts per upload or publish before giving up for now; default 6
     * @param backoffBase {@code MP_BACKOFF_BASE_MS}, first retry wait (doubles, capped, +0-50 % jitter); default 1 s
     * @param backoffMax {@code MP_BACKOFF_MAX_MS}, cap on a retry wait; default 60 s
     * @param parallel {@code MP_PARALLEL}, concurrent uploads; default 4
     * @param queue {@code MP_QUEUE}, recordings waiting for a worker before new ones wait for the sweep; default 10000
     * @param quiet {@code MP_QUIET_SECONDS}, a sweep takes only files unmodified this long; default 60 s
     * @param diskPressurePercent {@code MP_DISK_PRESSURE_PERCENT}, disk_pressure at or above this use; default 85
     * @param diskCheck {@code MP_DISK_CHECK_SECONDS}, disk use check interval; default 60 s
     * @param sweepInterval {@code MP_SWEEP_SECONDS}, safety-net sweep interval (0: only at start); default 300 s
     */
    public record Tuning(int maxAttempts, Duration backoffBase, Duration backoffMax, int parallel, int queue,
                         Duration quiet, int diskPressurePercent, Duration diskCheck, Duration sweepInterval) {
        public static Tuning defaults() {
            return from(Map.of());
        }

        public static Tuning from(Map<String, String> env) {
            int attempts = tunable(env, "MP_MAX_ATTEMPTS", 6, 1);
            long base = tunable(env, "MP_BACKOFF_BASE_MS", 1000, 0);
            long max = tunable(env, "MP_BACKOFF_MAX_MS", 60_000, 0);
            int parallel = tunable(env, "MP_PARALLEL", 4, 1);
            int queue = tunable(env, "MP_QUEUE", 10_000, 1);
            int quiet = tunable(env, "MP_QUIET_SECONDS", 60, 0);
            int pressure = tunable(env, "MP_DISK_PRESSURE_PERCENT", 85, 0);
            int disk = tunable(env, "MP_DISK_CHECK_SECONDS", 60, 1);
            int sweep = tunable(env, "MP_SWEEP_SECONDS", 300, 0);
            if (pressure > 100) {
                throw new ConfigException("MP_DISK_PRESSURE_PERCENT", String.valueOf(pressure), "a percentage 0..100");
            }
            return new Tuning(attempts, Duration.ofMillis(base), Duration.ofMillis(Math.max(base, max)), parallel, queue,
                    Duration.ofSeconds(quiet), pressure, Duration.ofSeconds(disk), Duration.ofSeconds(sweep));
        }

        private static int tunable(Map<String, String> env, String key, int dflt, int min) {
            String v = env.get(key);
            if (v == null || v.isEmpty()) {
                return dflt;
            }
            if (!v.matches("[0-9]{1,9}") || Integer.parseInt(v) < min) {
                throw new ConfigException(key, v, "an integer >= " + min);
            }
            return Integer.parseInt(v);
        }
    }

    /** Bad configuration: names the key, the value received and what is allowed. */
    public static final class ConfigException extends RuntimeException {
        public final String key;
        public final String value;
        public final String allowed;

        public ConfigException(String key, String value, String allowed) {
            super(key + " must be " + allowed + ", got '" + value + "'");
            this.key = key;
            this.value = value;
            this.allowed = allowed;
        }
    }

    /**
     * Parses {@code file} and validates it with the process environment's tuning.
     *
     * @throws ConfigException on a missing or bad key (the caller exits {@link #EX_CONFIG})
     */
    public static NodeEnv load(Path file, Map<String, String> environment) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("--node-env", file.toString(), "a readable KEY=value file (" + e.getMessage() + ")");
        }
        return parse(lines, environment);
    }

    /** node.env's lines: {@code KEY=value}, optional single or double quotes around the value, # comments. */
    public static NodeEnv parse(List<String> lines, Map<String, String> environment) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String line : lines) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(l);
            if (!m.matches()) {
                continue; // the bash uploader skipped such lines too; boot writes only KEY=value
            }
            String v = m.group(2);
            if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
                v = v.substring(1, v.length() - 1);
            }
            if (KEYS.contains(m.group(1))) {
                kv.put(m.group(1), v);
            }
        }
        NodeContract.Paths paths = NodeContract.STANDARD.paths();
        String project = require(kv, "PROJECT", PROJECT, "a GCP project id ([a-z][a-z0-9-], 6-30 chars)");
        String bucket = require(kv, "RECORDINGS_BUCKET", BUCKET, "a GCS bucket name ([a-z0-9._-], 3-222 chars)");
        String topic = require(kv, "EVENTS_TOPIC", TOPIC, "a Pub/Sub topic id (3-255 chars, starting with a letter)");
        String portText = kv.getOrDefault("HEALTH_PORT", "");
        if (!portText.matches("[0-9]{1,5}") || Integer.parseInt(portText) < 1 || Integer.parseInt(portText) > 65535) {
            throw new ConfigException("HEALTH_PORT", portText, "a TCP port 1..65535");
        }
        Path recordings = absoluteDir(kv, "RECORDINGS_DIR", paths.recordingsDir(), true);
        Path state = absoluteDir(kv, "AGENT_STATE_DIR", paths.stateDir() + "/agent", false);
        String eslConf = kv.getOrDefault("ESL_CONF", paths.fsCliConf());
        if (!eslConf.startsWith("/")) {
            throw new ConfigException("ESL_CONF", eslConf, "an absolute path of an fs_cli.conf file");
        }
        InetAddress internal = InetAddress.getLoopbackAddress();
        String ip = kv.getOrDefault("INTERNAL_IP", "");
        if (!ip.isEmpty()) {
            // Literal addresses only: a name would be resolved (DNS) at boot, and the wildcard would face the NIC.
            if (!ip.matches("[0-9.]+|[0-9A-Fa-f:]+")) {
                throw new ConfigException("INTERNAL_IP", ip, "an IPv4 or IPv6 address literal");
            }
            try {
                internal = InetAddress.getByName(ip);
            } catch (UnknownHostException e) {
                throw new ConfigException("INTERNAL_IP", ip, "an IPv4 or IPv6 address literal");
            }
            if (internal.isAnyLocalAddress()) {
                throw new ConfigException("INTERNAL_IP", ip, "the node's own internal address, not the wildcard");
            }
        }
        String node = kv.getOrDefault("NODE_NAME", "");
        if (node.isEmpty()) {
            try {
                node = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                node = "unknown";
            }
        }
        String release = kv.getOrDefault("RELEASE_HASH", "");
        String profiles = kv.getOrDefault("SIP_PROFILES", "");
        if (profiles.isEmpty()) {
            profiles = "external,internal";
        }
        if (!profiles.matches("[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*")) {
            throw new ConfigException("SIP_PROFILES", profiles, "comma-separated sofia profile names ([A-Za-z0-9_-])");
        }
        Path streams = absoluteDir(kv, "STREAMS_DIR", DEFAULT_STREAMS_DIR, false);
        Path keys = absoluteDir(kv, "STT_KEYS_DIR", DEFAULT_STT_KEYS_DIR, false);
        String providerText = kv.getOrDefault("STREAM_PROVIDER", "");
        Provider provider;
        if (providerText.isEmpty() || providerText.equals("none")) {
            provider = null;
        } else {
            try {
                provider = Provider.parse(providerText);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("STREAM_PROVIDER", providerText, "one of deepgram, assemblyai, none");
            }
            if (!provider.id().equals(providerText)) {
                throw new ConfigException("STREAM_PROVIDER", providerText, "one of deepgram, assemblyai, none");
            }
        }
        String secretPrefix = kv.getOrDefault("SECRET_PREFIX", "");
        if (!secretPrefix.isEmpty() && !secretPrefix.matches("[a-z][a-z0-9-]{0,40}")) {
            throw new ConfigException("SECRET_PREFIX", secretPrefix, "a secret id prefix of a-z 0-9 - (the stack's prefix)");
        }
        String refreshText = kv.getOrDefault("SECRET_REFRESH_SECONDS", "60");
        if (!refreshText.matches("[0-9]{1,6}") || (Integer.parseInt(refreshText) != 0 && Integer.parseInt(refreshText) < 10)) {
            throw new ConfigException("SECRET_REFRESH_SECONDS", refreshText, "0 (off) or 10..999999 seconds");
        }
        return new NodeEnv(kv.getOrDefault("STACK", ""), project, kv.getOrDefault("ZONE", ""), node,
                release.isEmpty() ? "unknown" : release, kv.getOrDefault("RELEASES_BUCKET", ""), recordings, bucket, topic,
                Integer.parseInt(portText), internal, Path.of(eslConf), state, List.of(profiles.split(",")), streams, keys,
                provider, secretPrefix, Duration.ofSeconds(Integer.parseInt(refreshText)), Tuning.from(environment));
    }

    /** The addresses the health port binds: the internal address and loopback (once when they are the same). */
    public List<InetAddress> healthBind() {
        InetAddress lo = InetAddress.getLoopbackAddress();
        return internalIp.equals(lo) ? List.of(lo) : List.of(internalIp, lo);
    }

    private static String require(Map<String, String> kv, String key, Pattern p, String allowed) {
        String v = kv.getOrDefault(key, "");
        if (!p.matcher(v).matches()) {
            throw new ConfigException(key, v, allowed);
        }
        return v;
    }

    private static Path absoluteDir(Map<String, String> kv, String key, String dflt, boolean mustExist) {
        String v = kv.getOrDefault(key, "");
        if (v.isEmpty()) {
            v = dflt;
        }
        while (v.length() > 1 && v.endsWith("/")) {
            v = v.substring(0, v.length() - 1);
        }
        if (!v.startsWith("/") || v.contains("/../") || v.endsWith("/..")) {
            throw new ConfigException(key, v, "an absolute directory path");
        }
        Path p = Path.of(v);
        if (mustExist && !Files.isDirectory(p)) {
            throw new ConfigException(key, v, "an existing absolute directory");
        }
        return p;
    }
}
