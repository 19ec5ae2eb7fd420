package dev.mediaplane.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One row of the config key catalogue ({@link ConfigKeys}): everything the program, Pulumi.yaml
 * and the README know about a key. {@link ConfigParser} converts, checks and defaults from it;
 * {@link ConfigDocs} writes the docs from it.
 *
 * @param name full key, {@code mediaplane:fleetSize}
 * @param type Pulumi project-config type
 * @param dflt what applies when the key is not set
 * @param constraint what an explicitly set value must satisfy
 * @param secret whether the value is set only with {@code pulumi config set --secret}
 * @param description one line for Pulumi.yaml and the README, without the default (added from {@code dflt})
 */
public record ConfigKey(String name, Type type, Default dflt, Constraint constraint, boolean secret, String description) {

    public ConfigKey {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        Objects.requireNonNull(dflt);
        Objects.requireNonNull(constraint);
        // The README table is one Markdown row per key and Pulumi.yaml one line per description.
        if (description.isBlank() || description.contains("\n") || description.contains("|")) {
            throw new IllegalArgumentException(name + ": a description is one non-empty line without '|'");
        }
        if (constraint.allowed().contains("|") || constraint.allowed().contains("\n")) {
            throw new IllegalArgumentException(name + ": the allowed text is one line without '|'");
        }
        if (dflt instanceof Default.Value v && !type.holds(v.value())) {
            throw new IllegalArgumentException(name + ": default " + v.value() + " is not a " + type.pulumi());
        }
    }

    /** Namespace of the key: {@code mediaplane} or {@code gcp}. */
    public String namespace() {
        return name.substring(0, name.indexOf(':'));
    }

    /** The key without its namespace: {@code fleetSize}. */
    public String shortName() {
        return name.substring(name.indexOf(':') + 1);
    }

    /** Pulumi project-config types (the only ones Pulumi.yaml can declare). */
    public enum Type {
        STRING, INTEGER, BOOLEAN, ARRAY;

        public String pulumi() {
            return name().toLowerCase(Locale.ROOT);
        }

        boolean holds(Object v) {
            return switch (this) {
                case STRING -> v instanceof String;
                case INTEGER -> v instanceof Integer || v instanceof Long;
                case BOOLEAN -> v instanceof Boolean;
                case ARRAY -> v instanceof List;
            };
        }
    }

    /** What applies when a key is not set. {@link #docs()} is the text the README and Pulumi.yaml show. */
    public sealed interface Default {
        String docs();

        /** A fixed value, applied by the program (never by the engine, so both loaders agree). */
        record Value(Object value) implements Default {
            @Override
            public String docs() {
                return String.valueOf(value);
            }
        }

        /** No default: the key must be set. */
        record Required() implements Default {
            @Override
            public String docs() {
                return "required";
            }
        }

        /** Unset means "none" (an empty Optional or list); {@code docs} says what that does. */
        record Absent(String docs) implements Default {}

        /** Derived from the stack name or other keys, after every set key is converted. */
        record Computed(String docs, Function<Inputs, Object> compute) implements Default {}

        /** What a computed default may read. */
        interface Inputs {
            String stack();

            /** Converted value of another key (full name), or null. */
            Object value(String key);
        }
    }

    /**
     * What an explicitly set value (already converted to the row's type) must satisfy. New kinds
     * (one of a catalogue, rules that depend on a mode key) implement this; {@link Checks#value}
     * gives them the other keys.
     */
    public interface Constraint {
        /** What is allowed, in words: used in "must be ..." and "is required: ..." messages. */
        String allowed();

        /**
         * Reports every problem of {@code value} to {@code checks}.
         *
         * @return the value to use, or null to fall back to the row's default
         */
        Object check(String key, Object value, Checks checks);

        /** Where a constraint reports, and how it reads other keys. */
        interface Checks {
            void problem(String format, Object... args);

            /** Converted value of another key (full name), defaults applied; null when none. */
            Object value(String key);

