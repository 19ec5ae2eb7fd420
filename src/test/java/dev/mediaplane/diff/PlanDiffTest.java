package dev.mediaplane.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Diffs of fixture changes with known results, planned for real (mock engine) from two directories. */
class PlanDiffTest {

    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final String COE = "coe=coe-engine@mediaplane-dev-000000.iam.gserviceaccount.com";

    @TempDir
    Path tmp;

    private PlanDiff diff(Path base, Path head) {
        return PlanDiff.between(StackSide.plan(base, "dev", NOW), StackSide.plan(head, "dev", NOW));
    }

    private static Map<String, PlanDiff.ResourceChange> byKey(PlanDiff d) {
        return d.resources().stream().collect(Collectors.toMap(PlanDiff.ResourceChange::key, r -> r));
    }

    @Test
    void aTemplateChangeShowsTheXmlReplacesTheTemplateAndUpdatesTheGroup() {
        Path base = DiffFixtures.copyOfRepo(tmp.resolve("base"));
        Path head = DiffFixtures.copyOfRepo(tmp.resolve("head"));
        DiffFixtures.replaceOnce(head.resolve("templates/freeswitch/autoload_configs/switch.conf.xml.ftlx"),
                "<param name=\"max-db-handles\" value=\"50\"/>", "<param name=\"max-db-handles\" value=\"64\"/>");
        PlanDiff d = diff(base, head);

        assertFalse(d.releaseBefore().equals(d.releaseAfter()), "a template change is a new release");
        PlanDiff.FileDiff xml = d.files().stream().filter(f -> f.path().equals("freeswitch/autoload_configs/switch.conf.xml"))
                .findFirst().orElseThrow(() -> new AssertionError(d.files().toString()));
        assertEquals("changed", xml.status());
        assertTrue(xml.unified().startsWith("--- base/freeswitch/autoload_configs/switch.conf.xml\n"
                + "+++ head/freeswitch/autoload_configs/switch.conf.xml\n@@ "), xml.unified());
        assertTrue(xml.unified().contains("\n-    <param name=\"max-db-handles\" value=\"50\"/>\n"
                + "+    <param name=\"max-db-handles\" value=\"64\"/>\n"), xml.unified());
        // The rest of the bundle is untouched; the startup script carries the new release hash.
        assertEquals(List.of("boot/startup-script", "freeswitch/autoload_configs/switch.conf.xml"),
                d.files().stream().map(PlanDiff.FileDiff::path).toList());

        PlanDiff.ResourceChange template = d.resources().stream().filter(r -> r.type().equals(PlanDiff.TEMPLATE)).findFirst()
                .orElseThrow();
        assertEquals(PlanDiff.Kind.REPLACE, template.kind());
        assertTrue(template.previousName().isPresent() && !template.previousName().get().equals(template.name()), template.toString());
        assertTrue(template.reasons().get(0).contains("content hash"), template.reasons().toString());
        PlanDiff.ResourceChange mig = byKey(d).get(PlanDiff.MIG + " mp-dev-nodes");
        assertEquals(PlanDiff.Kind.UPDATE, mig.kind());
        assertEquals(List.of("versions[0].instanceTemplate"), mig.inputs().stream().map(PlanDiff.InputChange::path).toList());
        assertTrue(String.valueOf(mig.inputs().get(0).after()).contains("/" + template.name()));
        assertEquals("1", d.nodes().nodesOnReplacedTemplates());
        assertEquals(List.of(template.previousName().get()), d.nodes().templatesReplaced());
        // No firewall, bucket or secret moves for a template edit.
        assertTrue(d.resources().stream().noneMatch(r -> r.type().contains("firewall") || r.type().endsWith("Bucket")),
                d.resources().toString());
    }

    @Test
    void aFirewallSourceChangeShowsOnlyThatInput() {
        Path base = DiffFixtures.copyOfRepo(tmp.resolve("base"));
        Path head = DiffFixtures.copyOfRepo(tmp.resolve("head"));
        DiffFixtures.replaceOnce(head.resolve("Pulumi.dev.yaml"), "  mediaplane:controllerCidrs:\n    - 10.50.0.0/24\n",
                "  mediaplane:controllerCidrs:\n    - 10.50.0.0/24\n    - 10.51.0.0/24\n");
        PlanDiff d = diff(base, head);
        PlanDiff.ResourceChange fw = byKey(d).get("gcp:compute/firewall:Firewall mp-dev-allow-controller");
        assertEquals(PlanDiff.Kind.UPDATE, fw.kind(), "sourceRanges is updatable in place");
        assertEquals(List.of(new PlanDiff.InputChange("sourceRanges", List.of("10.50.0.0/24"),
                List.of("10.50.0.0/24", "10.51.0.0/24"), false)), fw.inputs());
        assertEquals(List.of(), fw.reasons());
        assertTrue(DiffText.render(d).contains("~ gcp:compute/firewall:Firewall mp-dev-allow-controller (update)\n"
                + "    sourceRanges: [10.50.0.0/24] -> [10.50.0.0/24, 10.51.0.0/24]\n"), DiffText.render(d));
        // The controllers' two rules (ESL and internal SIP; the agent's health and metrics port) follow the
        // ranges; the other rules did not move.
        assertEquals(List.of("mp-dev-allow-controller", "mp-dev-allow-controller-metrics"), d.resources().stream()
                .filter(r -> r.type().equals("gcp:compute/firewall:Firewall")).map(PlanDiff.ResourceChange::name).sorted().toList());
    }

