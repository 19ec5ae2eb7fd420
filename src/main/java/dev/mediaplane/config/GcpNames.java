package dev.mediaplane.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * GCP's naming rules, one per kind of resource the program names from config, and the list of
 * every name it derives from the project, prefix and stack. Validation applies the rules to that
 * list, so a prefix that yields a name GCP refuses fails the config check, not {@code pulumi up}.
 * A test compares the list with the names of a real plan, so infra cannot drift from it.
 */
public final class GcpNames {

    private GcpNames() {}

    private static final Pattern RFC1035 = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern BUCKET_CHARS = Pattern.compile("[a-z0-9][a-z0-9._-]*[a-z0-9]");
    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    private static final Pattern TOPIC_ID = Pattern.compile("[A-Za-z][A-Za-z0-9._~+%-]{2,254}");
    private static final Pattern ACCOUNT_ID = Pattern.compile("[a-z]([-a-z0-9]{4,28}[a-z0-9])");
    private static final Pattern ROLE_ID = Pattern.compile("[a-zA-Z0-9_.]{3,64}");
    private static final Pattern SECRET_ID = Pattern.compile("[A-Za-z0-9_-]{1,255}");
    private static final Pattern LOG_METRIC_NAME = Pattern.compile("[A-Za-z0-9_.,+!*'()%/\\\\-]{1,100}");

    /** A kind of GCP resource name and its rule. */
    public enum Kind {
        /** Compute Engine names (networks, firewalls, templates, addresses, ...): RFC 1035, at most 63. */
        COMPUTE("Compute Engine resource name", "1-63 characters: a lowercase letter, then lowercase letters, digits or '-', not ending with '-'"),
        /** Cloud Storage bucket names (https://cloud.google.com/storage/docs/buckets#naming). */
        BUCKET("Cloud Storage bucket name", "3-63 characters of lowercase letters, digits, '-', '_', '.', starting and ending with a "
                + "letter or digit, each dot-separated part at most 63, not an IP address, not starting with 'goog' nor containing 'google'"),
        /** Pub/Sub topic and subscription ids. */
        TOPIC("Pub/Sub topic id", "3-255 characters: a letter, then letters, digits or - _ . ~ + %, not starting with 'goog'"),
        /** IAM service account ids (the part before '@'). */
        SERVICE_ACCOUNT("service account id", "6-30 characters: a lowercase letter, then lowercase letters, digits or '-', not ending with '-'"),
        /** IAM custom role ids. */
        CUSTOM_ROLE("custom role id", "3-64 characters: letters, digits, '_' or '.'"),
        /** Secret Manager secret ids. */
        SECRET("Secret Manager secret id", "1-255 characters: letters, digits, '_' or '-'"),
        /** Cloud Logging log-based metric names. */
        LOG_METRIC("log-based metric name", "1-100 characters: letters, digits or _ - . , + ! * ' ( ) % / \\");

        private final String what;
        private final String rule;

        Kind(String what, String rule) {
            this.what = what;
            this.rule = rule;
        }

        public String what() {
            return what;
        }

        public String rule() {
            return rule;
        }

        /** Why GCP refuses {@code name} as this kind, or empty when it accepts it. */
        public Optional<String> refusal(String name) {
            boolean ok = switch (this) {
                case COMPUTE -> RFC1035.matcher(name).matches();
                case BUCKET -> bucketOk(name);
                case TOPIC -> TOPIC_ID.matcher(name).matches() && !name.startsWith("goog");
                case SERVICE_ACCOUNT -> ACCOUNT_ID.matcher(name).matches();
                case CUSTOM_ROLE -> ROLE_ID.matcher(name).matches();
                case SECRET -> SECRET_ID.matcher(name).matches();
                case LOG_METRIC -> LOG_METRIC_NAME.matcher(name).matches();
            };
            return ok ? Optional.empty() : Optional.of(rule);
        }

        private static boolean bucketOk(String name) {
            if (name.length() < 3 || name.length() > 63 || !BUCKET_CHARS.matcher(name).matches()) {
                return false;
            }
            if (name.startsWith("goog") || name.contains("google") || IPV4.matcher(name).matches()) {
                return false;
            }
            for (String part : name.split("\\.", -1)) {
                if (part.isEmpty() || part.length() > 63) {
                    return false;
                }
            }
            return true;
        }
    }

    /** One name the program gives a resource, and what it is. */
    public record Derived(Kind kind, String resource, String name) {}

    /** Bucket of recordings; bucket names are global, hence the project. */
    public static String recordingsBucket(String project, String prefix) {
        return project + "-" + prefix + "-recordings";
    }

    /** Bucket of release bundles. */
    public static String releasesBucket(String project, String prefix) {
        return project + "-" + prefix + "-releases";
    }

    /** Topic of recording evidence events. */
    public static String eventsTopic(String prefix) {
        return prefix + "-recording-events";
    }

    /**
     * Every name the program derives from the project and prefix, with its kind. Per-node and
     * hashed names are given at their longest ({@code -node-999}, a 10-character hash).
     */
    public static List<Derived> derived(String project, String prefix) {
        List<Derived> d = new ArrayList<>();
        d.add(new Derived(Kind.BUCKET, "recordings bucket", recordingsBucket(project, prefix)));
        d.add(new Derived(Kind.BUCKET, "releases bucket", releasesBucket(project, prefix)));
        d.add(new Derived(Kind.TOPIC, "recording events topic", eventsTopic(prefix)));
        d.add(new Derived(Kind.TOPIC, "secret rotation topic", prefix + "-secret-rotation"));
        d.add(new Derived(Kind.SERVICE_ACCOUNT, "node service account", prefix + "-node"));
        d.add(new Derived(Kind.CUSTOM_ROLE, "node discovery role", prefix.replace('-', '_') + "_node_discovery"));
        d.add(new Derived(Kind.CUSTOM_ROLE, "node recordings role", prefix.replace('-', '_') + "_recording_writer"));
        // Subscriptions follow the topic id rules; the dead-letter topic and subscription share one name.
        d.add(new Derived(Kind.TOPIC, "recording events dead-letter topic", eventsTopic(prefix) + "-dead-letter"));
        for (NodeSecret s : NodeSecret.values()) {
            d.add(new Derived(Kind.SECRET, "secret " + s.configKey(), prefix + "-" + s.secretSuffix()));
        }
        for (String n : List.of("vpc", "subnet", "allow-sip-tls", "allow-rtp", "allow-controller", "allow-controller-metrics", "allow-egress-stt", "allow-health-checks",
                "allow-iap-ssh", "deny-all-ingress", "live", "ready", "nodes", "nodes-autoscaler", "node", "ilb", "ilb-ip",
                "ilb-control")) {
            d.add(new Derived(Kind.COMPUTE, "compute resource", prefix + "-" + n));
        }
        d.add(new Derived(Kind.COMPUTE, "node instance", prefix + "-node-999"));
        d.add(new Derived(Kind.COMPUTE, "node address", prefix + "-node-999-ip"));
        d.add(new Derived(Kind.COMPUTE, "instance template", prefix + "-node-0123456789"));
        for (String n : List.of("recording-upload-failures", "recording-upload-latency", "rtcp-packet-loss", "disk-pressure",
                "firewall-changes")) {
            d.add(new Derived(Kind.LOG_METRIC, "log metric", prefix + "-" + n));
        }
        return d;
    }
}