            /**
             * Whether another key's value can be trusted: it was not refused (its own constraint
             * ran earlier, in row order). Rules reading another key check this first, so they never
             * judge a value against one that was itself just refused.
             */
            boolean valid(String key);

            /** The GCP catalogue values are checked against. */
            GcpCatalogue catalogue();

            /** Whether {@code mediaplane:catalogueAllow} admits {@code kind:value}; marks the entry as used. */
            boolean allowed(String kind, String value);
        }
    }

    // ---- constraint kinds --------------------------------------------------------------------

    /** Anything of the row's type. */
    public record Any(String allowed) implements Constraint {
        @Override
        public Object check(String key, Object value, Checks checks) {
            return value;
        }
    }

    /**
     * A whole number in [min, max], or 0 too when {@code zeroOff} (0 turns the feature off; the range need not
     * start at 1); a value outside is refused and the default applies.
     */
    public record Range(int min, int max, String allowed, boolean zeroOff) implements Constraint {
        public Range(int min, int max) {
            this(min, max, String.format("between %d and %d", min, max));
        }

        public Range(int min, int max, String allowed) {
            this(min, max, allowed, false);
        }

        /** 0 (off) or a whole number in [min, max]. */
        public static Range orZero(int min, int max) {
            return new Range(min, max, String.format("0 (off) or between %d and %d", min, max), true);
        }

        @Override
        public Object check(String key, Object value, Checks checks) {
            long n = (Long) value;
            if ((n < min || n > max) && !(zeroOff && n == 0)) {
                checks.problem("%s must be %s, got %d", key, allowed, n);
                return null;
            }
            return value;
        }
    }

    /**
     * A string matching {@code pattern}. A refused value is kept, so rules asking "is it set?" do
     * not report it a second time.
     */
    public record Matches(Pattern pattern, String allowed) implements Constraint {
        public Matches(String regex, String allowed) {
            this(Pattern.compile(regex), allowed);
        }

        @Override
        public Object check(String key, Object value, Checks checks) {
            if (!pattern.matcher((String) value).matches()) {
                checks.problem("%s must be %s, got '%s'", key, allowed, value);
            }
            return value;
        }
    }

    /** One of a fixed list of strings, compared exactly; an enum's constants in lower case for {@link #ofEnum}. */
    public record OneOf(List<String> values) implements Constraint {
        public OneOf {
            values = List.copyOf(values);
        }

        public static OneOf ofEnum(Class<? extends Enum<?>> type) {
            List<String> names = new ArrayList<>();
            for (Enum<?> e : type.getEnumConstants()) {
                names.add(e.name().toLowerCase(Locale.ROOT));
            }
            return new OneOf(names);
        }

        @Override
        public String allowed() {
            return "one of " + values;
        }

        @Override
        public Object check(String key, Object value, Checks checks) {
            if (!values.contains(value)) {
                checks.problem("%s must be one of %s, got '%s'", key, values, value);
                return null;
            }
            return value;
        }
    }

    /** Every item of a list matches {@code pattern}. */
    public record EachMatches(Pattern pattern, String allowed) implements Constraint {
        public EachMatches(String regex, String allowed) {
            this(Pattern.compile(regex), allowed);
        }

        @Override
        public Object check(String key, Object value, Checks checks) {
            List<?> items = (List<?>) value;
            for (int i = 0; i < items.size(); i++) {
                if (!pattern.matcher((String) items.get(i)).matches()) {
                    checks.problem("%s[%d] must be %s, got '%s'", key, i, allowed, items.get(i));
                }
            }
            return value;
        }
    }

    /** A private (RFC 1918) IPv4 CIDR with a prefix length in [minPrefix, maxPrefix]. */
    public record PrivateSubnet(int minPrefix, int maxPrefix) implements Constraint {
        @Override
        public String allowed() {
            return String.format("a private (RFC 1918) range between /%d and /%d", minPrefix, maxPrefix);
        }

