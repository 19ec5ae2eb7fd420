package dev.mediaplane.infra;

import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.mediaplane.config.StackConfig;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Small helpers every component shares: child options and the label set. */
final class Common {

    private Common() {}

    /** Options of a child: parented to its component, so the URN tree mirrors the code. */
    static CustomResourceOptions child(Resource parent) {
        return CustomResourceOptions.builder().parent(parent).build();
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
