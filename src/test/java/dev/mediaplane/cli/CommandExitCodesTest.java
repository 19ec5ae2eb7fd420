package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * One exit-code table for every command: what --help lists is exactly what the command's code can
 * return, read from its source ({@code ExitCode.X} in the command's file and in the non-command helpers
 * it calls) plus what Cli's error handler returns for it.
 */
class CommandExitCodesTest {

    private static final Path SOURCES = Path.of("src/main/java/dev/mediaplane/cli");
    private static final Pattern USE = Pattern.compile("\\bExitCode\\.([A-Z_]+)\\b");
    private static final Pattern HELP_ROW = Pattern.compile("^ +(\\d+) +([A-Z_]+): ");

    /** Every command of the tree by its qualified name ("mediaplane canary start"). */
    private static Map<String, CommandLine> commands() {
        Map<String, CommandLine> all = new LinkedHashMap<>();
        walk(Cli.create(), all);
        return all;
    }

    private static void walk(CommandLine cmd, Map<String, CommandLine> all) {
        all.put(cmd.getCommandSpec().qualifiedName(" "), cmd);
        cmd.getSubcommands().values().forEach(c -> walk(c, all));
    }

    private static Set<Class<?>> commandClasses() {
        Set<Class<?>> classes = new java.util.HashSet<>();
        commands().values().forEach(c -> classes.add(c.getCommandSpec().userObject().getClass()));
        return classes;
    }

    /** The codes {@code type}'s source and the helper classes it calls name. */
    private static Set<ExitCode> used(Class<?> type) throws IOException {
        String src = Files.readString(SOURCES.resolve(type.getSimpleName() + ".java"));
        EnumSet<ExitCode> used = EnumSet.noneOf(ExitCode.class);
        named(src, used);
        Set<Class<?>> commands = commandClasses();
        try (var files = Files.list(SOURCES)) {
            for (Path f : files.toList()) {
                String helper = f.getFileName().toString().replace(".java", "");
                boolean isCommand = commands.stream().anyMatch(c -> c.getSimpleName().equals(helper));
                if (!isCommand && !List.of("Cli", "ExitCode").contains(helper)
                        && Pattern.compile("\\b" + helper + "\\.").matcher(src).find()) {
                    named(Files.readString(f), used);
                }
            }
        }
        return used;
    }

    private static void named(String src, Set<ExitCode> into) {
        Matcher m = USE.matcher(src);
        while (m.find()) {
            into.add(ExitCode.valueOf(m.group(1)));
        }
    }

    private static final Pattern OWN_ROW = Pattern.compile("^ +(\\d+) +[a-z]");

    /** The numbers of a list a command words itself (diff's). */
    private static Set<Integer> listedNumbers(CommandLine cmd) {
        StringWriter out = new StringWriter();
        cmd.usage(new PrintWriter(out, true));
        String help = out.toString();
        Set<Integer> rows = new TreeSet<>();
        for (String line : help.substring(help.indexOf("Exit codes:")).lines().skip(1).toList()) {
            Matcher m = OWN_ROW.matcher(line);
            if (m.find()) {
                rows.add(Integer.parseInt(m.group(1)));
            }
        }
        return rows;
    }

    /** The rows under "Exit codes:" in {@code cmd}'s --help. */
    private static List<ExitCode> listed(CommandLine cmd) {
        StringWriter out = new StringWriter();
        cmd.usage(new PrintWriter(out, true));
        String help = out.toString();
        int at = help.indexOf("Exit codes:");
        assertTrue(at >= 0, help);
        List<ExitCode> rows = new ArrayList<>();
        for (String line : help.substring(at).lines().skip(1).toList()) {
            Matcher m = HELP_ROW.matcher(line);
            if (m.find()) {
                ExitCode c = ExitCode.valueOf(m.group(2));
                assertEquals(c.code(), Integer.parseInt(m.group(1)), line);
                rows.add(c);
            }
        }
        return rows;
    }

    @Test
    void everyCommandsHelpListsExactlyTheCodesItsCodePathsUse() throws IOException {
        Map<String, CommandLine> all = commands();
        assertTrue(all.size() >= 21, all.keySet().toString());
        for (var e : all.entrySet()) {
            CommandLine cmd = e.getValue();
            Class<?> type = cmd.getCommandSpec().userObject().getClass();
            Cli.Codes declared = Cli.codes(cmd);
            Set<ExitCode> expected = new TreeSet<>(used(type));
            // picocli's --help, and Cli.onError's answers to a bad command line, a bad stack config and a bug.
            expected.add(ExitCode.OK);
            expected.add(declared.usage());
            expected.add(declared.internal());
            if (cmd.getCommandSpec().findOption("--stack") != null) {
                expected.add(declared.config());
            }
            assertEquals(expected, new TreeSet<>(declared.returns()), e.getKey() + ": Cli.EXIT_CODES vs its code paths");
            if (type == DiffCommand.class) {
                assertEquals(new TreeSet<>(declared.returns().stream().map(ExitCode::code).toList()), listedNumbers(cmd),
                        e.getKey() + ": its own --help list");
            } else {
                assertEquals(declared.returns(), listed(cmd), e.getKey() + ": --help");
            }
        }
    }

    @Test
    void aBadCommandLineExitsWithTheCommandsUsageCode() {
        for (var e : commands().entrySet()) {
            List<String> args = new ArrayList<>(List.of(e.getKey().split(" ")));
            args.remove(0);
            args.add("--frobnicate");
            CommandLine cli = Cli.create();
            StringWriter err = new StringWriter();
            cli.setOut(new PrintWriter(new StringWriter(), true));
            cli.setErr(new PrintWriter(err, true));
            int code = cli.execute(args.toArray(String[]::new));
            assertEquals(Cli.codes(e.getValue()).usage().code(), code, e.getKey() + ": " + err);
        }
        assertEquals(1, Cli.codes(commands().get("mediaplane diff")).usage().code());
        assertEquals(2, Cli.codes(commands().get("mediaplane drain")).usage().code());
    }

    @Test
    void aNumberMayMeanOneThingPerCommand() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Cli.Codes(List.of(ExitCode.OK, ExitCode.FAILED, ExitCode.POLICY_VIOLATION, ExitCode.USAGE,
                        ExitCode.INTERNAL), ExitCode.USAGE, ExitCode.INTERNAL, ExitCode.INTERNAL));
        assertTrue(e.getMessage().contains("exit code 1 listed twice"), e.getMessage());
        var missing = assertThrows(IllegalArgumentException.class,
                () -> new Cli.Codes(List.of(ExitCode.OK, ExitCode.INTERNAL), ExitCode.USAGE, ExitCode.INTERNAL, ExitCode.INTERNAL));
        assertTrue(missing.getMessage().contains("USAGE is returned on errors but not listed"), missing.getMessage());
    }
}
