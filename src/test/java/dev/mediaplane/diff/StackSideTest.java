package dev.mediaplane.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.StackFileLoader;
import dev.mediaplane.render.Renderer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each side renders from its own directory (Renderer.fromDirectory), and only while it plans. */
class StackSideTest {

    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

    @TempDir
    Path tmp;

    @Test
    void aSideRendersItsOwnTemplatesAndScriptsThenTheClasspathIsBack() throws Exception {
        Path dir = DiffFixtures.copyOfRepo(tmp.resolve("side"));
        DiffFixtures.replaceOnce(dir.resolve("templates/freeswitch/autoload_configs/switch.conf.xml.ftlx"),
                "<param name=\"max-db-handles\" value=\"50\"/>", "<param name=\"max-db-handles\" value=\"77\"/>");
        Files.createDirectories(dir.resolve("startup-scripts/node"));
        Files.writeString(dir.resolve("startup-scripts/node/zz-side-only.txt"), "only in this side\n");
        DiffFixtures.append(dir.resolve("startup-scripts/shutdown.sh.ftl"), "# side-only shutdown line\n");
        StackSide side = StackSide.plan(dir, "dev", NOW);

        String xml = new String(side.bundle().file("freeswitch/autoload_configs/switch.conf.xml"), StandardCharsets.UTF_8);
        assertTrue(xml.contains("value=\"77\""), xml);
        assertEquals("only in this side\n", new String(side.bundle().file("node/zz-side-only.txt"), StandardCharsets.UTF_8));
        assertTrue(side.scripts().shutdownScript().endsWith("# side-only shutdown line\n"));
        // The plan's release objects and instance template are the side's too.
        assertTrue(side.plan().resources().stream().anyMatch(r -> r.name().endsWith("-node/zz-side-only.txt")), "plan uses the side");

        // Afterwards, rendering reads the classpath again.
        var classpath = Renderer.render(StackFileLoader.load(Path.of(""), "dev").config());
        assertNotEquals(side.bundle().hash(), classpath.hash());
        assertTrue(new String(classpath.file("freeswitch/autoload_configs/switch.conf.xml"), StandardCharsets.UTF_8)
                .contains("value=\"50\""));
    }

    @Test
    void aDirectoryWithoutTemplatesIsRefusedByName() throws Exception {
        Path dir = tmp.resolve("bare");
        Files.createDirectories(dir);
        Files.copy(Path.of("Pulumi.dev.yaml"), dir.resolve("Pulumi.dev.yaml"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StackSide.plan(dir, "dev", NOW));
        assertTrue(e.getMessage().equals(dir + " has no templates/ directory; a mediaplane project holds templates/ and"
                + " startup-scripts/ beside Pulumi.yaml"), e.getMessage());
    }
}
