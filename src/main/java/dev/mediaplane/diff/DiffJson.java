package dev.mediaplane.diff;

import dev.mediaplane.plan.CanonicalJson;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code mediaplane diff --format json}: one document per run, keys sorted (CanonicalJson), schema
 * {@value #SCHEMA}:
 * <pre>
 * {"schema": "mediaplane.diff/v1", "changed": bool,
 *  "stacks": [{"stack", "changed",
 *     "summary": {"add", "update", "replace", "delete", "releaseChanged", "nodesOnReplacedTemplates", "updatePolicy"},
 *     "release": {"before", "after"}, "secretsChanged": ["mediaplane:KEY"], "templatesReplaced": [NAME],
 *     "resources": [{"kind": "add|update|replace|delete", "type", "name", "previousName", "parent",
 *                    "reasons": [TEXT], "inputs": [{"path", "before", "after", "replaces"}]}],
 *     "files": [{"path", "status": "added|removed|changed", "diff": UNIFIED}]}]}
 * </pre>
 * Absent values are {@code null}; secrets are {@code "[secret]"} on both sides.
 */
public final class DiffJson {

    public static final String SCHEMA = "mediaplane.diff/v1";

    private DiffJson() {}

    public static String render(List<PlanDiff> diffs) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", SCHEMA);
        doc.put("changed", diffs.stream().anyMatch(d -> !d.isEmpty()));
        List<Object> stacks = new ArrayList<>();
        diffs.forEach(d -> stacks.add(stack(d)));
        doc.put("stacks", stacks);
        return CanonicalJson.write(doc);
    }

    static Map<String, Object> stack(PlanDiff d) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("stack", d.stack());
        s.put("changed", !d.isEmpty());
        Map<String, Object> summary = new LinkedHashMap<>();
        for (PlanDiff.Kind k : PlanDiff.Kind.values()) {
            summary.put(k.name().toLowerCase(Locale.ROOT), d.count(k));
        }
        summary.put("releaseChanged", !d.releaseBefore().equals(d.releaseAfter()));
        summary.put("nodesOnReplacedTemplates", d.nodes().nodesOnReplacedTemplates());
        summary.put("updatePolicy", d.nodes().updatePolicy());
        s.put("summary", summary);
        s.put("release", Map.of("before", d.releaseBefore(), "after", d.releaseAfter()));
        s.put("secretsChanged", d.secretsChanged());
        s.put("templatesReplaced", d.nodes().templatesReplaced());
        List<Object> resources = new ArrayList<>();
        for (PlanDiff.ResourceChange r : d.resources()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", r.kind().name().toLowerCase(Locale.ROOT));
            m.put("type", r.type());
            m.put("name", r.name());
            m.put("previousName", r.previousName().orElse(null));
            m.put("parent", r.parent().orElse(null));
            m.put("reasons", r.reasons());
            List<Object> inputs = new ArrayList<>();
            for (PlanDiff.InputChange i : r.inputs()) {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("path", i.path());
                x.put("before", i.before());
                x.put("after", i.after());
                x.put("replaces", i.replaces());
                inputs.add(x);
            }
            m.put("inputs", inputs);
            resources.add(m);
        }
        s.put("resources", resources);
        List<Object> files = new ArrayList<>();
        for (PlanDiff.FileDiff f : d.files()) {
            files.add(Map.of("path", f.path(), "status", f.status(), "diff", f.unified()));
        }
        s.put("files", files);
        return s;
    }
}
