package dev.mediaplane.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** Pulumi.yaml is the documented contract of the stack config: it must match what the program reads. */
class ProjectFileTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> projectFile() throws IOException {
        String text = Files.readString(StackConfigFixtures.projectDir().resolve("Pulumi.yaml"));
        return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(text);
    }

    @Test
    @SuppressWarnings("unchecked")
    void declaresEveryKeyWithTheTypeTheParserReads() throws IOException {
        Map<String, Object> config = (Map<String, Object>) projectFile().get("config");
        Map<String, String> declared = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        config.forEach((key, decl) -> {
            Map<String, Object> d = (Map<String, Object>) decl;
            declared.put(key.substring(key.indexOf(':') + 1), (String) d.get("type"));
            String description = (String) d.get("description");
            if (description == null || description.isBlank()) {
                problems.add(key + " has no description");
            }
            boolean secret = Boolean.TRUE.equals(d.get("secret"));
            boolean isSecretKey = NodeSecret.byConfigKey(key.substring(key.indexOf(':') + 1)).isPresent();
            if (secret != isSecretKey) {
                problems.add(key + " secret=" + secret + " but the program treats it as " + (isSecretKey ? "secret" : "plain"));
            }
            if (!key.startsWith(ConfigParser.NS + ":")) {
                problems.add(key + " is outside the mediaplane namespace");
            }
            if ("array".equals(d.get("type")) && !(d.get("items") instanceof Map)) {
                problems.add(key + " is an array without items");
            }
            if (d.containsKey("default")) {
                problems.add(key + " declares a default; defaults live in ConfigParser so both loaders agree");
            }
        });
        assertEquals(List.of(), problems);
        assertEquals(new TreeMap<>(ConfigParser.SCHEMA), declared);
    }

    @Test
    @SuppressWarnings("unchecked")
    void runsThePrebuiltJar() throws IOException {
        Map<String, Object> runtime = (Map<String, Object>) projectFile().get("runtime");
        assertEquals("java", runtime.get("name"));
        assertEquals("target/mediaplane.jar", ((Map<String, Object>) runtime.get("options")).get("binary"));
    }
}
