package dev.mediaplane.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.pulumi.test.PulumiTest;
import com.pulumi.test.TestOptions;
import com.pulumi.test.internal.PulumiTestInternal;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The engine loader (ctx.config() under pulumi up) and the file loader (offline plan) give equal
 * records. The engine side is fed exactly what the Pulumi CLI hands a program: every value as a
 * string, lists as JSON text, secrets decrypted and listed apart.
 */
class LoaderEquivalenceTest {

    @AfterEach
    void cleanup() {
        PulumiTest.cleanup();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void bothLoadersGiveEqualRecords(String stack) {
        String text = StackConfigFixtures.withValue(StackConfigFixtures.stackFile(stack), "mediaplane:eslPassword",
                "{secure: v1:ENCRYPTED}");
        LoadedConfig offline = StackFileLoader.parse(stack, "Pulumi." + stack + ".yaml", text);

        Map<String, String> engineConfig = new TreeMap<>();
        Set<String> secretKeys = new HashSet<>();
        engineView(text, engineConfig, secretKeys);
        engineConfig.put("mediaplane:eslPassword", "decrypted-esl-password");

        LoadedConfig engine = loadUnderEngine(stack, engineConfig, secretKeys);
        assertEquals(offline.config(), engine.config());
        assertEquals(offline.secrets().keySet(), engine.secrets().keySet());
    }

    @ParameterizedTest
    @ValueSource(strings = {"prod"})
    void engineLoaderValidatesTheSameWay(String stack) {
        Map<String, String> engineConfig = new TreeMap<>();
        engineView(StackConfigFixtures.stackFile(stack), engineConfig, new HashSet<>());
        engineConfig.put("mediaplane:zones", "[\"europe-west1-b\",\"us-east1-b\"]");
        AtomicReference<Throwable> error = new AtomicReference<>();
        PulumiTestInternal.builder()
                .options(TestOptions.builder().projectName("mediaplane").stackName(stack).build())
                .config(engineConfig, Set.of())
                .build()
                .runTest(ctx -> {
                    try {
                        PulumiConfigLoader.load(ctx);
                    } catch (ConfigException e) {
                        error.set(e);
                    }
                });
        assertTrue(error.get() instanceof ConfigException, "engine loader accepted a zone outside the region");
        assertTrue(error.get().getMessage().contains("mediaplane:zones[1] must be a zone in region europe-west1 (one of [europe-west1-b, europe-west1-c, europe-west1-d]), got 'us-east1-b'"),
                error.get().getMessage());
    }

    @org.junit.jupiter.api.Test
    void unknownKeysFailUnderTheEngineToo() {
        Map<String, String> engineConfig = new TreeMap<>();
        engineView(StackConfigFixtures.stackFile("dev"), engineConfig, new HashSet<>());
        engineConfig.put("mediaplane:fleetSizee", "2");
        Map<String, String> hostView = new TreeMap<>();
        engineConfig.forEach((k, v) -> hostView.put(k.replace(":", ":config:"), v));
        hostView.put("gcp:config:zone", "europe-west1-b"); // other namespaces pass through
        String pulumiConfig = new Gson().toJson(hostView);
        AtomicReference<Throwable> error = new AtomicReference<>();
        PulumiTestInternal.builder()
                .options(TestOptions.builder().projectName("mediaplane").stackName("dev").build())
                .config(engineConfig, Set.of())
                .build()
                .runTest(ctx -> {
                    try {
                        PulumiConfigLoader.load(ctx, pulumiConfig);
                    } catch (ConfigException e) {
                        error.set(e);
                    }
                });
        assertTrue(error.get() instanceof ConfigException, "engine loader accepted an unknown key");
        assertEquals(List.of("unknown config key 'mediaplane:fleetSizee'; did you mean 'mediaplane:fleetSize'?"),
                ((ConfigException) error.get()).problems());
    }

    @org.junit.jupiter.api.Test
    void malformedJsonFromTheEngineNamesTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> PulumiConfigLoader.fromEngine("mediaplane:zones", "[\"europe-west1-b\","));
        assertTrue(e.getMessage().startsWith("mediaplane:zones holds malformed JSON"), e.getMessage());
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> sameVerdict() {
        String dev = StackConfigFixtures.stackFile("dev");
        return java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of("engine key", StackConfigFixtures.withValue(dev,
                        "pulumi:disable-default-providers", "['*']")),
                org.junit.jupiter.params.provider.Arguments.of("other provider's key", StackConfigFixtures.withValue(dev, "gcp:zone",
                        "europe-west1-b")),
                org.junit.jupiter.params.provider.Arguments.of("unknown namespace", StackConfigFixtures.withValue(dev, "aws:region",
                        "us-east-1")),
                org.junit.jupiter.params.provider.Arguments.of("secret set without --secret", StackConfigFixtures.withValue(dev,
                        "mediaplane:eslPassword", "PLAIN-MARKER")),
                org.junit.jupiter.params.provider.Arguments.of("plain key set with --secret", StackConfigFixtures.withValue(dev,
                        "mediaplane:trunkUsername", "{secure: v1:X}")),
                org.junit.jupiter.params.provider.Arguments.of("typo", StackConfigFixtures.withValue(dev, "mediaplane:fleetSizee", "2")));
    }

    /**
     * The two loaders agree on every stack file: both accept it with equal records, or both refuse
     * it with the same problems. The engine side gets PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS
     * as the language host sets them.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("sameVerdict")
    void bothLoadersGiveTheSameVerdict(String label, String text) {
        Object offline;
        try {
            offline = StackFileLoader.parse("dev", "Pulumi.dev.yaml", text).config();
        } catch (ConfigException e) {
            offline = e.problems();
        }
        Map<String, String> engineConfig = new TreeMap<>();
        Set<String> secretKeys = new HashSet<>();
        engineView(text, engineConfig, secretKeys);
        secretKeys.forEach(k -> engineConfig.put(k, "decrypted"));
        Map<String, String> hostView = new TreeMap<>();
        engineConfig.forEach((k, v) -> hostView.put(k.replaceFirst(":", ":config:"), v));
        String pulumiConfig = new Gson().toJson(hostView);
        String secretJson = new Gson().toJson(secretKeys.stream().map(k -> k.replaceFirst(":", ":config:")).toList());
        AtomicReference<Object> engine = new AtomicReference<>();
        PulumiTestInternal.builder()
                .options(TestOptions.builder().projectName("mediaplane").stackName("dev").build())
                .config(engineConfig, secretKeys)
                .build()
                .runTest(ctx -> {
                    try {
                        engine.set(PulumiConfigLoader.load(ctx, pulumiConfig, secretJson).config());
                    } catch (ConfigException e) {
                        engine.set(e.problems());
                    }
                });
        assertEquals(offline, engine.get());
        assertTrue(!String.valueOf(engine.get()).contains("PLAIN-MARKER"), "secret echoed");
    }

    private static LoadedConfig loadUnderEngine(String stack, Map<String, String> config, Set<String> secretKeys) {
        AtomicReference<LoadedConfig> loaded = new AtomicReference<>();
        var result = PulumiTestInternal.builder()
                .options(TestOptions.builder().projectName("mediaplane").stackName(stack).build())
                .config(config, secretKeys)
                .build()
                .runTest(ctx -> loaded.set(PulumiConfigLoader.load(ctx)));
        assertEquals(List.of(), result.exceptions());
        return loaded.get();
    }

    /** What `pulumi up` passes in PULUMI_CONFIG: strings, with lists and maps as JSON. */
    @SuppressWarnings("unchecked")
    private static void engineView(String yaml, Map<String, String> out, Set<String> secretKeys) {
        Map<String, Object> doc = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(yaml);
        Map<String, Object> config = (Map<String, Object>) doc.get("config");
        Gson gson = new Gson();
        config.forEach((k, v) -> {
            if (v instanceof Map<?, ?> m && m.containsKey("secure")) {
                secretKeys.add(k);
            } else if (v instanceof List || v instanceof Map) {
                out.put(k, gson.toJson(v));
            } else {
                out.put(k, String.valueOf(v));
            }
        });
    }
}
