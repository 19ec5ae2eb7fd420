package dev.mediaplane.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The committed stack files, read from the project root, for tests that vary them. */
public final class StackConfigFixtures {
    private StackConfigFixtures() {}

    public static Path projectDir() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("Pulumi.yaml"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no Pulumi.yaml above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    public static String stackFile(String stack) {
        try {
            return Files.readString(projectDir().resolve("Pulumi." + stack + ".yaml"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file of the project root, as text. */
    public static String readProjectFile(String path) {
        try {
            return Files.readString(projectDir().resolve(path), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stack file of {@code stack} with a line replaced: {@code key: value} lines only. */
    public static String withValue(String text, String key, String yamlValue) {
        String marker = "  " + key + ":";
        StringBuilder out = new StringBuilder();
        boolean replaced = false;
        boolean skippingList = false;
        for (String line : text.split("\n", -1)) {
            if (skippingList) {
                if (line.startsWith("    - ")) {
                    continue;
                }
                skippingList = false;
            }
            if (line.startsWith(marker)) {
                out.append(marker).append(' ').append(yamlValue).append('\n');
                replaced = true;
                skippingList = true;
                continue;
            }
            out.append(line).append('\n');
        }
        if (!replaced) {
            out.append(marker).append(' ').append(yamlValue).append('\n');
        }
        return out.toString();
    }

    /** The stack file without the key. */
    public static String without(String text, String key) {
        return withValue(text, key, "__DROP__").replace("  " + key + ": __DROP__\n", "");
    }
}
