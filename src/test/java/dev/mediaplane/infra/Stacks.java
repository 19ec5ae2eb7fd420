package dev.mediaplane.infra;

import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.config.StackFileLoader;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanRunner;
import dev.mediaplane.plan.PlannedResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The committed stack files, variants of them, and small readers over plans. */
final class Stacks {

    private Stacks() {}

    static String text(String stack) {
        try {
            return Files.readString(Path.of("Pulumi." + stack + ".yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LoadedConfig load(String stack) {
        return StackFileLoader.load(Path.of(""), stack);
    }

    /**
     * The committed stack file with each key set to a YAML value (flow style for lists): the key's
     * line and its block-list items are replaced, or the key is appended.
     */
    static LoadedConfig with(String stack, Map<String, String> values) {
        List<String> lines = new java.util.ArrayList<>(List.of(text(stack).split("\n", -1)));
        for (var e : values.entrySet()) {
            String head = "  " + e.getKey() + ":";
            int at = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).equals(head) || lines.get(i).startsWith(head + " ")) {
                    at = i;
                    break;
                }
            }
            String line = head + " " + e.getValue();
            if (at < 0) {
                lines.add(lines.size() - 1, line);
            } else {
                lines.set(at, line);
                while (at + 1 < lines.size() && lines.get(at + 1).startsWith("    ")) {
                    lines.remove(at + 1);
                }
            }
        }
        return StackFileLoader.parse(stack, "variant of Pulumi." + stack + ".yaml", String.join("\n", lines));
    }

    /** A Gson that writes Optionals as their value (the plan's parent field). */
    static com.google.gson.Gson gson() {
        return new com.google.gson.GsonBuilder().serializeNulls()
                .registerTypeHierarchyAdapter(java.util.Optional.class,
                        (com.google.gson.JsonSerializer<java.util.Optional<?>>) (src, t, ctx) ->
                                src.isPresent() ? ctx.serialize(src.get()) : com.google.gson.JsonNull.INSTANCE)
                .create();
    }

    static Plan plan(LoadedConfig config) {
        return PlanRunner.run(config);
    }

    static Map<String, Long> countsByType(Plan plan) {
        return plan.resources().stream().collect(Collectors.groupingBy(PlannedResource::type, TreeMap::new, Collectors.counting()));
    }

    static PlannedResource one(Plan plan, String type) {
        List<PlannedResource> all = plan.ofType(type).toList();
        if (all.size() != 1) {
            throw new AssertionError("expected one " + type + ", got " + all.size());
        }
        return all.get(0);
    }

    static PlannedResource named(Plan plan, String type, String name) {
        return plan.ofType(type).filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " named " + name));
    }

    @SuppressWarnings("unchecked")
    static <T> T at(Object root, String... path) {
        Object v = root;
        for (String p : path) {
            if (v instanceof Map<?, ?> m) {
                v = m.get(p);
            } else if (v instanceof List<?> l) {
                v = l.get(Integer.parseInt(p));
            } else {
                throw new AssertionError("no " + p + " in " + v);
            }
        }
        return (T) v;
    }
}
