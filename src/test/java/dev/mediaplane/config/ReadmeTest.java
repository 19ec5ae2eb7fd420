package dev.mediaplane.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.cli.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The README's commands cannot drift from the program and CI (its key table: ConfigDocsTest). */
class ReadmeTest {

    @Test
    void ciRunsTheReadmeTestCommand() {
        String readme = StackConfigFixtures.readProjectFile("README.md");
        String ci = StackConfigFixtures.readProjectFile(".ci/run");
        String testCommand = "bin/setup && ./mvnw -B -ntp verify";
        assertTrue(readme.contains("\n" + testCommand + "\n"), "README lost its test command");
        assertTrue(ci.contains("\n" + testCommand + "\n"), ".ci/run does not run the README's test command");
        assertTrue(readme.contains("\n./mediaplane plan --stack dev\n"), "README lost its main command");
        assertTrue(ci.contains("\n./mediaplane plan --stack dev"), ".ci/run does not run the README's main command");
    }

    /**
     * Every command of the README's "The CLI" block runs as written on the committed stacks and
     * succeeds ({@code --out} goes to a temp directory); .ci/run covers the "Two commands".
     */
    @Test
    void cliSectionCommandsRun(@TempDir Path tmp) {
        String readme = StackConfigFixtures.readProjectFile("README.md");
        int section = readme.indexOf("\n## The CLI\n");
        assertTrue(section >= 0, "README lost its CLI section");
        int start = readme.indexOf("```\n", section) + 4;
        List<String> commands = readme.substring(start, readme.indexOf("```", start)).lines()
                .map(l -> l.replaceAll("\\s+#.*$", "").strip()).filter(l -> !l.isEmpty()).toList();
        assertTrue(commands.size() >= 4, "commands found: " + commands);
        for (String command : commands) {
            List<String> args = new ArrayList<>(List.of(command.split(" +")));
            assertEquals("./mediaplane", args.remove(0), command);
            int out = args.indexOf("--out");
            if (out >= 0) {
                args.set(out + 1, tmp.resolve("release").toString());
            }
            if (args.contains("--stack")) {
                args.addAll(List.of("--project-dir", StackConfigFixtures.projectDir().toString()));
            }
            StringWriter stdout = new StringWriter();
            StringWriter stderr = new StringWriter();
            CommandLine cli = Cli.create();
            cli.setOut(new PrintWriter(stdout, true));
            cli.setErr(new PrintWriter(stderr, true));
            assertEquals(0, cli.execute(args.toArray(String[]::new)), command + ": " + stderr);
            assertFalse(stdout.toString().isBlank(), command + " printed nothing");
        }
    }
}
