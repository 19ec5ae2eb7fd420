package dev.mediaplane.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The bundle carries each file's mode in MODES, covered by the manifest and the release hash. */
class BundleModesTest {

    @Test
    void everyExecutableTheContractNamesIs0755AndEveryOtherFile0644() {
        Bundle b = Renderer.render(Scenarios.config("dev"));
        Map<String, String> modes = b.modes();
        TreeMap<String, byte[]> files = new TreeMap<>(b.files());
        files.remove(Bundle.MODES);
        assertEquals(files.keySet(), modes.keySet(), "every file but MODES has exactly one mode");
        for (String x : NodeContract.STANDARD.units().executables()) {
            assertEquals("0755", modes.get("node/" + x), x);
        }
        // The agent jar is read by java, never executed: 0644 like every other non-script.
        assertEquals("0644", modes.get("node/" + NodeContract.STANDARD.units().agentJar()));
        modes.forEach((p, m) -> assertTrue(m.equals("0644") || NodeContract.STANDARD.units().executables()
                .contains(p.substring(p.indexOf('/') + 1)), p + " " + m));
        assertTrue(b.manifest().contains("  " + Bundle.MODES + "\n"), "the manifest covers MODES");
    }

    @Test
    void aModeChangeIsARelease() {
        Map<String, byte[]> f = Map.of("node/a", "x".getBytes(StandardCharsets.UTF_8));
        assertNotEquals(new Bundle(f, Set.of()).hash(), new Bundle(f, Set.of("node/a")).hash());
    }

    @Test
    void anExecutableOutsideTheBundleOrAFileNamedModesIsRefused() {
        Map<String, byte[]> f = Map.of("node/a", new byte[0]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Bundle(f, Set.of("node/b")));
        assertTrue(e.getMessage().contains("'node/b'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Bundle(Map.of("MODES", new byte[0])));
    }
}
