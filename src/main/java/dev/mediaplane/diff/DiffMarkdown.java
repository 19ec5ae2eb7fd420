package dev.mediaplane.diff;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code mediaplane diff --format markdown}: the pull-request comment. A summary table (one row per
 * stack) first, then per stack the Mermaid picture of the head with changed elements marked and one
 * collapsible section per resource and per file. Never longer than {@link #LIMIT} bytes (GitHub
 * refuses comment bodies over 65,536 characters): the largest sections are cut first, each cut says
 * so, and when cutting bodies is not enough, the last sections are left out and counted.
 */
public final class DiffMarkdown {

    /** Upper bound of the comment in UTF-8 bytes (every character is at least one byte). */
    public static final int LIMIT = 60_000;

    /** Said wherever something was cut. */
    static final String FULL_DIFF = "the full diff is in the workflow run's `mediaplane-diff` artifact";

    /** First line of the comment; the workflow finds its sticky comment by it. */
    public static final String MARKER = "<!-- mediaplane-diff -->";

    /** Sections smaller than this are never shortened, only left out whole. */
    static final int MIN_CUT = 2_000;

    private DiffMarkdown() {}

    /** One collapsible section; {@code body} is markdown, already fenced. */
    private static final class Section {
        final String stack;
        /** Left out in this order when cutting is not enough: resources (0) first, then files (1), then pictures (2). */
        final int keep;
        final String summary;
        String body;
        boolean cut;

        Section(String stack, int keep, String summary, String body) {
            this.stack = stack;
            this.keep = keep;
            this.summary = summary;
            this.body = body;
        }

        String text() {
            return "<details><summary>" + summary + "</summary>\n\n" + body + "\n</details>\n\n";
        }
    }

    /** The comment for {@code diffs}; {@code pictures} maps a stack to its Mermaid flowchart (absent: none). */
    public static String render(List<PlanDiff> diffs, Map<String, String> pictures) {
        return render(diffs, pictures, LIMIT);
    }

    static String render(List<PlanDiff> diffs, Map<String, String> pictures, int limit) {
        StringBuilder head = new StringBuilder();
        head.append(MARKER).append('\n');
        head.append("## mediaplane diff\n\n");
        head.append("| stack | adds | changes | replaces | deletes | release changed | nodes a `pulumi up` would replace |\n");
        head.append("|---|---:|---:|---:|---:|---|---|\n");
        for (PlanDiff d : diffs) {
            boolean release = !d.releaseBefore().equals(d.releaseAfter());
            head.append("| ").append(escape(d.stack())).append(" | ").append(d.count(PlanDiff.Kind.ADD))
                    .append(" | ").append(d.count(PlanDiff.Kind.UPDATE))
                    .append(" | ").append(d.count(PlanDiff.Kind.REPLACE))
                    .append(" | ").append(d.count(PlanDiff.Kind.DELETE))
                    .append(" | ").append(release ? "yes: `" + d.releaseBefore().substring(0, 12) + "` &rarr; `"
                            + d.releaseAfter().substring(0, 12) + "`" : "no")
                    .append(" | ").append(nodes(d)).append(" |\n");
        }
        head.append('\n');
        for (PlanDiff d : diffs) {
            if (!d.secretsChanged().isEmpty()) {
                head.append("Secrets changed in ").append(escape(d.stack())).append(": ")
                        .append(String.join(", ", d.secretsChanged().stream().map(s -> "`" + s + "`").toList()))
                        .append(" (values are never shown).\n\n");
            }
        }
        List<Section> sections = new ArrayList<>();
        for (PlanDiff d : diffs) {
            String picture = pictures.get(d.stack());
            if (picture != null) {
                sections.add(new Section(d.stack(), 2, "Picture of " + escape(d.stack()) + " after the change (changed elements marked)",
                        fence("mermaid", picture)));
            }
            // A new release renames every release object (their names carry the hash): one section for them all,
            // one line each; their contents are in the file diffs below.
            List<PlanDiff.ResourceChange> renamedObjects = d.resources().stream().filter(DiffMarkdown::isRenamedObject).toList();
            if (!renamedObjects.isEmpty()) {
                StringBuilder body = new StringBuilder();
                for (PlanDiff.ResourceChange r : renamedObjects) {
                    body.append("+- ").append(r.name()).append(" (was ").append(r.previousName().orElseThrow()).append(')');
                    if (r.inputs().stream().anyMatch(i -> i.path().equals("content"))) {
                        body.append(", content changed");
                    }
                    body.append('\n');
                }
                sections.add(new Section(d.stack(), 0, escape(d.stack()) + ": <code>+-</code> replace " + renamedObjects.size()
                        + " release object" + (renamedObjects.size() == 1 ? "" : "s") + " (" + escape(OBJECT)
                        + ", names carry the release hash)", fence("", body.toString())));
            }
            for (PlanDiff.ResourceChange r : d.resources()) {
                if (isRenamedObject(r)) {
                    continue;
                }
                StringBuilder body = new StringBuilder();
                DiffText.resource(body, r, "    ");
                sections.add(new Section(d.stack(), 0, escape(d.stack()) + ": <code>" + DiffText.symbol(r.kind()) + "</code> "
                        + r.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + escape(r.type()) + " <b>"
                        + escape(r.name()) + "</b>", fence("", body.toString())));
            }
            for (PlanDiff.FileDiff f : d.files()) {
                sections.add(new Section(d.stack(), 1, escape(d.stack()) + ": file <code>" + escape(f.path()) + "</code> ("
                        + f.status() + ")", fence("diff", f.unified())));
            }
        }
        String foot = "<sub>Offline plan by `mediaplane diff`: the base's config, templates and scripts planned with the"
                + " head's Java program. Exit code 2 means changes.</sub>\n";
        return fit(head.toString(), sections, foot, limit);
    }

