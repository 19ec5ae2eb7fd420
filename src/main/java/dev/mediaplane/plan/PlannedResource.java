package dev.mediaplane.plan;

import java.util.Map;
import java.util.Optional;

/**
 * One resource of a plan.
 *
 * @param type Pulumi type token, e.g. {@code gcp:compute/firewall:Firewall} or {@code mediaplane:gcp:Fleet}
 * @param name logical name
 * @param parent logical name of the parent resource; empty for children of the stack
 * @param inputs inputs as plain JSON-like values (String, Number, Boolean, List, sorted Map);
 *     secret values are replaced by {@link Plan#SECRET}, values unknown before apply by
 *     {@link Plan#UNKNOWN}
 */
public record PlannedResource(String type, String name, Optional<String> parent, Map<String, Object> inputs) {
    public PlannedResource {
        inputs = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(inputs));
    }

    /** True for mediaplane's own components (type tokens {@code mediaplane:...}). */
    public boolean isComponent() {
        return type.startsWith("mediaplane:");
    }
}
