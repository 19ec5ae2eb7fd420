package dev.mediaplane.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlanPrinterTest {

    /** Regenerate with {@code mvn test -Dtest=PlanPrinterTest -Dgolden.update=true}, then review the diff. */
    private static final Path GOLDEN = Path.of("src/test/resources/golden/plan");

    @Test
    void jsonIsOneParseableDocumentWithSecretsMasked() {
        String json = PlanPrinter.json(PlanFixtures.compliant());
        JsonObject doc = JsonParser.parseString(json).getAsJsonObject();
        assertEquals("test", doc.get("stack").getAsString());
        JsonArray resources = doc.getAsJsonArray("resources");
        assertEquals(PlanFixtures.compliant().resources().size(), resources.size());
        JsonObject version = null;
        for (var e : resources) {
            if (e.getAsJsonObject().get("name").getAsString().equals("mp-test-esl-password-v")) {
                version = e.getAsJsonObject();
            }
        }
        assertEquals(Plan.SECRET, version.getAsJsonObject("inputs").get("secretData").getAsString());
        assertEquals("mp-test-secrets", version.get("parent").getAsString());
        assertTrue(resources.get(0).getAsJsonObject().get("parent").isJsonNull(), "root parent is explicit null");
        assertEquals(Plan.UNKNOWN, doc.getAsJsonObject("outputs").get("nodeServiceAccount").getAsString());
        assertTrue(json.endsWith("}\n"));
    }

    @Test
    void jsonKeysAreSortedAndWholeNumbersHaveNoFraction() {
        String json = PlanPrinter.json(PlanFixtures.compliant());
        assertTrue(json.indexOf("\"outputs\"") < json.indexOf("\"resources\"")
                && json.indexOf("\"resources\"") < json.indexOf("\"stack\""), json);
        int a = json.indexOf("\"block-project-ssh-keys\"");
        int b = json.indexOf("\"enable-oslogin\"");
        int c = json.indexOf("\"startup-script\"");
        assertTrue(a > 0 && a < b && b < c, "metadata keys in order");
        assertTrue(json.contains("\"diskSizeGb\": 30,"), "30.0 prints as 30");
        assertTrue(json.contains("\"flowSampling\": 0.5"));
    }

    @Test
    void sameBytesWhateverTheMapInsertionOrder() {
        Plan plan = PlanFixtures.compliant();
        List<PlannedResource> shuffled = new ArrayList<>();
        for (PlannedResource r : plan.resources()) {
            shuffled.add(new PlannedResource(r.type(), r.name(), r.parent(), reversed(r.inputs())));
        }
        Plan same = new Plan(plan.stack(), shuffled, reversed(plan.outputs()));
        assertEquals(PlanPrinter.json(plan), PlanPrinter.json(same));
        assertEquals(PlanPrinter.tree(plan), PlanPrinter.tree(same));
    }

    @Test
    void treeNestsResourcesUnderTheirComponents() {
        String tree = PlanPrinter.tree(PlanFixtures.compliant());
        List<String> lines = tree.lines().toList();
        assertEquals("stack test", lines.get(0));
        int root = indexOf(lines, "mediaplane:gcp:MediaPlane mp-test");
        int fleet = indexOf(lines, "mediaplane:gcp:Fleet mp-test-fleet");
        int template = indexOf(lines, PlanFixtures.TEMPLATE + " mp-test-node-template");
        assertTrue(root < fleet && fleet < template);
        assertTrue(indent(lines.get(root)) < indent(lines.get(fleet)) && indent(lines.get(fleet)) < indent(lines.get(template)),
                tree);
        assertTrue(lines.get(template + 1).strip().startsWith("canIpForward: false"), tree);
        assertTrue(indent(lines.get(template + 1)) > indent(lines.get(template)));
    }

    @Test
    void treeAbbreviatesLongStringsAndKeepsListsAndNumbersCompact() throws Exception {
        String tree = PlanPrinter.tree(PlanFixtures.compliant());
        byte[] script = PlanFixtures.STARTUP_SCRIPT.getBytes(StandardCharsets.UTF_8);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(script)).substring(0, 12);
        assertTrue(tree.contains("startup-script: <" + script.length + " bytes sha256:" + sha + ">"), tree);
        assertFalse(tree.contains("gsutil"), "script body is not printed");
        assertTrue(tree.contains("sourceRanges: [35.191.0.0/16, 130.211.0.0/22]"), tree);
        assertTrue(tree.contains("diskSizeGb: 30\n"), tree);
        assertTrue(tree.contains("- ports: [22]\n"), tree);
        assertTrue(tree.contains("member: serviceAccount:mp-test-node@mediaplane-test-000000.iam.gserviceaccount.com\n"),
                "one-line values up to 120 chars stay readable");
        assertTrue(tree.contains("secretData: [secret]"), tree);
        assertTrue(tree.contains("shieldedInstanceConfig: {enableIntegrityMonitoring: true, enableSecureBoot: true, "
                + "enableVtpm: true}\n"), "small maps of scalars stay on one line");
        assertTrue(tree.contains("      metadata:\n"), "maps with long values nest");
    }

    @Test
    void orphansAndCyclesStillPrintEveryResourceOnce() {
        Plan p = new Plan("x", List.of(
                PlanFixtures.res("mediaplane:gcp:A", "a", "b", Map.of()),
                PlanFixtures.res("mediaplane:gcp:B", "b", "a", Map.of()),
                PlanFixtures.res("gcp:compute/network:Network", "n", "missing", Map.of("mtu", 1460.0))), Map.of());
        String tree = PlanPrinter.tree(p);
        assertTrue(tree.contains("gcp:compute/network:Network n\n"), tree);
        assertTrue(tree.contains("mtu: 1460\n"), tree);
    }

    @Test
    void goldenOutputs() throws IOException {
        Plan plan = PlanFixtures.compliant();
        golden("compliant.tree.txt", PlanPrinter.tree(plan));
        golden("compliant.json", PlanPrinter.json(plan));
    }

    private static void golden(String name, String actual) throws IOException {
        Path file = GOLDEN.resolve(name);
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(GOLDEN);
            Files.writeString(file, actual, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(file, StandardCharsets.UTF_8), actual, name + " differs; rerun with -Dgolden.update=true and review");
    }

    private static int indexOf(List<String> lines, String suffix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).endsWith(suffix)) {
                return i;
            }
        }
        throw new AssertionError("no line ending with " + suffix);
    }

    private static int indent(String line) {
        int i = 0;
        while (i < line.length() && !Character.isLetter(line.charAt(i))) {
            i++;
        }
        return i;
    }

    @SuppressWarnings("unchecked")
    private static <V> Map<String, V> reversed(Map<String, V> m) {
        List<String> keys = new ArrayList<>(m.keySet());
        Collections.reverse(keys);
        Map<String, V> out = new LinkedHashMap<>();
        for (String k : keys) {
            V v = m.get(k);
            out.put(k, v instanceof Map<?, ?> sub ? (V) reversed((Map<String, Object>) sub) : v);
        }
        return out;
    }
}
