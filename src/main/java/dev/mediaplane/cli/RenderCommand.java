package dev.mediaplane.cli;

import dev.mediaplane.config.StackConfig;
import dev.mediaplane.render.Bundle;
import dev.mediaplane.render.Renderer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Writes a stack's release bundle to disk for review: the FreeSWITCH configuration directory, the
 * node scripts, the manifest and the release hash, plus the startup and shutdown scripts that go
 * into instance metadata.
 */
@Command(name = "render", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Render the release bundle of a stack (FreeSWITCH config, node scripts, hash) into a directory.")
public final class RenderCommand implements Callable<Integer> {

    @Mixin
    StackOptions stack;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Output directory: must be empty, absent, or an earlier render (it is replaced).")
    Path out;

    public RenderCommand() {}

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        StackConfig config = stack.load().config();
        Bundle bundle = Renderer.render(config);
        String releasesBucket = config.releasesBucketName();
        try {
            if (Files.exists(out)) {
                if (!Files.isDirectory(out)) {
                    err.println("mediaplane render: --out " + out + " is a file; give a directory");
                    err.flush();
                    return ExitCode.USAGE.code();
                }
                boolean empty;
                try (Stream<Path> s = Files.list(out)) {
                    empty = s.findAny().isEmpty();
                }
                if (!empty && !Files.isRegularFile(out.resolve("RELEASE"))) {
                    err.println("mediaplane render: --out " + out + " is not empty and holds no earlier render (no RELEASE"
                            + " file); give an empty or new directory");
                    err.flush();
                    return ExitCode.USAGE.code();
                }
                deleteContents(out);
            }
            Files.createDirectories(out);
            for (var e : bundle.files().entrySet()) {
                write(out.resolve(e.getKey()), e.getValue());
            }
            write(out.resolve("MANIFEST.sha256"), bundle.manifest().getBytes(StandardCharsets.UTF_8));
            write(out.resolve("RELEASE"), (bundle.hash() + "\n").getBytes(StandardCharsets.UTF_8));
            write(out.resolve("metadata/startup-script.sh"),
                    Renderer.startupScript(config, releasesBucket, bundle.hash()).getBytes(StandardCharsets.UTF_8));
            write(out.resolve("metadata/shutdown-script.sh"), Renderer.shutdownScript(config).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            err.println("mediaplane render: cannot write " + out + ": " + e.getMessage());
            err.flush();
            return ExitCode.IO_ERROR.code();
        }
        stdout.println("release " + bundle.hash());
        stdout.println(bundle.files().size() + " files in " + out + " (bundle: gs://" + releasesBucket + "/releases/"
                + bundle.hash() + "/)");
        stdout.flush();
        return ExitCode.OK.code();
    }

    private static void write(Path p, byte[] bytes) throws IOException {
        Files.createDirectories(p.getParent());
        Files.write(p, bytes);
        if (p.getFileName().toString().endsWith(".sh")) {
            try {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (UnsupportedOperationException ignored) {
                // non-POSIX file system: the node sets modes itself at install
            }
        }
    }

    private static void deleteContents(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted((a, b) -> b.compareTo(a)).toList()) {
                if (!p.equals(dir)) {
                    Files.delete(p);
                }
            }
        }
    }
}
