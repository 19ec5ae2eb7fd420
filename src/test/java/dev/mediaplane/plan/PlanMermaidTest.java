package dev.mediaplane.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.config.StackFileLoader;
import dev.mediaplane.testing.RequiredTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stack picture: parsed by Mermaid's own parser (npm, under node), and its graph checked for what it must show. */
class PlanMermaidTest {

    private static final Instant NOW = Instant.parse("2026-12-02T00:00:00Z");
    private static LoadedConfig dev;
    private static LoadedConfig prod;
    private static Plan devPlan;
    private static Plan prodPlan;

    @TempDir
    Path tmp;

    @BeforeAll
    static void plan() {
        dev = StackFileLoader.load(Path.of(""), "dev");
        prod = StackFileLoader.load(Path.of(""), "prod");
        devPlan = PlanRunner.run(dev, NOW);
        prodPlan = PlanRunner.run(prod, NOW);
    }

    @Test
    void mermaidsOwnParserAcceptsEveryPicture() throws Exception {
        RequiredTools.require("node");
        Path checker = Path.of("src/test/mermaid").toAbsolutePath();
        if (!Files.isDirectory(checker.resolve("node_modules/mermaid"))) {
            String msg = "Mermaid's parser is not installed: bin/setup runs npm ci in " + checker;
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(msg);
            }
            Assumptions.abort(msg);
        }
        List<String> args = new ArrayList<>(List.of("node", checker.resolve("parse.mjs").toString()));
        String changed = PlanMermaid.render(devPlan, dev.config(), Set.of(
                "gcp:compute/firewall:Firewall mp-dev-allow-sip-tls",
                PlanMermaid.TEMPLATE + " " + devPlan.ofType(PlanMermaid.TEMPLATE).findFirst().orElseThrow().name(),
                "gcp:storage/bucket:Bucket mediaplane-dev-000000-mp-dev-recordings"));
        for (var e : List.of(List.of("dev", PlanMermaid.render(devPlan, dev.config())),
                List.of("prod", PlanMermaid.render(prodPlan, prod.config())), List.of("dev-changed", changed),
                List.of("broken", "flowchart LR\n  a[[broken\n"))) {
            Path f = tmp.resolve(e.get(0) + ".mmd");
            Files.writeString(f, e.get(1));
            args.add(f.toString());
        }
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the parser did not finish");
        for (String name : List.of("dev", "prod", "dev-changed")) {
            assertTrue(out.contains(tmp.resolve(name + ".mmd") + ": ok flowchart"), name + ":\n" + out);
        }
        // The check can fail: a broken flowchart is refused.
        assertTrue(out.contains(tmp.resolve("broken.mmd") + ": FAILED"), out);
        assertEquals(1, p.exitValue(), out);
    }

    private static final Pattern NODE = Pattern.compile("^ {2,4}([A-Za-z0-9_]+)\\[\"[^\"]*\"\\]$");
    private static final Pattern SUBGRAPH = Pattern.compile("^  subgraph ([A-Za-z0-9_]+)\\[\"[^\"]*\"\\]$");
    private static final Pattern EDGE = Pattern.compile("^  ([A-Za-z0-9_]+) -->(?:\\|\"([^\"]*)\"\\|)? ([A-Za-z0-9_]+)$");

    /** Every line is one of the few forms the renderer writes; edges join declared ids; subgraphs close. */
    private static List<String[]> edges(String chart) {
        List<String[]> edges = new ArrayList<>();
        Set<String> ids = new TreeSet<>();
        int depth = 0;
        List<String> lines = chart.lines().toList();
        assertEquals("flowchart LR", lines.get(0));
        for (String line : lines.subList(1, lines.size())) {
            Matcher m;
            if ((m = SUBGRAPH.matcher(line)).matches()) {
                assertTrue(ids.add(m.group(1)), "duplicate id " + m.group(1));
                depth++;
            } else if (line.equals("  end")) {
                depth--;
                assertTrue(depth >= 0, "end without subgraph");
            } else if ((m = NODE.matcher(line)).matches()) {
                assertTrue(ids.add(m.group(1)), "duplicate id " + m.group(1));
            } else if ((m = EDGE.matcher(line)).matches()) {
                assertTrue(ids.contains(m.group(1)) && ids.contains(m.group(3)), "edge to an undeclared id: " + line);
                edges.add(new String[] {m.group(1), m.group(2), m.group(3)});
            } else if (!line.startsWith("  classDef changed ") && !line.startsWith("  class ") && !line.startsWith("  linkStyle ")) {
                throw new AssertionError("unexpected line: " + line);
            }
        }
        assertEquals(0, depth, "unclosed subgraph");
        return edges;
    }

    @Test
    void thePictureShowsRangesRulesFleetLbStorageEventsSecretsAndAlerts() {
        String d = PlanMermaid.render(devPlan, dev.config());
        List<String[]> edges = edges(d);
        assertTrue(edges.stream().anyMatch(e -> e[0].contains("trunk_signalling") && "mp-dev-allow-sip-tls: tcp 5061".equals(e[1])
                && e[2].equals("fleet")), d);
        assertTrue(edges.stream().anyMatch(e -> e[0].contains("trunk_media") && "mp-dev-allow-rtp: udp 16384-32767".equals(e[1])), d);
        assertTrue(edges.stream().anyMatch(e -> e[0].contains("controllers") && "mp-dev-allow-controller: tcp 8021,5080".equals(e[1])), d);
        assertTrue(d.contains("[\"trunk signalling<br/>192.0.2.0/24\"]"), d);
        assertTrue(d.contains("release_stable[\"stable release "), d);
        assertTrue(d.contains("zone_europe_west1_b[\"europe-west1-b<br/>nodes: 1\"]"), d);
        assertTrue(d.contains("bucket mediaplane-dev-000000-mp-dev-recordings"), d);
        assertTrue(d.contains("topic mp-dev-recording-events"), d);
        assertTrue(d.contains("secret_mp_dev_esl_password"), d);
        assertTrue(d.contains("mediaplane dev: node down"), d);
        assertFalse(d.contains("classDef"), "nothing marked without changes");

        String p = PlanMermaid.render(prodPlan, prod.config());
        edges(p);
        assertTrue(p.contains("subgraph ilb[\"internal load balancer"), "prod has several nodes behind an ILB:\n" + p);
        assertTrue(edges(p).stream().anyMatch(e -> e[0].equals("ilb") && e[2].equals("fleet")));
        assertEquals(p, PlanMermaid.render(PlanRunner.run(prod, NOW), prod.config()), "deterministic");
    }

    @Test
    void changedElementsAreMarked() {
        String template = devPlan.ofType(PlanMermaid.TEMPLATE).findFirst().orElseThrow().name();
        String d = PlanMermaid.render(devPlan, dev.config(), Set.of("gcp:compute/firewall:Firewall mp-dev-allow-sip-tls",
                PlanMermaid.TEMPLATE + " " + template));
        List<String[]> edges = edges(d);
        int sipTls = -1;
        for (int i = 0; i < edges.size(); i++) {
            if (edges.get(i)[1] != null && edges.get(i)[1].startsWith("mp-dev-allow-sip-tls:")) {
                sipTls = i;
            }
        }
        assertTrue(d.contains("\n  class release_stable changed\n"), d);
        assertTrue(d.contains("\n  linkStyle " + sipTls + " stroke:"), "the changed rule's edge (index " + sipTls + ")\n" + d);
    }

    @Test
    void idsAndLabelsAreSanitized() {
        assertEquals("bucket_a_b_c__d", PlanMermaid.id("bucket", "a-b.c/\u00e9d"));
        assertEquals("\"x #quot;y#quot; #lt;b#gt; #35;1<br/>two\"", PlanMermaid.label("x \"y\" <b> #1", "two"));
    }
}
