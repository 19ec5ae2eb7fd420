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

    /** A whole number in [min, max]; a value outside is refused and the default applies. */
    public record Range(int min, int max, String allowed) implements Constraint {
        public Range(int min, int max) {
            this(min, max, String.format("between %d and %d", min, max));
        }

        @Override
        public Object check(String key, Object value, Checks checks) {
            long n = (Long) value;
            if (n < min || n > max) {
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
            for (int i = 0; privateOnly && i < list.size(); i++) {
                if (parsed.get(i) != null && !parsed.get(i).isPrivate()) {
                    checks.problem("%s[%d] must be a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, "
                            + "100.64.0.0/10): ESL and internal SIP never face the internet, got '%s'", key, i, list.get(i));
                }
            }
            return value;
        }
    }

    /** A non-empty list of distinct zones, each inside the region held by {@code regionKey}. */
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
            Object region = checks.value(regionKey);
            Set<Object> seen = new java.util.HashSet<>();
            for (int i = 0; i < zones.size(); i++) {
                String z = (String) zones.get(i);
                if (region != null && !z.matches(Pattern.quote((String) region) + "-[a-z]")) {
                    checks.problem("%s[%d] must be a zone in region %s (like %s-b), got '%s'", key, i, region, region, z);
                }
                if (!seen.add(z)) {
                    checks.problem("%s[%d] repeats zone '%s'; each zone may appear once", key, i, z);
                }
            }
            return value;
        }
    }

    private static Cidr cidr(String key, String value, Constraint.Checks checks) {
        Cidr c = Cidr.tryParse(value);
        if (c == null) {
            checks.problem("%s must be an IPv4 CIDR like 10.0.0.0/24 with no host bits set, got '%s'", key, value);
        }
        return c;
    }
}
