package dev.mediaplane.config;

import com.pulumi.core.Output;

/**
 * A secret config value. Under the engine it is the decrypted value; offline it is the
 * undecryptable {@code secure:} ciphertext, which stands in for the value so a re-set secret still
 * shows as a change in a plan diff. It only leaves this class as a secret {@link Output}, which
 * Pulumi encrypts in state; {@link #toString()} is {@code [secret]}.
 */
public final class SecretValue {
    private final String value;

    private SecretValue(String value) {
        this.value = value;
    }

    public static SecretValue of(String value) {
        return new SecretValue(value);
    }

    /** The value, marked secret. Call inside a Pulumi program run. */
    public Output<String> output() {
        return Output.ofSecret(value);
    }

    @Override
    public String toString() {
        return "[secret]";
    }
}
