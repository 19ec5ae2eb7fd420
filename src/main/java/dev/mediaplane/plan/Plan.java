package dev.mediaplane.plan;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Every resource the program declares for a stack, with its inputs, and the stack outputs: the
 * offline preview. Resources are in a stable order (see {@code PlanRunner}).
 */
public record Plan(String stack, List<PlannedResource> resources, Map<String, Object> outputs) {

    /** Stands for a secret value; the plan never holds one. */
    public static final String SECRET = "[secret]";

    /** Stands for a value only known after apply. */
    public static final String UNKNOWN = "[unknown]";

    public Plan {
        resources = List.copyOf(resources);
        outputs = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(outputs));
    }

    public Stream<PlannedResource> ofType(String type) {
        return resources.stream().filter(r -> r.type().equals(type));
    }
}
