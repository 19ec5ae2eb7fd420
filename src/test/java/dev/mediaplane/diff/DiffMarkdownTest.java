package dev.mediaplane.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The PR comment stays under GitHub's limit whatever the change, and says what it cut. */
class DiffMarkdownTest {

    private static final String A = "a".repeat(64);
    private static final String B = "b".repeat(64);

    private static PlanDiff.ResourceChange firewall(int i) {
        return new PlanDiff.ResourceChange(PlanDiff.Kind.UPDATE, "gcp:compute/firewall:Firewall", "mp-dev-rule-" + i,
                Optional.empty(), Optional.of("mp-dev-network"),
                List.of(new PlanDiff.InputChange("sourceRanges", List.of("192.0.2.0/24"), List.of("203.0.113." + (i % 256) + "/32"),
                        false)), List.of());
    }

    private static PlanDiff.FileDiff bigFile(int bytes) {
        StringBuilder u = new StringBuilder("--- base/freeswitch/dialplan/public.xml\n+++ head/freeswitch/dialplan/public.xml\n@@ -1,1 +1,100000 @@\n");
        int line = 0;
        while (u.length() < bytes) {
            u.append("+    <extension name=\"e").append(line++).append("\"><condition field=\"destination_number\"/></extension>\n");
        }
        return new PlanDiff.FileDiff("freeswitch/dialplan/public.xml", "changed", u.toString());
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void aThousandResourcesAndAFiveMegabyteFileFitUnderTheLimit() {
        List<PlanDiff.ResourceChange> many = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            many.add(firewall(i));
        }
        PlanDiff.FileDiff file = bigFile(5 * 1024 * 1024);
        PlanDiff d = new PlanDiff("dev", many, A, B, List.of(file), List.of(),
                new PlanDiff.NodeImpact(List.of("mp-dev-node-0123456789"), "3", "OPPORTUNISTIC"));
        String md = DiffMarkdown.render(List.of(d), Map.of("dev", "flowchart LR\n  a --> b\n"));

        assertTrue(utf8(md) <= DiffMarkdown.LIMIT, "comment is " + utf8(md) + " bytes");
        assertTrue(utf8(md) > DiffMarkdown.LIMIT - 5_000, "the room is used, not thrown away: " + utf8(md));
        // The summary comes first and is never cut.
        assertTrue(md.startsWith(DiffMarkdown.MARKER + "\n## mediaplane diff\n\n| stack |"), md.substring(0, 200));
        assertTrue(md.contains("| dev | 0 | 1000 | 0 | 0 | yes: `aaaaaaaaaaaa` &rarr; `bbbbbbbbbbbb` | 3 (new instance template;"),
                md.substring(0, 600));
        // The largest section (the 5 MB file) is cut first, and the cut is said.
        assertTrue(md.contains("file <code>freeswitch/dialplan/public.xml</code> (changed)</summary>\n\n_Cut: "), "file cut");
        assertFalse(md.contains("<extension name=\"e100\">"), "the file's body is gone");
        assertTrue(md.contains("> [!NOTE]\n> This comment is cut"), "a note says what was cut");
        assertTrue(md.contains("left out; " + DiffMarkdown.FULL_DIFF), "sections left out are counted");
        // Resources that fit are shown in full, in order.
        assertTrue(md.contains("mp-dev-rule-0</b>"));
        assertTrue(md.contains("sourceRanges: [192.0.2.0/24] -> [203.0.113.0/32]"));
        assertEquals(md, DiffMarkdown.render(List.of(d), Map.of("dev", "flowchart LR\n  a --> b\n")), "deterministic");
    }

    @Test
    void aSmallDiffIsNotCut() {
        PlanDiff d = new PlanDiff("dev", List.of(firewall(1)), A, A, List.of(), List.of("mediaplane:eslPassword"),
                new PlanDiff.NodeImpact(List.of(), "0", "OPPORTUNISTIC"));
        String md = DiffMarkdown.render(List.of(d), Map.of());
        assertFalse(md.contains("Cut") || md.contains("[!NOTE]"), md);
        assertTrue(md.contains("| dev | 0 | 1 | 0 | 0 | no | 0 |"), md);
        assertTrue(md.contains("Secrets changed in dev: `mediaplane:eslPassword` (values are never shown)."), md);
    }

    @Test
    void fencesOutgrowBacktickRunsInRenderedFiles() {
        String body = "+ ```` four\n+ ``````` seven\n";
        String fenced = DiffMarkdown.fence("diff", body);
        assertTrue(fenced.startsWith("````````diff\n") && fenced.endsWith("\n````````\n"), fenced);
        assertEquals("a &lt;b&gt; \\| c &amp;", DiffMarkdown.escape("a <b> | c &"));
    }

    @Test
    void theLimitHoldsForEveryShape() {
        // Many huge sections, many tiny ones, one stack or several: never over the limit.
        for (int files : List.of(0, 1, 40)) {
            for (int resources : List.of(0, 10, 3000)) {
                List<PlanDiff.ResourceChange> rs = new ArrayList<>();
                for (int i = 0; i < resources; i++) {
                    rs.add(firewall(i));
                }
                List<PlanDiff.FileDiff> fs = new ArrayList<>();
                for (int i = 0; i < files; i++) {
                    fs.add(bigFile(200_000));
                }
                PlanDiff d = new PlanDiff("dev", rs, A, B, fs, List.of(), new PlanDiff.NodeImpact(List.of(), "0", "NONE"));
                PlanDiff p = new PlanDiff("prod", rs, A, B, fs, List.of(), new PlanDiff.NodeImpact(List.of(), "0", "NONE"));
                String md = DiffMarkdown.render(List.of(d, p), Map.of());
                assertTrue(utf8(md) <= DiffMarkdown.LIMIT, files + " files, " + resources + " resources: " + utf8(md));
                assertTrue(md.contains("| prod |"));
            }
        }
    }
}
