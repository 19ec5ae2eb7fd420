package dev.mediaplane.config;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Stack config as a loader found it, before parsing: full keys ({@code mediaplane:fleet}) to
 * plain values (String, Number, Boolean, List, Map). Secret keys are listed apart and their
 * values are never kept here, so no parse error can echo them.
 *
 * @param values every non-secret key
 * @param secretKeys full keys whose values are secrets
 * @param knownKeysComplete whether {@code values} lists every key set (true for the file loader),
 *     so unknown keys can be reported
 */
public record RawConfig(Map<String, Object> values, Set<String> secretKeys, boolean knownKeysComplete) {
    public RawConfig {
        values = java.util.Collections.unmodifiableMap(new TreeMap<>(values));
        secretKeys = Set.copyOf(secretKeys);
    }
}