        @Override
        public Object check(String key, Object value, Checks checks) {
            Cidr c = cidr(key, (String) value, checks);
            if (c != null && (c.prefix() < minPrefix || c.prefix() > maxPrefix || !c.isPrivate())) {
                checks.problem("%s must be %s, got '%s'", key, allowed(), value);
            }
            return value;
        }
    }

    /**
     * A non-empty list of non-overlapping IPv4 CIDRs. 0.0.0.0/0 is refused, unless
     * {@code allowAnyKey} names a boolean key set to true; {@code privateOnly} refuses public ranges.
     */
    public record Cidrs(boolean privateOnly, String allowAnyKey) implements Constraint {
        @Override
        public String allowed() {
            return "a list of IPv4 CIDRs (no default: mediaplane never guesses who may reach a node)";
        }

        @Override
        public Object check(String key, Object value, Checks checks) {
            List<?> list = (List<?>) value;
            if (list.isEmpty()) {
                checks.problem("%s must list at least one CIDR, got []", key);
            }
            boolean allowAny = allowAnyKey != null && Boolean.TRUE.equals(checks.value(allowAnyKey));
            List<Cidr> parsed = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                String item = key + "[" + i + "]";
                Cidr c = cidr(item, (String) list.get(i), checks);
                parsed.add(c);
                if (c == null) {
                    continue;
                }
                if (c.prefix() == 0 && !allowAny) {
                    if (allowAnyKey == null) {
                        checks.problem("%s must not be 0.0.0.0/0: this port is never open to the internet", item);
                    } else {
                        checks.problem("%s is 0.0.0.0/0; that opens the port to the internet and needs %s: true", item, allowAnyKey);
                    }
                }
                for (int j = 0; j < i; j++) {
                    if (parsed.get(j) != null && parsed.get(j).overlaps(c)) {
                        checks.problem("%s '%s' overlaps %s[%d] '%s'; list each range once", item, list.get(i), key, j, list.get(j));
                    }
                }
            }
            // Ranges that together cover the whole internet (0.0.0.0/1 + 128.0.0.0/1) open the port as 0.0.0.0/0 does.
            boolean single = parsed.stream().anyMatch(c -> c != null && c.prefix() == 0);
            if (!single && !allowAny && parsed.stream().noneMatch(java.util.Objects::isNull) && Cidr.coverAll(parsed)) {
                checks.problem(allowAnyKey == null
                        ? "%s together cover 0.0.0.0/0 (every IPv4 address), got %s: this port is never open to the internet"
                        : "%s together cover 0.0.0.0/0 (every IPv4 address), got %s; that opens the port to the internet and needs "
                                + allowAnyKey + ": true", key, list);
            }
            for (int i = 0; privateOnly && i < list.size(); i++) {
                if (parsed.get(i) != null && !parsed.get(i).isPrivate()) {
                    checks.problem("%s[%d] must be a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, "
                            + "100.64.0.0/10): ESL and internal SIP never face the internet, got '%s'", key, i, list.get(i));
                }
            }
            return value;
        }
    }

    /**
     * A non-empty list of distinct zones, each a zone of the region held by {@code regionKey} in the
     * catalogue (or admitted by {@code catalogueAllow} as {@code zone:NAME}). The region rule is
     * skipped when the region itself was refused.
     */
    public record Zones(String regionKey) implements Constraint {
        @Override
        public String allowed() {
            return "zones of " + regionKey;
        }

        @Override
        public Object check(String key, Object value, Checks checks) {
            List<?> zones = (List<?>) value;
            if (zones.isEmpty()) {
                checks.problem("%s must list at least one zone, got []", key);
            }
            Object region = checks.valid(regionKey) ? checks.value(regionKey) : null;
            List<String> known = region == null ? List.of() : checks.catalogue().zones((String) region);
            Set<Object> seen = new java.util.HashSet<>();
            for (int i = 0; i < zones.size(); i++) {
                String z = (String) zones.get(i);
                if (region != null && !GcpCatalogue.regionOfZone(z).equals(region)) {
                    checks.problem("%s[%d] must be a zone in region %s (%s), got '%s'", key, i, region,
                            known.isEmpty() ? "like " + region + "-b" : "one of " + known, z);
                } else if (region != null && !known.isEmpty() && !known.contains(z) && !checks.allowed("zone", z)) {
                    checks.problem("%s[%d] '%s' is not a zone of %s; its zones are %s (%s)", key, i, z, region, known,
                            checks.catalogue().unknownHint("zone", z));
                } else if (!z.matches("[a-z]+-[a-z]+[0-9]+-[a-z]")) {
                    checks.problem("%s[%d] must be a zone name such as europe-west1-b, got '%s'", key, i, z);
                }
                if (!seen.add(z)) {
                    checks.problem("%s[%d] repeats zone '%s'; each zone may appear once", key, i, z);
                }
            }
            return value;
        }
    }

    /** A GCP region of the catalogue, or one {@code catalogueAllow} admits as {@code region:NAME}. */
    public record Region() implements Constraint {
        private static final Pattern FORM = Pattern.compile("[a-z]+-[a-z]+[0-9]+");

        @Override
        public String allowed() {
            return "a GCP region such as europe-west1";
        }

        @Override
        public Object check(String key, Object value, Checks checks) {
            String r = (String) value;
            if (!FORM.matcher(r).matches()) {
                checks.problem("%s must be %s, got '%s'", key, allowed(), r);
            } else if (!checks.catalogue().hasRegion(r) && !checks.allowed("region", r)) {
                String near = ConfigKey.closest(r, checks.catalogue().regions());
                checks.problem("%s '%s' is not a GCP region%s; %s", key, r, near == null ? "" : " (did you mean '" + near + "'?)",
                        checks.catalogue().unknownHint("region", r));
            }
            return value;
        }
    }

    /**
     * A machine type of the catalogue (predefined shape, or custom within its family's limits), or
     * one {@code catalogueAllow} admits as {@code machineType:NAME} whose name states its vCPUs.
     */
    public record MachineType() implements Constraint {
        @Override
        public String allowed() {
            return "a GCE machine type such as e2-standard-2, n2-highcpu-8 or e2-custom-4-8192";
        }

        @Override
        public Object check(String key, Object value, Checks checks) {
            String t = (String) value;
            if (checks.catalogue().machineType(t).isPresent()) {
                return value;
            }
            if (checks.allowed("machineType", t)) {
                if (GcpCatalogue.statedVcpus(t) <= 0) {
                    checks.problem("%s '%s' states no vCPU count (FAMILY-SHAPE-VCPUS or FAMILY-custom-VCPUS-MB), so the "
                            + "sizing rule cannot be applied", key, t);
                }
                return value;
            }
            var family = checks.catalogue().family(GcpCatalogue.familyOf(t));
            String why = family.map(f -> "shapes of " + GcpCatalogue.familyOf(t) + ": " + f.shapes()
                    + f.custom().map(c -> String.format("; custom %d-%d vCPUs%s, memory in MB a multiple of 256", c.minVcpus(),
                            c.maxVcpus(), c.evenVcpus() ? " (1 or even)" : "")).orElse("; no custom types")).orElse(
                    "known families: " + checks.catalogue().families());
            checks.problem("%s must be %s, got '%s' (%s); %s", key, allowed(), t, why, checks.catalogue().unknownHint("machineType", t));
            return value;
        }
    }

    /**
     * A boot image path or self-link URL. Whether its architecture fits the machine type is a
     * rule of {@link ConfigParser} (both keys have defaults, so it must hold when either is unset).
     */
    public record Image() implements Constraint {
        /** {@code arm64} for an image or family named {@code *arm64*} or {@code *aarch64*}, else {@code x86_64}. */
        public static String architecture(String image) {
            String name = image.substring(image.lastIndexOf('/') + 1);
            return name.contains("arm64") || name.contains("aarch64") ? "arm64" : "x86_64";
        }

        private static final Pattern FORM = Pattern.compile("(https://(www|compute)\\.googleapis\\.com/compute/(v1|beta)/)?"
                + "projects/(" + ConfigKeys.P + "|[a-z][a-z0-9.:-]{4,60}[a-z0-9])/global/images/(family/)?[a-z]([-a-z0-9]{0,61}[a-z0-9])?");

        @Override
        public String allowed() {
            return "projects/PROJECT/global/images/NAME or .../images/family/FAMILY (optionally as a https://www.googleapis.com/compute/v1/ self-link)";
        }

        @Override
        public Object check(String key, Object value, Checks checks) {
            String image = (String) value;
            if (!FORM.matcher(image).matches()) {
                checks.problem("%s must be %s, got '%s'", key, allowed(), image);
            }
            return value;
        }
    }

    /** A GCS location of the catalogue (compared upper-cased), or one {@code catalogueAllow} admits as {@code location:NAME}. */
    public record GcsLocation() implements Constraint {
        @Override
        public String allowed() {
            return "a GCS location such as EU, US, EUR4 or europe-west1";
        }

        @Override
        public Object check(String key, Object value, Checks checks) {
            String loc = ((String) value).toUpperCase(Locale.ROOT);
            if (!checks.catalogue().gcsLocations().contains(loc) && !checks.allowed("location", loc)) {
                String near = ConfigKey.closest(loc, checks.catalogue().gcsLocations());
                checks.problem("%s must be %s, got '%s'%s; %s", key, allowed(), value,
                        near == null ? "" : " (did you mean '" + near + "'?)", checks.catalogue().unknownHint("location", loc));
            }
            return value;
        }
    }

    /**
     * A key that has an effect only when {@code modeKey} is {@code modeValue}: set in another mode
     * it is refused (never silently ignored); otherwise {@code inner} applies.
     */
    public record OnlyWhen(String modeKey, String modeValue, Constraint inner) implements Constraint {
        @Override
        public String allowed() {
            return inner.allowed();
        }

        @Override
        public Object check(String key, Object value, Checks checks) {
            Object mode = checks.value(modeKey);
            if (checks.valid(modeKey) && mode != null && !modeValue.equals(mode)) {
                checks.problem("%s has no effect when %s is '%s' (it applies only with '%s'); remove it", key, modeKey, mode,
                        modeValue);
                return value;
            }
            return inner.check(key, value, checks);
        }
    }

    /** Items {@code KIND:VALUE} of {@code mediaplane:catalogueAllow}: what the catalogue may not know yet. */
    public record CatalogueAllow() implements Constraint {
        /** The kinds an entry may name. */
        public static final List<String> KINDS = List.of("region", "zone", "machineType", "location", "image");

        @Override
        public String allowed() {
            return "a list of KIND:VALUE with KIND one of " + KINDS;
        }

        @Override
        public Object check(String key, Object value, Checks checks) {
            List<?> items = (List<?>) value;
            for (int i = 0; i < items.size(); i++) {
                String item = (String) items.get(i);
                int colon = item.indexOf(':');
                if (colon <= 0 || colon == item.length() - 1 || !KINDS.contains(item.substring(0, colon))) {
                    checks.problem("%s[%d] must be KIND:VALUE with KIND one of %s (for example zone:europe-west1-e), got '%s'",
                            key, i, KINDS, item);
                }
            }
            return value;
        }
    }

    /** The candidate closest to {@code word} by edit distance (case-insensitive), or null when none is close. */
    public static String closest(String word, java.util.Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String w = word.toLowerCase(Locale.ROOT);
        for (String c : candidates) {
            int d = distance(w, c.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, word.length() / 4) ? best : null;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static Cidr cidr(String key, String value, Constraint.Checks checks) {
        Cidr c = Cidr.tryParse(value);
        if (c == null) {
            checks.problem("%s must be an IPv4 CIDR like 10.0.0.0/24 with no host bits set, got '%s'", key, value);
        }
        return c;
    }
}
