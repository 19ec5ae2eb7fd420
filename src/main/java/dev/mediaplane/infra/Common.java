package dev.mediaplane.infra;

import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.mediaplane.config.StackConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.WeakHashMap;

/** Small helpers every component shares: child options and the label set. */
final class Common {

    private Common() {}

    /** Component -> the dependsOn it was created with; its children carry it (see {@link #inherit}). */
    private static final Map<Resource, Output<List<Resource>>> WAITS = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * Records a component's dependsOn so {@link #child} and {@link #component} give it to every child.
     * Pulumi does not: a child of a component created with dependsOn is registered without that
     * dependency and may be created first. {@link Component}'s constructor calls this for every component.
     */
    static void inherit(Resource component, ComponentResourceOptions options) {
        Output<List<Resource>> d = options.getDependsOn();
        if (d != null) {
            WAITS.put(component, d);
        }
    }

    /** Options of a child: parented to its component (so the URN tree mirrors the code), after what the component waits for. */
    static CustomResourceOptions child(Resource parent, Resource... after) {
        return childBuilder(parent, after).build();
    }

    /** {@link #child} as a builder, for children with more options. */
    static CustomResourceOptions.Builder childBuilder(Resource parent, Resource... after) {
        return CustomResourceOptions.builder().parent(parent).dependsOn(waits(parent, List.of(after)));
    }

    /** Options of a sub-component: parented, after {@code after} plus what the parent waits for. */
    static ComponentResourceOptions component(Resource parent, List<Resource> after) {
        return ComponentResourceOptions.builder().parent(parent).dependsOn(waits(parent, after)).build();
    }

    /** What a child of {@code parent} waits for: the parent's dependsOn plus {@code after}; null (Pulumi's unset) when neither. */
    private static Output<List<Resource>> waits(Resource parent, List<Resource> after) {
        Output<List<Resource>> inherited = WAITS.get(parent);
        if (inherited == null) {
            return after.isEmpty() ? null : Output.ofNullable(after);
        }
        return inherited.applyValue(l -> {
            List<Resource> all = new ArrayList<>(l);
            all.addAll(after);
            return all;
        });
    }

    /**
     * The stack's labels plus the fixed ones. Fixed keys win, so a user label cannot hide which
     * stack or component owns a resource.
     */
    static Map<String, String> labels(StackConfig config, String component) {
        Map<String, String> out = new TreeMap<>(config.labels());
        out.put("stack", labelValue(config.stack()));
        out.put("managed-by", "mediaplane");
        out.put("component", component);
        return out;
    }

    /** GCP label values are [a-z0-9_-]{0,63}; stack names may be wider. */
    static String labelValue(String raw) {
        String v = raw.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "-");
        return v.length() > 63 ? v.substring(0, 63) : v;
    }

    static String saMember(String email) {
        return "serviceAccount:" + email;
    }
}
