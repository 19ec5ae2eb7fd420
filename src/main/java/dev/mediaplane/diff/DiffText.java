package dev.mediaplane.diff;

import dev.mediaplane.plan.CanonicalJson;
import dev.mediaplane.plan.PlanPrinter;
import java.util.List;
import java.util.Map;

/** {@code mediaplane diff} for a terminal: the summary, one block per changed resource, then the file diffs. */
public final class DiffText {

    private DiffText() {}

    public static String render(PlanDiff d) {
        StringBuilder out = new StringBuilder();
        summary(out, d);
        if (!d.resources().isEmpty()) {
            out.append('\n');
        }
        for (PlanDiff.ResourceChange r : d.resources()) {
            resource(out, r, "    ");
        }
        for (PlanDiff.FileDiff f : d.files()) {
            out.append('\n').append(f.unified());
        }
        return out.toString();
    }

    /** The summary lines (stack counts, release, nodes, secrets, files) that start every text diff. */
    public static void summary(StringBuilder out, PlanDiff d) {
        out.append("stack ").append(d.stack()).append(": ");
        if (d.isEmpty()) {
            out.append("no changes\n");
            return;
        }
        out.append(d.count(PlanDiff.Kind.ADD)).append(" to add, ")
                .append(d.count(PlanDiff.Kind.UPDATE)).append(" to update, ")
                .append(d.count(PlanDiff.Kind.REPLACE)).append(" to replace, ")
                .append(d.count(PlanDiff.Kind.DELETE)).append(" to delete\n");
        out.append("release: ").append(d.releaseBefore());
        if (d.releaseBefore().equals(d.releaseAfter())) {
            out.append(" (unchanged)\n");
        } else {
            out.append(" -> ").append(d.releaseAfter()).append('\n');
        }
        if (!d.nodes().templatesReplaced().isEmpty()) {
            out.append("nodes on replaced instance templates: ").append(d.nodes().nodesOnReplacedTemplates())
                    .append(" (group update policy ").append(d.nodes().updatePolicy()).append(")\n");
        }
        if (!d.secretsChanged().isEmpty()) {
            out.append("secrets changed: ").append(String.join(", ", d.secretsChanged())).append(" (values never shown)\n");
        }
        out.append("files changed: ").append(d.files().size()).append('\n');
    }

    public static String symbol(PlanDiff.Kind k) {
        return switch (k) {
            case ADD -> "+";
            case UPDATE -> "~";
            case REPLACE -> "+-";
            case DELETE -> "-";
        };
    }

    public static void resource(StringBuilder out, PlanDiff.ResourceChange r, String indent) {
        out.append(symbol(r.kind())).append(' ').append(r.type()).append(' ').append(r.name())
                .append(" (").append(r.kind().name().toLowerCase(java.util.Locale.ROOT));
        r.previousName().ifPresent(p -> out.append(", was ").append(p));
        out.append(")\n");
        for (String why : r.reasons()) {
            out.append(indent).append("because ").append(why).append('\n');
        }
        if (r.kind() == PlanDiff.Kind.DELETE) {
            return;
        }
        for (PlanDiff.InputChange i : r.inputs()) {
            out.append(indent).append(i.path()).append(": ");
            if (r.kind() == PlanDiff.Kind.ADD) {
                out.append(show(i.after()));
            } else {
                out.append(show(i.before())).append(" -> ").append(show(i.after()));
                if (dev.mediaplane.plan.Plan.SECRET.equals(i.before()) && dev.mediaplane.plan.Plan.SECRET.equals(i.after())) {
                    out.append(" (changed)");
                }
                if (i.replaces()) {
                    out.append(" (forces replacement)");
                }
            }
            out.append('\n');
        }
    }

    /** One line per value: long and multi-line strings as size and hash (their text is in the file diffs). */
    static String show(Object v) {
        if (v == null) {
            return "(none)";
        }
        if (v instanceof String s) {
            return PlanPrinter.abbreviate(s);
        }
        if (v instanceof Map<?, ?> || v instanceof List<?>) {
            String compact = compact(v);
            return compact.length() <= 200 ? compact : PlanPrinter.abbreviate(CanonicalJson.write(v));
        }
        return String.valueOf(CanonicalJson.tree(v));
    }

    private static String compact(Object v) {
        if (v instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            new java.util.TreeMap<>(m.entrySet().stream().collect(java.util.stream.Collectors.toMap(
                    e -> String.valueOf(e.getKey()), Map.Entry::getValue))).forEach((k, x) ->
                    sb.append(sb.length() == 1 ? "" : ", ").append(k).append(": ").append(compact(x)));
            return sb.append('}').toString();
        }
        if (v instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < l.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(compact(l.get(i)));
            }
            return sb.append(']').toString();
        }
        return v instanceof String s ? PlanPrinter.abbreviate(s) : String.valueOf(v == null ? "null" : CanonicalJson.tree(v));
    }
}
