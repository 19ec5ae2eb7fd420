package dev.mediaplane.render;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where the renderer finds the node agent's jar ({@code target/mediaplane-agent.jar} of the build's
 * second shade execution), which every release bundles as {@code node/}{@value #FILE}: the system
 * property {@value #PROPERTY}, else the environment variable {@value #ENV}, else beside the CLI's
 * own jar (or classes directory), else {@code target/} of the working directory.
 */
public final class AgentJar {

    /** System property naming the agent jar; wins over everything else (tests set it to a fixture). */
    public static final String PROPERTY = "mediaplane.agentJar";
    /** Environment variable naming the agent jar when the property is unset. */
    public static final String ENV = "MEDIAPLANE_AGENT_JAR";
    /** The jar's file name, in the build's target/ and in the bundle's node/. */
    public static final String FILE = "mediaplane-agent.jar";

    private AgentJar() {}

    /** The jar's bytes and their SHA-256 (lowercase hex), both from one read of {@code path}. */
    record Read(Path path, byte[] bytes, String sha256) {}

    /** The read {@link #prefetch()} started; taken by the first {@link #read} of the same path. */
    private static FutureTask<Read> ahead;

    /**
     * Starts reading and hashing the agent jar on a background thread, so that a later render finds it
     * done: hashing its 27 MB under the CLI's C1-only JIT takes ~200 ms, which the plan otherwise
     * spends on its critical path. Does nothing when no jar is found (the render then says why).
     * Nothing is kept beyond this process.
     */
    public static synchronized void prefetch() {
        Path p;
        try {
            p = locate();
        } catch (RuntimeException e) {
            return;
        }
        FutureTask<Read> task = new FutureTask<>(() -> readNow(p));
        Thread t = new Thread(task, "agent-jar-read");
        t.setDaemon(true);
        t.start();
        ahead = task;
    }

    /**
     * The jar at {@code path}, read now, or by {@link #prefetch()} when it read the same path; a
     * prefetched read serves one render only, so a later render reads the file again.
     */
    static Read read(Path path) {
        FutureTask<Read> task;
        synchronized (AgentJar.class) {
            task = ahead;
            ahead = null;
        }
        if (task != null) {
            try {
                Read r = task.get();
                if (r.path().equals(path)) {
                    return r;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                // Read it again below: the error names this path.
            }
        }
        try {
            return readNow(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the node agent jar " + path, e);
        }
    }

    private static Read readNow(Path path) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
        return new Read(path, bytes, Bundle.sha256(bytes));
    }

    /** The agent jar this JVM bundles; a clear error naming all three ways when there is none. */
    public static Path locate() {
        return locate(System.getProperty(PROPERTY), System.getenv(ENV), codeLocation(), Path.of(""));
    }

    /**
     * The agent jar, relative to {@code workDir} when it lies under it (the program uploads it as a
     * Pulumi FileAsset: a relative path keeps the plan the same on every checkout).
     */
    static Path locate(String property, String env, Path codeLocation, Path workDir) {
        if (property != null && !property.isBlank()) {
            return checked(Path.of(property), "system property " + PROPERTY + "='" + property + "'", workDir);
        }
        if (env != null && !env.isBlank()) {
            return checked(Path.of(env), "environment variable " + ENV + "='" + env + "'", workDir);
        }
        Set<Path> candidates = new LinkedHashSet<>();
        if (codeLocation != null) {
            // A jar: beside it. A classes directory (target/classes): in its parent, target/.
            Path dir = codeLocation.toAbsolutePath().getParent();
            if (dir != null) {
                candidates.add(dir.resolve(FILE).normalize());
            }
        }
        candidates.add(workDir.toAbsolutePath().resolve("target").resolve(FILE).normalize());
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return relative(p, workDir);
            }
        }
        List<String> looked = new ArrayList<>();
        candidates.forEach(p -> looked.add(p.toString()));
        throw new IllegalStateException("the node agent jar (" + FILE + ") was not found: set system property " + PROPERTY
                + " or environment variable " + ENV + " to its path, or build it beside the CLI jar with"
                + " `./mvnw -B -ntp package` (target/" + FILE + "); looked at " + looked);
    }

    private static Path checked(Path p, String what, Path workDir) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(what + " names no file: the node agent jar must be a readable " + FILE
                    + " (built by `./mvnw -B -ntp package` into target/" + FILE + ")");
        }
        return relative(p, workDir);
    }

    private static Path relative(Path p, Path workDir) {
        Path abs = p.toAbsolutePath().normalize();
        Path base = workDir.toAbsolutePath().normalize();
        return abs.startsWith(base) ? base.relativize(abs) : abs;
    }

    private static Path codeLocation() {
        CodeSource src = AgentJar.class.getProtectionDomain().getCodeSource();
        if (src == null || src.getLocation() == null || !"file".equals(src.getLocation().getProtocol())) {
            return null;
        }
        try {
            return Path.of(src.getLocation().toURI());
        } catch (URISyntaxException e) {
            return null;
        }
    }
}
