package dev.mediaplane.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.StackConfig;
import dev.mediaplane.testing.RequiredTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every rendered script passes shellcheck (all severities) and bash's own parser. */
class ScriptShellcheckTest {

    static Map<String, String> scripts(String scenario) {
        StackConfig c = Scenarios.config(scenario);
        Bundle b = Renderer.render(c);
        Map<String, String> out = new LinkedHashMap<>();
        out.put("startup-script.sh", Renderer.startupScript(c, Scenarios.BUCKET, b.hash()));
        out.put("shutdown-script.sh", Renderer.shutdownScript(c));
        b.files().forEach((p, bytes) -> {
            String text = new String(bytes, StandardCharsets.UTF_8);
            if (p.startsWith("node/") && text.startsWith("#!/bin/bash")) {
                out.put(p.substring("node/".length()), text);
            }
        });
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyScriptPassesShellcheckAndBashN(String scenario, @TempDir Path tmp) throws Exception {
        Map<String, String> scripts = scripts(scenario);
        assertTrue(scripts.keySet().containsAll(List.of("startup-script.sh", "shutdown-script.sh", "mediaplane-drain.sh")),
                "scripts found: " + scripts.keySet());
        for (var e : scripts.entrySet()) {
            Path p = tmp.resolve(e.getKey());
            Files.writeString(p, e.getValue());
            Tools.Result syntax = Tools.run(List.of("bash", "-n", p.toString()), Map.of(), tmp);
            assertEquals(0, syntax.exit(), "bash -n " + e.getKey() + ":\n" + syntax.output());
        }
        RequiredTools.require("shellcheck");
        for (String name : scripts.keySet()) {
            Tools.Result r = Tools.run(List.of("shellcheck", "--shell=bash", "--severity=style", "--external-sources",
                    tmp.resolve(name).toString()), Map.of(), tmp);
            assertEquals(0, r.exit(), "shellcheck " + name + " (" + scenario + "):\n" + r.output());
        }
    }
}
