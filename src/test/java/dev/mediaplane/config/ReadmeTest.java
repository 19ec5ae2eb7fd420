package dev.mediaplane.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's config table and commands cannot drift from the program and CI. */
class ReadmeTest {

    private static String read(String path) throws IOException {
        return Files.readString(StackConfigFixtures.projectDir().resolve(path));
    }

    @Test
    void keyTableHasOneRowPerCatalogueKey() throws IOException {
        String readme = read("README.md");
        String table = readme.substring(readme.indexOf("<!-- config-keys:begin"), readme.indexOf(ConfigDocs.README_END));
        List<String> documented = table.lines().filter(l -> l.startsWith("| `"))
                .map(l -> l.substring(3, l.indexOf('`', 3))).toList();
        assertEquals(ConfigKeys.ALL.stream().map(ConfigKey::name).toList(), documented, "README key table rows");
    }

    @Test
    void ciRunsTheReadmeTestCommand() throws IOException {
        String readme = read("README.md");
        String ci = read(".ci/run");
        String testCommand = "bin/setup && mvn -B -ntp verify";
        assertTrue(readme.contains("\n" + testCommand + "\n"), "README lost its test command");
        assertTrue(ci.contains("\n" + testCommand + "\n"), ".ci/run does not run the README's test command");
        assertTrue(readme.contains("\n./mediaplane plan --stack dev\n"), "README lost its main command");
        assertTrue(ci.contains("\n./mediaplane plan --stack dev"), ".ci/run does not run the README's main command");
    }
}
