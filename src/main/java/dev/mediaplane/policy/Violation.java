package dev.mediaplane.policy;

import java.util.Comparator;

/**
 * One failed check on one resource input. {@code value} is already made safe for output: long
 * values are abbreviated and anything that looks like key material is described, never shown.
 *
 * @param policyId the failed policy's id
 * @param references {@code CIS x / CKV_GCP_y} of the policy
 * @param type Pulumi type token of the resource
 * @param name logical name of the resource
 * @param path input path, dotted with list indices ({@code allows[0].ports}); empty for the
 *     resource as a whole
 * @param value the offending value as printed, {@code (absent)} when missing
 * @param reason why it fails and what is allowed
 */
public record Violation(String policyId, String references, String type, String name, String path, String value,
        String reason) implements Comparable<Violation> {

    private static final Comparator<Violation> ORDER = Comparator.comparing(Violation::policyId)
            .thenComparing(Violation::type)
            .thenComparing(Violation::name)
            .thenComparing(Violation::path)
            .thenComparing(Violation::value)
            .thenComparing(Violation::reason);

    @Override
    public int compareTo(Violation o) {
        return ORDER.compare(this, o);
    }

    /** {@code FAIL <id> [refs] <type> <name>: <path> = <value>: <reason>} */
    public String line() {
        String where = path.isEmpty() ? "" : " " + path + " =";
        return "FAIL " + policyId + " [" + references + "] " + type + " " + name + ":" + where + " " + value + ": " + reason;
    }
}
