package dev.mediaplane.ops.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.ops.release.StackFileEditor.Change;
import dev.mediaplane.ops.release.StackFileEditor.UneditableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Golden before/after files of the stack-file edits the release commands make. Regenerate with
 * {@code -Dgolden.update=true} and review the diff of src/test/resources/ops/release.
 */
class StackFileEditorTest {

    static final Path DIR = Path.of("src/test/resources/ops/release");
    static final String STABLE = "5f0c3a9e1b2d4c6f8a7e9d0b1c2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a";
    static final String NEW = "0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b";

    private static String read(String name) throws IOException {
        return Files.readString(DIR.resolve(name), StandardCharsets.UTF_8);
    }

    private static void golden(String before, String after, List<Change> changes) throws IOException {
        String got = StackFileEditor.of(read(before)).apply(changes);
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(DIR.resolve(after), got, StandardCharsets.UTF_8);
        }
        assertEquals(read(after), got, before + " -> " + after + " (regenerate with -Dgolden.update=true if intended)");
        // Outside the edited keys' lines, every line of the input is in the output, in order.
        List<String> keys = changes.stream().map(Change::key).toList();
        List<String> kept = read(before).lines().filter(l -> keys.stream().noneMatch(k -> l.strip().startsWith(k + ":"))).toList();
        List<String> out = got.lines().filter(l -> keys.stream().noneMatch(k -> l.strip().startsWith(k + ":"))).toList();
        assertEquals(kept, out, "lines outside the edited keys");
    }

    @Test
    void canaryStartAddsBothKeysAtTheEndOfConfigInOrder() throws IOException {
        golden("before.yaml", "after-canary-start.yaml", List.of(
                Change.set("mediaplane:releaseStable", STABLE, "mediaplane:releaseCanarySize"),
                Change.set("mediaplane:releaseCanarySize", 1, "mediaplane:releaseStable")));
    }

    @Test
    void rollbackRemovesOnlyTheCanarySize() throws IOException {
        golden("before-canary.yaml", "after-rollback.yaml", List.of(Change.remove("mediaplane:releaseCanarySize")));
    }

    @Test
    void promoteRemovesBothKeys() throws IOException {
        golden("before-canary.yaml", "after-promote.yaml", List.of(
                Change.remove("mediaplane:releaseStable"), Change.remove("mediaplane:releaseCanarySize")));
    }

    @Test
    void aSetReplacesTheValueAndKeepsTheTrailingComment() throws IOException {
        golden("before-canary.yaml", "after-repin.yaml", List.of(
                Change.set("mediaplane:releaseStable", NEW), Change.set("mediaplane:releaseCanarySize", 2)));
        assertTrue(read("after-repin.yaml").contains("releaseStable: " + NEW + "  # stable\n"));
    }

    @Test
    void settingTheSameValueChangesNoByte() throws IOException {
        String before = read("before-canary.yaml");
        assertEquals(before, StackFileEditor.of(before).apply(List.of(Change.set("mediaplane:releaseStable", STABLE),
                Change.set("mediaplane:releaseCanarySize", 1), Change.remove("mediaplane:absent"))));
    }

    @Test
    void anAllDigitHashIsQuotedSoItStaysAString() {
        String digits = "1".repeat(64);
        String out = StackFileEditor.of("config:\n  a: 1\n").apply(List.of(Change.set("mediaplane:releaseStable", digits)));
        assertEquals("config:\n  a: 1\n  mediaplane:releaseStable: \"" + digits + "\"\n", out);
        assertEquals(digits, StackFileEditor.of(out).config().get("mediaplane:releaseStable"));
    }

    @Test
    void crlfAndAMissingFinalNewlineAreKept() {
        String crlf = "# c\r\nconfig:\r\n  a: 1\r\n  b: x # k\r\n";
        assertEquals("# c\r\nconfig:\r\n  a: 1\r\n  b: x # k\r\n  c: 3\r\n",
                StackFileEditor.of(crlf).apply(List.of(Change.set("c", 3))));
        assertEquals("# c\r\nconfig:\r\n  a: 1\r\n  b: y # k\r\n", StackFileEditor.of(crlf).apply(List.of(Change.set("b", "y"))));
        assertEquals("config:\n  a: 1\n  c: 3", StackFileEditor.of("config:\n  a: 1").apply(List.of(Change.set("c", 3))));
        assertEquals("config:\n  b: 2\n", StackFileEditor.of("config:\n  a: 1\n  b: 2\n").apply(List.of(Change.remove("a"))));
    }

    @Test
    void aKeyAfterASequenceLandsAfterItsItemsNotAfterTheFollowingComment() {
        String in = "config:\n  z:\n    - a\n    - b\n\n  # about y\n  y: 1\n";
        assertEquals("config:\n  z:\n    - a\n    - b\n  n: 2\n\n  # about y\n  y: 1\n",
                StackFileEditor.of(in).apply(List.of(Change.set("n", 2, "z"))));
        assertEquals("config:\n\n  # about y\n  y: 1\n", StackFileEditor.of(in).apply(List.of(Change.remove("z"))));
    }

    @Test
    void filesItCannotEditSafelyAreRefusedWithTheReason() {
        Map<String, String> cases = Map.of(
                "config: {a: 1}\n", "flow style",
                "config:\n  a: |\n    x\n", "spans several lines",
                "config:\n  a: 1\n  a: 2\n", "given twice",
                "config:\n\t a: 1\n", "tabs",
                "name: x\n", "no config: mapping",
                "config:\n  a: &x 1\n  b: *x\n", "anchor",
                "config: [1]\n", "not a mapping",
                "config:\n  a: [1,\n", "not valid YAML");
        cases.forEach((yaml, why) -> {
            UneditableException e = assertThrows(UneditableException.class,
                    () -> StackFileEditor.of(yaml).apply(List.of(Change.set("a", "v"))), yaml);
            assertTrue(e.getMessage().contains(why), yaml + " -> " + e.getMessage());
        });
    }
}
