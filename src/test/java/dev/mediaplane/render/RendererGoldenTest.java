package dev.mediaplane.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.mediaplane.config.StackConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every rendered file of each scenario equals its golden copy byte for byte.
 * Regenerate after an intended change with {@code mvn test -Dtest=RendererGoldenTest -Dgolden.update=true}
 * and review the diff.
 */
class RendererGoldenTest {

    static Map<String, byte[]> rendered(String scenario) {
        StackConfig config = Scenarios.config(scenario);
        Bundle bundle = Renderer.render(config);
        Map<String, byte[]> out = new TreeMap<>();
        bundle.files().forEach((p, b) -> out.put("bundle/" + p, b));
        out.put("bundle/MANIFEST.sha256", bundle.manifest().getBytes(StandardCharsets.UTF_8));
        out.put("startup-script.sh", Renderer.startupScript(config, Scenarios.BUCKET, bundle.hash())
                .getBytes(StandardCharsets.UTF_8));
        out.put("shutdown-script.sh", Renderer.shutdownScript(config).getBytes(StandardCharsets.UTF_8));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyRenderedFileMatchesItsGoldenCopy(String scenario) throws IOException {
        Path dir = Scenarios.projectDir().resolve("src/test/resources/golden").resolve(scenario);
        Map<String, byte[]> files = rendered(scenario);
        if (Boolean.getBoolean("golden.update")) {
            if (Files.exists(dir)) {
                try (Stream<Path> s = Files.walk(dir)) {
                    for (Path p : s.sorted((a, b) -> b.compareTo(a)).toList()) {
                        Files.delete(p);
                    }
                }
            }
            for (var e : files.entrySet()) {
                Path p = dir.resolve(e.getKey());
                Files.createDirectories(p.getParent());
                Files.write(p, e.getValue());
            }
            return;
        }
        TreeSet<String> golden = new TreeSet<>();
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.filter(Files::isRegularFile).forEach(p -> golden.add(dir.relativize(p).toString().replace('\\', '/')));
            }
        }
        List<String> problems = new ArrayList<>();
        for (String g : golden) {
            if (!files.containsKey(g)) {
                problems.add("golden file " + g + " is no longer rendered");
            }
        }
        for (var e : files.entrySet()) {
            if (!golden.contains(e.getKey())) {
                problems.add("rendered file " + e.getKey() + " has no golden copy");
                continue;
            }
            byte[] want = Files.readAllBytes(dir.resolve(e.getKey()));
            if (!java.util.Arrays.equals(want, e.getValue())) {
                problems.add("rendered file " + e.getKey() + " differs from its golden copy:\n"
                        + diff(new String(want, StandardCharsets.UTF_8), new String(e.getValue(), StandardCharsets.UTF_8)));
            }
        }
        if (!problems.isEmpty()) {
            fail("scenario " + scenario + ": " + problems.size() + " problem(s); if intended, regenerate with"
                    + " -Dgolden.update=true and review the diff\n" + String.join("\n", problems));
        }
        assertEquals(golden, new TreeSet<>(files.keySet()));
    }

    /** First differing lines with context: enough to see what changed without a diff tool. */
    static String diff(String want, String got) {
        String[] a = want.split("\n", -1);
        String[] b = got.split("\n", -1);
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < Math.max(a.length, b.length) && shown < 20; i++) {
            String x = i < a.length ? a[i] : "<end of file>";
            String y = i < b.length ? b[i] : "<end of file>";
            if (!x.equals(y)) {
                sb.append(String.format("  line %d%n    - %s%n    + %s%n", i + 1, x, y));
                shown++;
            }
        }
        return sb.toString();
    }
}
