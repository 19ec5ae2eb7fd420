package dev.mediaplane.render;

import dev.mediaplane.config.StackConfig;
import freemarker.core.TemplateClassResolver;
import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.JarURLConnection;
import java.net.URL;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Renders the release bundle of a stack: the FreeSWITCH configuration and the node scripts.
 * Resource-free; components receive its bytes and never call FreeMarker.
 *
 * <p>Every template uses square-bracket interpolation ({@code [=x]}) so FreeSWITCH's
 * {@code $${var}} and bash's {@code ${var}} pass through untouched.
 */
public final class Renderer {

    /** Bundle path of each FreeSWITCH file -> its template under {@code templates/}. */
    static final List<String> FREESWITCH_FILES = List.of(
            "freeswitch.xml",
            "vars.xml",
            "autoload_configs/acl.conf.xml",
            "autoload_configs/conference.conf.xml",
            "autoload_configs/console.conf.xml",
            "autoload_configs/event_socket.conf.xml",
            "autoload_configs/logfile.conf.xml",
            "autoload_configs/modules.conf.xml",
            "autoload_configs/sofia.conf.xml",
            "autoload_configs/switch.conf.xml",
            "dialplan/controller.xml",
            "dialplan/public.xml",
            "directory/mediaplane.xml",
            "sip_profiles/external.xml",
            "sip_profiles/ilb.xml",
            "sip_profiles/internal.xml");

    /**
     * Rendered node files: bundle path under {@code node/} -> template under {@code startup-scripts/}.
     * Every node file that names a node path, unit, variable or event is rendered from the
     * {@link NodeContract}; {@code startup-scripts/node/} keeps only what names none of them. The node
     * agent's jar ({@link NodeContract.Units#agentJar()}) is bundled as built ({@link AgentJar}).
     */
    static Map<String, String> nodeTemplates(NodeContract c) {
        Map<String, String> out = new TreeMap<>();
        out.put(c.units().drainScript(), "shutdown.sh.ftl");
        out.put(c.units().agentService(), "mediaplane-agent.service.ftl");
        out.put("freeswitch-mediaplane.conf", "freeswitch-mediaplane.conf.ftl");
        out.put(c.opsAgent().bundleFile(), "google-cloud-ops-agent.yaml.ftl");
        return out;
    }