    static final String OBJECT = "gcp:storage/bucketObject:BucketObject";

    /** A bucket object replaced only because the release hash in its name moved. */
    private static boolean isRenamedObject(PlanDiff.ResourceChange r) {
        return r.type().equals(OBJECT) && r.kind() == PlanDiff.Kind.REPLACE && r.previousName().isPresent()
                && r.inputs().stream().allMatch(i -> i.path().equals("name") || i.path().equals("content"));
    }

    private static String nodes(PlanDiff d) {
        if (d.nodes().templatesReplaced().isEmpty()) {
            return "0";
        }
        return d.nodes().nodesOnReplacedTemplates() + " (new instance template; update policy " + d.nodes().updatePolicy() + ")";
    }

    /** Cuts the largest section bodies first, then leaves out trailing sections, until the text fits {@code limit}. */
    private static String fit(String head, List<Section> sections, String foot, int limit) {
        // Room for the notes that say what was cut.
        int reserve = 600;
        long total = bytes(head) + bytes(foot) + sections.stream().mapToLong(s -> bytes(s.text())).sum();
        int cutCount = 0;
        if (total > limit - reserve) {
            List<Section> bySize = new ArrayList<>(sections);
            bySize.sort(Comparator.comparingLong((Section s) -> bytes(s.body)).reversed());
            for (Section s : bySize) {
                // Cutting a small section saves little and loses it all: those are left out whole below instead.
                if (total <= limit - reserve || bytes(s.body) < MIN_CUT) {
                    break;
                }
                long before = bytes(s.text());
                s.body = "_Cut: " + bytes(s.body) + " bytes; " + FULL_DIFF + "._\n";
                s.cut = true;
                cutCount++;
                total += bytes(s.text()) - before;
            }
        }
        int omitted = 0;
        List<Section> kept = new ArrayList<>(sections);
        // Leave out the last resources first: the files and the picture say more per byte once cut short.
        List<Section> dropOrder = new ArrayList<>(sections);
        java.util.Collections.reverse(dropOrder);
        dropOrder.sort(Comparator.comparingInt((Section s) -> s.keep));
        for (Section s : dropOrder) {
            if (total <= limit - reserve) {
                break;
            }
            kept.remove(s);
            total -= bytes(s.text());
            omitted++;
        }
        StringBuilder out = new StringBuilder(head);
        if (cutCount > 0 || omitted > 0) {
            out.append("> [!NOTE]\n> This comment is cut to stay under GitHub's size limit: ");
            List<String> what = new ArrayList<>();
            if (cutCount > 0) {
                what.add(cutCount + " section" + (cutCount == 1 ? "" : "s") + " shortened (largest first)");
            }
            if (omitted > 0) {
                what.add(omitted + " more section" + (omitted == 1 ? "" : "s") + " left out");
            }
            out.append(String.join(", ", what)).append("; ").append(FULL_DIFF).append(".\n\n");
        }
        String stack = null;
        for (Section s : kept) {
            if (!s.stack.equals(stack)) {
                stack = s.stack;
                out.append("### ").append(escape(stack)).append("\n\n");
            }
            out.append(s.text());
        }
        if (omitted > 0) {
            out.append("_").append(omitted).append(" more section").append(omitted == 1 ? "" : "s")
                    .append(" (resources and files) left out; ").append(FULL_DIFF).append("._\n\n");
        }
        out.append(foot);
        return out.toString();
    }

    private static long bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static final Pattern BACKTICKS = Pattern.compile("`{3,}");

    /** A fenced block longer than any backtick run inside {@code text}, so rendered files cannot end it early. */
    static String fence(String lang, String text) {
        int longest = 2;
        Matcher m = BACKTICKS.matcher(text);
        while (m.find()) {
            longest = Math.max(longest, m.group().length());
        }
        String f = "`".repeat(longest + 1);
        return f + lang + "\n" + text + (text.endsWith("\n") ? "" : "\n") + f + "\n";
    }

    /** Text for HTML and table cells: the markup characters as entities, pipes escaped. */
    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|");
    }
}