    @Test
    void aChangedSecretShowsAsChangedAndNeverItsValue() {
        String before = "MARKER-OLD-7f3a91";
        String after = "MARKER-NEW-c2d8e4";
        Path base = DiffFixtures.copyOfRepo(tmp.resolve("base"));
        Path head = DiffFixtures.copyOfRepo(tmp.resolve("head"));
        DiffFixtures.append(base.resolve("Pulumi.dev.yaml"), "  mediaplane:eslPassword:\n    secure: v1:" + before + "\n");
        DiffFixtures.append(head.resolve("Pulumi.dev.yaml"), "  mediaplane:eslPassword:\n    secure: v1:" + after + "\n");
        PlanDiff d = diff(base, head);
        assertEquals(List.of("mediaplane:eslPassword"), d.secretsChanged());
        PlanDiff.ResourceChange version = byKey(d).get(PlanDiff.SECRET_VERSION + " mp-dev-esl-password-value");
        assertEquals(PlanDiff.Kind.REPLACE, version.kind(), "a new secret value is a new version");
        assertEquals(List.of(new PlanDiff.InputChange("secretData", "[secret]", "[secret]", true)), version.inputs());
        assertEquals(1, d.resources().size(), d.resources().toString());
        String text = DiffText.render(d);
        assertTrue(text.contains("secretData: [secret] -> [secret] (changed) (forces replacement)"), text);
        String json = DiffJson.render(List.of(d));
        String md = DiffMarkdown.render(List.of(d), Map.of());
        for (String out : List.of(text, json, md)) {
            assertFalse(out.contains(before) || out.contains(after), "a secret's value leaked:\n" + out);
            assertFalse(out.contains("7f3a91") || out.contains("c2d8e4"));
        }
        // The same value on both sides is no change at all.
        PlanDiff same = diff(base, base);
        assertTrue(same.isEmpty(), same.toString());
    }

    @Test
    void aNewResourceIsAddedAndARemovedOneDeleted() {
        Path base = DiffFixtures.copyOfRepo(tmp.resolve("base"));
        Path head = DiffFixtures.copyOfRepo(tmp.resolve("head"));
        DiffFixtures.append(head.resolve("Pulumi.dev.yaml"), "  mediaplane:recordingsEventSubscribers:\n    - " + COE + "\n");
        PlanDiff added = diff(base, head);
        List<PlanDiff.ResourceChange> adds = added.resources().stream().filter(r -> r.kind() == PlanDiff.Kind.ADD).toList();
        assertTrue(adds.stream().anyMatch(r -> r.type().equals("gcp:pubsub/subscription:Subscription")
                && r.name().equals("mp-dev-recording-events-coe")), adds.toString());
        PlanDiff.ResourceChange sub = adds.stream().filter(r -> r.name().equals("mp-dev-recording-events-coe")).findFirst().orElseThrow();
        assertTrue(sub.inputs().stream().allMatch(i -> i.before() == null && i.after() != null), sub.inputs().toString());
        assertEquals(0, added.count(PlanDiff.Kind.DELETE));

        PlanDiff removed = diff(head, base);
        List<PlanDiff.ResourceChange> deletes = removed.resources().stream().filter(r -> r.kind() == PlanDiff.Kind.DELETE).toList();
        assertEquals(adds.stream().map(PlanDiff.ResourceChange::key).sorted().toList(),
                deletes.stream().map(PlanDiff.ResourceChange::key).sorted().toList(), "the reverse diff deletes what the forward adds");
        assertTrue(DiffText.render(removed).contains("- gcp:pubsub/subscription:Subscription mp-dev-recording-events-coe (delete)\n"));
        assertEquals(Optional.empty(), deletes.get(0).previousName());
    }

    @Test
    void forceNewFieldsReplace() {
        Path base = DiffFixtures.copyOfRepo(tmp.resolve("base"));
        Path head = DiffFixtures.copyOfRepo(tmp.resolve("head"));
        // A bucket's location is ForceNew: GCS cannot move a bucket.
        DiffFixtures.append(head.resolve("Pulumi.dev.yaml"), "  mediaplane:recordingsLocation: EU\n");
        PlanDiff d = diff(base, head);
        PlanDiff.ResourceChange bucket = byKey(d).get("gcp:storage/bucket:Bucket mediaplane-dev-000000-mp-dev-recordings");
        assertEquals(PlanDiff.Kind.REPLACE, bucket.kind(), bucket.toString());
        assertEquals(List.of("location cannot be updated in place"), bucket.reasons());
    }
}
