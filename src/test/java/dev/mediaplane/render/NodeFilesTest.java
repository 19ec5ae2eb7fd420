package dev.mediaplane.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** startup-scripts/node/ is read the same from a directory (tests, IDE) and from the shaded jar (the CLI, pulumi). */
class NodeFilesTest {

    @Test
    void readsNodeFilesFromAJarLikeTheShadedOne(@TempDir Path tmp) throws Exception {
        Path jar = tmp.resolve("mediaplane.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String name : new String[] {"startup-scripts/node/a.sh", "startup-scripts/node/b@.service", "templates/x"}) {
                out.putNextEntry(new JarEntry(name));
                out.write(("content of " + name).getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        var files = Renderer.nodeFilesAt(new URL("jar:" + jar.toUri() + "!/startup-scripts/node"));
        assertEquals(java.util.Set.of("a.sh", "b@.service"), files.keySet());
        // The shaded jar has directory entries, and getResource then answers with a trailing '/'.
        assertEquals(files.keySet(), Renderer.nodeFilesAt(new URL("jar:" + jar.toUri() + "!/startup-scripts/node/")).keySet());
        assertEquals("content of startup-scripts/node/a.sh", new String(files.get("a.sh"), StandardCharsets.UTF_8));
    }

    @Test
    void refusesNamesTheBootScriptWouldRefuse(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("node"));
        Files.writeString(dir.resolve("bad name.sh"), "x");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Renderer.nodeFilesAt(dir.toUri().toURL()));
        assertTrue(e.getMessage().contains("bad name.sh"), e.getMessage());
        assertEquals(java.util.Map.of(), Renderer.nodeFilesAt(null));
    }
}
