package dev.mediaplane.render;

import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.config.StackFileLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The named render scenarios: the committed stack files, read the way the CLI reads them. */
final class Scenarios {
    static final List<String> NAMES = List.of("dev", "prod");
    /** A fixed bucket so the startup script's golden file does not depend on the environment. */
    static final String BUCKET = "mediaplane-test-000000-mp-test-releases";

    private Scenarios() {}

    static Path projectDir() {
        return Path.of(System.getProperty("user.dir"));
    }

    static StackConfig config(String name) {
        return StackFileLoader.load(projectDir(), name).config();
    }

    /** The stack file's text with extra lines appended under {@code config:}. */
    static LoadedConfig withExtra(String name, String extraYaml) throws IOException {
        String text = Files.readString(projectDir().resolve("Pulumi." + name + ".yaml"));
        return StackFileLoader.parse(name, "Pulumi." + name + ".yaml+test", text.stripTrailing() + "\n" + extraYaml);
    }
}