    private static final Pattern NODE_FILE = Pattern.compile("[A-Za-z0-9._@-]+");
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]");

    /** The classpath's FreeMarker configuration, made on first use (by {@link #prefetch()}'s thread in the CLI). */
    private static final class Classpath {
        static final Configuration FREEMARKER = freemarker(null);
    }

    /**
     * Project directory whose {@code templates/} and {@code startup-scripts/} replace the classpath's
     * while {@link #fromDirectory} runs (the base side of {@code mediaplane diff}); null: the classpath.
     */
    private static volatile Configuration override;
    private static volatile Path overrideRoot;
    private static final Object OVERRIDE_LOCK = new Object();

    private Renderer() {}

    /**
     * Starts, on background threads, the render's work that needs no stack config: reading and hashing
     * the node agent's jar ({@link AgentJar#prefetch()}) and parsing every classpath template into
     * FreeMarker's template cache (~100 ms under the CLI's C1-only JIT, the 30 KB startup script most).
     * The CLI calls it before picocli builds its command line, so both run beside that set-up. Parse
     * errors are left for the render to report. Nothing outlives the process.
     */
    public static void prefetch() {
        AgentJar.prefetch();
        Thread t = new Thread(() -> {
            List<String> names = new java.util.ArrayList<>();
            FREESWITCH_FILES.forEach(f -> names.add("templates/freeswitch/" + f + ".ftlx"));
            nodeTemplates(NodeContract.STANDARD).values().forEach(f -> names.add("startup-scripts/" + f));
            names.add("startup-scripts/startup.sh.ftl");
            for (String name : names) {
                try {
                    Classpath.FREEMARKER.getTemplate(name);
                } catch (IOException | RuntimeException e) {
                    return; // the render loads it again and says what is wrong
                }
            }
        }, "template-parse");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Runs {@code body} with every render reading {@code templates/} and {@code startup-scripts/}
     * from {@code projectRoot} instead of the classpath: how the diff plans a base checkout with the
     * base's own templates. One at a time per JVM (like the mock engine itself); any render during
     * {@code body}, on any thread, reads the directory.
     */
    public static <T> T fromDirectory(Path projectRoot, java.util.function.Supplier<T> body) {
        for (String d : List.of("templates", "startup-scripts")) {
            if (!Files.isDirectory(projectRoot.resolve(d))) {
                throw new IllegalArgumentException(projectRoot + " has no " + d + "/ directory; a mediaplane project holds"
                        + " templates/ and startup-scripts/ beside Pulumi.yaml");
            }
        }
        synchronized (OVERRIDE_LOCK) {
            overrideRoot = projectRoot;
            override = freemarker(projectRoot);
            try {
                return body.get();
            } finally {
                override = null;
                overrideRoot = null;
            }
        }
    }

    private static Configuration freemarker(Path root) {
        Configuration cfg = new Configuration(Configuration.VERSION_2_3_34);
        if (root == null) {
            cfg.setClassForTemplateLoading(Renderer.class, "/");
        } else {
            try {
                cfg.setTemplateLoader(new freemarker.cache.FileTemplateLoader(root.toFile()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read templates under " + root, e);
            }
        }
        cfg.setDefaultEncoding("UTF-8");
        cfg.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        cfg.setLogTemplateExceptions(false);
        cfg.setWrapUncheckedExceptions(true);
        cfg.setFallbackOnNullLoopVariable(false);
        cfg.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
        cfg.setAPIBuiltinEnabled(false);
        // .ftlx -> XML auto-escaping; .ftl (shell) stays raw and only receives validated values.
        cfg.setRecognizeStandardFileExtensions(true);
        cfg.setInterpolationSyntax(Configuration.SQUARE_BRACKET_INTERPOLATION_SYNTAX);
        cfg.setNumberFormat("computer");
        cfg.setBooleanFormat("c");
        return cfg;
    }

    /** The bundle: {@code freeswitch/...} (a complete config dir) and {@code node/...} (scripts and units). */
    public static Bundle render(StackConfig config) {
        return render(config, NodeContract.STANDARD);
    }

    /** The bundle of a stack under a given node contract (tests prove every file follows it). */
    public static Bundle render(StackConfig config, NodeContract contract) {
        return render(config, contract, AgentJar.locate());
    }

    /** The bundle with {@code agentJar} as the node agent ({@link AgentJar#locate()} finds the build's). */
    public static Bundle render(StackConfig config, NodeContract contract, Path agentJar) {
        Map<String, Object> root = Map.of("m", NodeModel.of(config), "c", contract);
        Map<String, byte[]> files = new TreeMap<>();
        for (String f : FREESWITCH_FILES) {
            files.put("freeswitch/" + f, bytes(process("templates/freeswitch/" + f + ".ftlx", root)));
        }
        nodeTemplates(contract).forEach((out, tpl) -> files.put("node/" + out, bytes(process("startup-scripts/" + tpl, root))));
        staticNodeFiles().forEach((name, bytes) -> {
            if (files.putIfAbsent("node/" + name, bytes) != null) {
                throw new IllegalStateException("startup-scripts/node/" + name + " collides with a rendered node file of the"
                        + " same name; rename one of them");
            }
        });
        String jarPath = "node/" + contract.units().agentJar();
        if (files.containsKey(jarPath)) {
            throw new IllegalStateException("startup-scripts/node/" + contract.units().agentJar() + " collides with the"
                    + " node agent's jar; remove it");
        }
        Set<String> executables = new TreeSet<>();
        contract.units().executables().forEach(x -> executables.add("node/" + x));
        return new Bundle(files, executables, jarPath, AgentJar.read(agentJar));
    }

    /**
     * The VM's startup script for a release: small (GCE metadata values are capped at 256 KiB),
     * no secrets, node-independent. It fetches {@code gs://<bucket>/releases/<hash>/}, verifies
     * it against the hash and boots it.
     */
    public static String startupScript(StackConfig config, String releaseBucket, String releaseHash) {
        return startupScript(config, NodeContract.STANDARD, releaseBucket, releaseHash);
    }

    /** {@link #startupScript(StackConfig, String, String)} under a given node contract. */
    public static String startupScript(StackConfig config, NodeContract contract, String releaseBucket,
                                       String releaseHash) {
        if (releaseHash == null || !HASH.matcher(releaseHash).matches()) {
            throw new IllegalArgumentException("releaseHash must be 64 lowercase hex characters, got '" + releaseHash + "'");
        }
        if (releaseBucket == null || !BUCKET.matcher(releaseBucket).matches()) {
            throw new IllegalArgumentException("releaseBucket must be a GCS bucket name (3-222 of a-z, 0-9, '.', '_', '-'),"
                    + " got '" + releaseBucket + "'");
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("m", NodeModel.of(config));
        root.put("c", contract);
        root.put("releaseBucket", releaseBucket);
        root.put("releaseHash", releaseHash);
        root.put("recordingsBucket", config.recordingsBucketName());
        root.put("eventsTopic", config.eventsTopicName());
        return process("startup-scripts/startup.sh.ftl", root);
    }

    /** Both metadata scripts of a release, for its instance template. */
    public static BootScripts bootScripts(StackConfig config, String releaseHash) {
        return new BootScripts(releaseHash, startupScript(config, config.releasesBucketName(), releaseHash),
                shutdownScript(config));
    }

    /** The VM's shutdown script: drains the node within GCE's shutdown window. */
    public static String shutdownScript(StackConfig config) {
        return shutdownScript(config, NodeContract.STANDARD);
    }

    /** {@link #shutdownScript(StackConfig)} under a given node contract. */
    public static String shutdownScript(StackConfig config, NodeContract contract) {
        return process("startup-scripts/shutdown.sh.ftl", Map.of("m", NodeModel.of(config), "c", contract));
    }

    private static String process(String name, Map<String, Object> root) {
        try {
            Configuration o = override;
            Template t = (o != null ? o : Classpath.FREEMARKER).getTemplate(name);
            StringWriter out = new StringWriter();
            t.process(root, out);
            return out.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load template " + name, e);
        } catch (TemplateException e) {
            throw new IllegalStateException("template " + name + " failed: " + e.getMessage(), e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Every file of {@code startup-scripts/node/} on the classpath, verbatim (directory or shaded jar). */
    static Map<String, byte[]> staticNodeFiles() {
        Path root = overrideRoot;
        if (root != null) {
            Map<String, byte[]> out = new TreeMap<>();
            Path dir = root.resolve("startup-scripts/node");
            if (Files.isDirectory(dir)) {
                try {
                    readDir(dir, out);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + dir, e);
                }
            }
            return out;
        }
        return nodeFilesAt(Renderer.class.getResource("/startup-scripts/node"));
    }

    /** The files of a classpath directory, given as a {@code file:} or {@code jar:} URL (null: none). */
    static Map<String, byte[]> nodeFilesAt(URL url) {
        Map<String, byte[]> out = new TreeMap<>();
        if (url == null) {
            return out;
        }
        try {
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                // The JarFile the URL handler caches, not a zip file system: building one indexes all
                // ~44k entries of the shaded jar and cost a plan 150-300 ms.
                JarURLConnection dir = (JarURLConnection) url.openConnection();
                // getResource of a directory may or may not end in '/', depending on the jar's entries.
                String prefix = dir.getEntryName().replaceAll("/+$", "") + "/";
                // Connect to the jar's root: a jar need not hold an entry for the directory itself.
                JarFile jar = ((JarURLConnection) new URL("jar:" + dir.getJarFileURL() + "!/").openConnection()).getJarFile();
                for (JarEntry entry : java.util.Collections.list(jar.entries())) {
                    String name = entry.getName();
                    if (!name.startsWith(prefix) || name.equals(prefix)) {
                        continue;
                    }
                    String file = name.substring(prefix.length());
                    if (file.contains("/")) {
                        throw new IllegalStateException("startup-scripts/node/ holds only files; found " + file);
                    }
                    checkNodeFileName(file);
                    try (InputStream in = jar.getInputStream(entry)) {
                        out.put(file, in.readAllBytes());
                    }
                }
            } else {
                readDir(Path.of(uri), out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read startup-scripts/node from the classpath", e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static void checkNodeFileName(String name) {
        if (!NODE_FILE.matcher(name).matches()) {
            throw new IllegalStateException("startup-scripts/node/" + name + ": node file names may use only"
                    + " letters, digits, '.', '_', '@' and '-'");
        }
    }

    private static void readDir(Path dir, Map<String, byte[]> out) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                if (Files.isDirectory(p)) {
                    throw new IllegalStateException("startup-scripts/node/ holds only files; found directory " + p.getFileName());
                }
                String name = p.getFileName().toString();
                checkNodeFileName(name);
                try (InputStream in = Files.newInputStream(p)) {
                    out.put(name, in.readAllBytes());
                }
            }
        }
    }
}
