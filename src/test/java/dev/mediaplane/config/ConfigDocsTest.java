package dev.mediaplane.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Pulumi.yaml's config: block and the README's key table are generated from the catalogue. Stale
 * files fail here; {@code mvn -B -q test -Dtest=ConfigDocsTest -Ddocs.update=true} rewrites them.
 */
class ConfigDocsTest {

    private static final boolean UPDATE = Boolean.getBoolean("docs.update");
    private static final String HOW = "; regenerate with mvn -B -q test -Dtest=ConfigDocsTest -Ddocs.update=true";

    @Test
    void pulumiYamlConfigBlockIsGenerated() throws IOException {
        Path file = StackConfigFixtures.projectDir().resolve("Pulumi.yaml");
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int at = text.indexOf("\n" + ConfigDocs.PROJECT_CONFIG_LINE + "\n");
        assertTrue(at >= 0, "Pulumi.yaml has no top-level config: block");
        String expected = text.substring(0, at + 1) + ConfigDocs.projectConfigBlock();
        check(file, text, expected);
    }

    @Test
    void readmeKeyTableIsGenerated() throws IOException {
        Path file = StackConfigFixtures.projectDir().resolve("README.md");
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int begin = text.indexOf("<!-- config-keys:begin");
        int end = text.indexOf(ConfigDocs.README_END);
        assertTrue(begin >= 0 && end > begin, "README.md lost its config-keys markers");
        String expected = text.substring(0, begin) + ConfigDocs.readmeTable() + text.substring(end + ConfigDocs.README_END.length() + 1);
        check(file, text, expected);
    }

    @Test
    void yamlScalarsReadBackUnchanged() {
        for (String s : new String[] {"plain words.", "'quoted' first", "a: colon", "ends with colon:", "has # hash", "\"q\" and \\"}) {
            Object back = new org.snakeyaml.engine.v2.api.Load(org.snakeyaml.engine.v2.api.LoadSettings.builder().build())
                    .loadFromString("k: " + ConfigDocs.yamlScalar(s));
            assertEquals(java.util.Map.of("k", s), back, s);
        }
    }

    private static void check(Path file, String actual, String expected) throws IOException {
        if (UPDATE && !expected.equals(actual)) {
            Files.writeString(file, expected, StandardCharsets.UTF_8);
            return;
        }
        assertEquals(expected, actual, file.getFileName() + " is stale" + HOW);
    }
}
