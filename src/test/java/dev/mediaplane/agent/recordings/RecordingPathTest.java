package dev.mediaplane.agent.recordings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordingPathTest {
    @TempDir Path tmp;

    @Test
    void theContractPathMapsToTheObjectNames() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("rec"));
        Path f = Files.createDirectories(root.resolve("org_2/CA.02")).resolve("r-1.wav");
        Files.write(f, new byte[] {1});
        RecordingPath p = RecordingPath.check(root, root.toRealPath(), f);
        assertEquals("org/org_2/recordings/CA.02/r-1.wav", p.object());
        assertEquals("org/org_2/recordings/CA.02/r-1.manifest.json", p.manifestObject());
    }

    @Test
    void everythingElseIsRejectedWithAReason() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("rec"));
        Path outside = Files.writeString(tmp.resolve("outside.wav"), "x");
        Files.createDirectories(root.resolve("o/c/sub"));
        Files.createDirectories(root.resolve("o 1/c"));
        Files.write(root.resolve("o/c/sub/r.wav"), new byte[] {1});
        Files.write(root.resolve("o 1/c/r.wav"), new byte[] {1});
        Files.createSymbolicLink(root.resolve("o/c/link.wav"), outside);
        Files.createSymbolicLink(root.resolve("lnk"), root.resolve("o"));
        Files.write(root.resolve("o/c/r.mp3"), new byte[] {1});
        String[][] cases = {{outside.toString(), "outside"}, {root + "/o/c/sub/r.wav", "ids in"}, {root + "/o 1/c/r.wav", "ids in"},
                {root + "/o/c/link.wav", "symbolic"}, {root + "/lnk/c/r.wav", "symbolic"}, {root + "/o/c/r.mp3", "ids in"},
                {root + "/o/../c.wav", "not allowed"}, {root + "/o/c/...wav", "not allowed"}, {root + "/../rec/o/c.wav", "ids in"}};
        for (String[] c : cases) {
            RecordingPath.Rejected r = assertThrows(RecordingPath.Rejected.class,
                    () -> RecordingPath.check(root, root.toRealPath(), Path.of(c[0])), c[0]);
            assertTrue(r.getMessage().contains(c[1]), c[0] + ": " + r.getMessage());
        }
        RecordingPath.Rejected dots = assertThrows(RecordingPath.Rejected.class,
                () -> RecordingPath.check(root, root.toRealPath(), Path.of(root + "/../c/r.wav")));
        assertTrue(dots.getMessage().contains("not allowed") || dots.getMessage().contains("outside"), dots.getMessage());
        assertTrue(assertThrows(RecordingPath.Rejected.class,
                () -> RecordingPath.check(root, root.toRealPath(), root.resolve("o/c/gone.wav"))).vanished);
    }
}
