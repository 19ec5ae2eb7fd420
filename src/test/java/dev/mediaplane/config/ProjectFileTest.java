package dev.mediaplane.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Pulumi.yaml is the documented contract of the stack config: read back as YAML, every declared
 * key matches its catalogue row field by field, whatever text produced the file.
 */
class ProjectFileTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> projectFile() throws IOException {
        String text = Files.readString(StackConfigFixtures.projectDir().resolve("Pulumi.yaml"));
        return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(text);
    }

    @Test
    @SuppressWarnings("unchecked")
    void declaresEveryKeyAsItsCatalogueRow() throws IOException {
        Map<String, Object> config = (Map<String, Object>) projectFile().get("config");
        List<String> problems = new ArrayList<>();
        Set<String> rows = new TreeSet<>();
        for (ConfigKey row : ConfigKeys.mediaplane()) {
            rows.add(row.name());
            Object decl = config.get(row.name());
            if (!(decl instanceof Map)) {
                problems.add(row.name() + " is not declared");
                continue;
            }
            Map<String, Object> d = new LinkedHashMap<>((Map<String, Object>) decl);
            expect(problems, row, "type", row.type().pulumi(), d.remove("type"));
            expect(problems, row, "description", ConfigDocs.projectDescription(row), d.remove("description"));
            expect(problems, row, "secret", row.secret() ? Boolean.TRUE : null, d.remove("secret"));
            expect(problems, row, "items", row.type() == ConfigKey.Type.ARRAY ? Map.of("type", "string") : null, d.remove("items"));
            // A default: would be applied by the engine only; the program applies defaults so both loaders agree.
            if (!d.isEmpty()) {
                problems.add(row.name() + " declares fields the catalogue has no place for: " + d.keySet());
            }
        }
        for (String key : config.keySet()) {
            if (!rows.contains(key)) {
                problems.add(key + " is declared but has no row in ConfigKeys");
            }
        }
        assertEquals(List.of(), problems);
    }

    private static void expect(List<String> problems, ConfigKey row, String field, Object want, Object got) {
        if (!java.util.Objects.equals(want, got)) {
            problems.add(String.format("%s %s: catalogue says %s, Pulumi.yaml says %s", row.name(), field, want, got));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void runsThePrebuiltJar() throws IOException {
        Map<String, Object> runtime = (Map<String, Object>) projectFile().get("runtime");
        assertEquals("java", runtime.get("name"));
        assertEquals("target/mediaplane.jar", ((Map<String, Object>) runtime.get("options")).get("binary"));
    }
}
