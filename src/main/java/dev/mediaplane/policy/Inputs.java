package dev.mediaplane.policy;

import dev.mediaplane.plan.CanonicalJson;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanPrinter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/** Reading plan inputs (plain JSON-like trees) and showing them safely in violations. */
final class Inputs {

    /** Marks a value that is missing from the inputs. */
    static final String ABSENT = "(absent)";

    private static final Pattern PRIVATE_KEY = Pattern.compile("-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----");

    /**
     * Credential shapes that are unambiguous even inside a script: Google API keys, AWS access
     * key ids, and GCP service account key files. Bare hex strings are not among them on
     * purpose: release hashes and checksums look the same.
     */
    private static final Pattern CREDENTIAL = Pattern.compile(
            "AIza[0-9A-Za-z_-]{35}|(?:AKIA|ASIA)[0-9A-Z]{16}|\"private_key_id\"\\s*:");

    private Inputs() {}

    /** The value at a dotted path of map keys, or null. */
    static Object at(Map<String, Object> inputs, String... keys) {
        Object v = inputs;
        for (String k : keys) {
            if (!(v instanceof Map<?, ?> m)) {
                return null;
            }
            v = m.get(k);
        }
        return v;
    }

    /** GCE reads metadata booleans as TRUE/true/1/yes; anything else is false. */
    static boolean truthy(Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Number n) {
            return n.doubleValue() != 0;
        }
        if (v instanceof String s) {
            return switch (s.strip().toLowerCase(Locale.ROOT)) {
                case "true", "1", "yes", "y", "on" -> true;
                default -> false;
            };
        }
        return false;
    }

    /** Explicitly false (present and not truthy); absent is not false. */
    static boolean explicitlyFalse(Object v) {
        return v != null && !truthy(v);
    }

    static List<?> list(Object v) {
        return v instanceof List<?> l ? l : List.of();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object v) {
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    /** Calls {@code visit} for every scalar leaf with its path ({@code a.b[2].c}). */
    static void leaves(String path, Object v, BiConsumer<String, Object> visit) {
        if (v instanceof Map<?, ?> m) {
            for (var e : new java.util.TreeMap<>(map(m)).entrySet()) {
                leaves(path.isEmpty() ? e.getKey() : path + "." + e.getKey(), e.getValue(), visit);
            }
        } else if (v instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                leaves(path + "[" + i + "]", l.get(i), visit);
            }
        } else if (v != null) {
            visit.accept(path, v);
        }
    }

    /** One (role, member) pair of an IAM grant, with the input path of the member. */
    record Grant(String role, String path, String member) {}

    /**
     * The grants of an IAM member, binding or policy resource: {@code role}+{@code member},
     * {@code role}+{@code members}, or the JSON {@code policyData} of a full policy.
     */
    static List<Grant> grants(Map<String, Object> inputs) {
        List<Grant> out = new java.util.ArrayList<>();
        String role = String.valueOf(inputs.get("role"));
        if (inputs.get("member") != null) {
            out.add(new Grant(role, "member", String.valueOf(inputs.get("member"))));
        }
        List<?> members = list(inputs.get("members"));
        for (int i = 0; i < members.size(); i++) {
            out.add(new Grant(role, "members[" + i + "]", String.valueOf(members.get(i))));
        }
        if (inputs.get("policyData") instanceof String json) {
            try {
                var bindings = com.google.gson.JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("bindings");
                for (int b = 0; bindings != null && b < bindings.size(); b++) {
                    var binding = bindings.get(b).getAsJsonObject();
                    var ms = binding.getAsJsonArray("members");
                    for (int i = 0; ms != null && i < ms.size(); i++) {
                        out.add(new Grant(binding.get("role").getAsString(),
                                "policyData.bindings[" + b + "].members[" + i + "]", ms.get(i).getAsString()));
                    }
                }
            } catch (RuntimeException e) {
                // Unknown before apply or not JSON: nothing to read; the engine validates it later.
            }
        }
        return out;
    }

    static boolean hasPrivateKey(String s) {
        return PRIVATE_KEY.matcher(s).find();
    }

    static boolean hasCredential(String s) {
        return CREDENTIAL.matcher(s).find();
    }

    /** Holds the secret placeholder, or key material that should have been one. */
    static boolean secretLike(String s) {
        return s.contains(Plan.SECRET) || hasPrivateKey(s) || hasCredential(s);
    }

    /**
     * The value as a violation shows it. Key material is described, never echoed, not even as a
     * hash prefix (a short password's hash can be brute-forced).
     */
    static String show(Object v) {
        if (v == null) {
            return ABSENT;
        }
        if (v instanceof String s) {
            if (s.equals(Plan.SECRET) || s.equals(Plan.UNKNOWN)) {
                return s;
            }
            if (hasPrivateKey(s)) {
                return "<" + s.length() + " chars holding a PEM private key>";
            }
            if (hasCredential(s)) {
                return "<" + s.length() + " chars holding a credential>";
            }
            if (s.contains(Plan.SECRET)) {
                return "<" + s.length() + " chars holding " + Plan.SECRET + ">";
            }
            return "'" + PlanPrinter.abbreviate(s) + "'";
        }
        if (v instanceof Number n) {
            return String.valueOf(CanonicalJson.compact(n));
        }
        if (v instanceof Map<?, ?> || v instanceof List<?>) {
            String json = CanonicalJson.tree(v).toString();
            return secretLike(json) ? "<value holding secret material>" : PlanPrinter.abbreviate(json);
        }
        return String.valueOf(v);
    }
}
