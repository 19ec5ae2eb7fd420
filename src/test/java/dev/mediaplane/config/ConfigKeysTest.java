package dev.mediaplane.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.mediaplane.config.ConfigKey.Default;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The catalogue drives validation and defaults: each row's range, enum, pattern and required flag
 * is what the parser enforces, each documented default is what the parser applies, and every row
 * reaches the StackConfig.
 */
class ConfigKeysTest {

    private static final String DEV = StackConfigFixtures.stackFile("dev");

    /** Only the required keys: everything else takes its default. */
    private static final String MINIMAL = """
            config:
              gcp:project: mediaplane-min-000000
              gcp:region: europe-west1
              mediaplane:trunkSignalingCidrs: [192.0.2.0/24]
              mediaplane:trunkMediaCidrs: [198.51.100.0/24]
              mediaplane:trunkGatewayHost: example.sip.signalwire.com
              mediaplane:trunkUsername: minimal
              mediaplane:controllerCidrs: [10.50.0.0/24]
            """;

    private static Stream<ConfigKey> rows(Class<?> constraint) {
        return ConfigKeys.ALL.stream().filter(k -> constraint.isInstance(k.constraint()));
    }

    static Stream<ConfigKey> integerRows() {
        return rows(ConfigKey.Range.class);
    }

    static Stream<ConfigKey> enumRows() {
        return rows(ConfigKey.OneOf.class);
    }

    static Stream<ConfigKey> patternRows() {
        return rows(ConfigKey.Matches.class);
    }

    static Stream<ConfigKey> requiredRows() {
        return ConfigKeys.ALL.stream().filter(k -> k.dflt() instanceof Default.Required);
    }

    static Stream<ConfigKey> plainRows() {
        return ConfigKeys.mediaplane().stream().filter(k -> !k.secret());
    }

    private static String problems(String yaml) {
        return assertThrows(ConfigException.class, () -> StackFileLoader.parse("dev", "x", yaml)).getMessage();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("integerRows")
    void integerOnePastEachBoundIsRefused(ConfigKey k) {
        ConfigKey.Range r = (ConfigKey.Range) k.constraint();
        for (long v : new long[] {r.min() - 1L, r.max() + 1L}) {
            String msg = problems(StackConfigFixtures.withValue(DEV, k.name(), String.valueOf(v)));
            String want = k.name() + " must be " + r.allowed() + ", got " + v;
            assertTrue(msg.contains(want), () -> "expected '" + want + "' in:\n" + msg);
            assertTrue(r.allowed().contains(String.valueOf(r.min())) && r.allowed().contains(String.valueOf(r.max())),
                    k.name() + ": allowed text does not show the range");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("integerRows")
    void zeroIsAcceptedExactlyWhereItMeansOff(ConfigKey k) throws Exception {
        ConfigKey.Range r = (ConfigKey.Range) k.constraint();
        if (r.min() <= 0) {
            return; // 0 is inside the range itself
        }
        String yaml = StackConfigFixtures.withValue(DEV, k.name(), "0");
        if (r.zeroOff()) {
            StackFileLoader.parse("dev", "x", yaml);
        } else {
            assertTrue(problems(yaml).contains(k.name() + " must be " + r.allowed() + ", got 0"), k.name());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("integerRows")
    void integerRefusesAWord(ConfigKey k) {
        String msg = problems(StackConfigFixtures.withValue(DEV, k.name(), "many"));
        String want = k.name() + " must be a whole number " + k.constraint().allowed() + ", got 'many'";
        assertTrue(msg.contains(want), () -> "expected '" + want + "' in:\n" + msg);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("enumRows")
    void enumRefusesAnUnknownValueListingTheAllowedOnes(ConfigKey k) {
        List<String> values = ((ConfigKey.OneOf) k.constraint()).values();
        String msg = problems(StackConfigFixtures.withValue(DEV, k.name(), "no-such-value"));
        String want = k.name() + " must be one of " + values + ", got 'no-such-value'";
        assertTrue(msg.contains(want), () -> "expected '" + want + "' in:\n" + msg);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("patternRows")
    void patternRefusesAMalformedValue(ConfigKey k) {
        String msg = problems(StackConfigFixtures.withValue(DEV, k.name(), "'Not A Value!'"));
        String want = k.name() + " must be " + k.constraint().allowed() + ", got 'Not A Value!'";
        assertTrue(msg.contains(want), () -> "expected '" + want + "' in:\n" + msg);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requiredRows")
    void requiredKeyMissingIsNamed(ConfigKey k) {
        String msg = problems(StackConfigFixtures.without(DEV, k.name()));
        String want = k.name() + " is required: " + k.constraint().allowed();
        assertTrue(msg.contains(want), () -> "expected '" + want + "' in:\n" + msg);
    }

    @Test
    void minimalStackTakesEveryDocumentedDefault() {
        StackConfig c = StackFileLoader.parse("minimal", "x", MINIMAL).config();
        Map<String, String> documented = readmeDefaults();
        List<String> wrong = new ArrayList<>();
        for (ConfigKey k : ConfigKeys.mediaplane()) {
            // Autoscaling defaults apply only when autoscaling is on: checked below.
            if (k.dflt() instanceof Default.Value && !k.shortName().startsWith("autoscaling")) {
                String doc = documented.get(k.name());
                Object applied = fieldOf(c, k.shortName());
                String shown = applied instanceof Enum<?> e ? e.name().toLowerCase(Locale.ROOT)
                        : applied instanceof Double d && d == Math.rint(d) ? String.valueOf(d.longValue()) : String.valueOf(applied);
                if (!("`" + shown + "`").equals(doc)) {
                    wrong.add(k.name() + ": README says " + doc + ", the parser applied " + shown);
                }
            }
        }
        assertEquals(List.of(), wrong);
        // The computed defaults, as the README words them.
        assertEquals("`mp-<stack>`", documented.get("mediaplane:prefix"));
        assertEquals("mp-minimal", c.prefix());
        assertEquals("`<region>-b,-c,-d`", documented.get("mediaplane:zones"));
        assertEquals(List.of("europe-west1-b", "europe-west1-c", "europe-west1-d"), c.zones());
        assertEquals("`gcp:region`", documented.get("mediaplane:recordingsLocation"));
        assertEquals("EUROPE-WEST1", c.recordings().location());
        assertTrue(c.fleet().autoscaling().isEmpty(), "autoscaling is documented off by default");
        String scaled = MINIMAL + "  mediaplane:autoscalingMinReplicas: 2\n  mediaplane:autoscalingMaxReplicas: 4\n"
                + "  mediaplane:fleetAddressMode: ephemeral\n";
        StackConfig.Autoscaling a = StackFileLoader.parse("minimal", "x", scaled).config().fleet().autoscaling().orElseThrow();
        assertEquals("`" + Math.round(a.cpuTarget() * 100) + "`", documented.get("mediaplane:autoscalingCpuPercent"));
        assertEquals("`" + a.cooldownSec() + "`", documented.get("mediaplane:autoscalingCooldownSec"));
        assertTrue(c.release().stable().isEmpty() && c.network().vpc().isEmpty() && c.controller().serviceAccount().isEmpty());
    }

    /** A row that reaches no record field would be accepted and ignored; changing each key must change the config. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("plainRows")
    void everyKeyReachesTheStackConfig(ConfigKey k) {
        if (k.name().equals("mediaplane:networkMode")) {
            // Each mode needs its own companion keys, so it cannot change alone: read it directly.
            String existing = StackConfigFixtures.withValue(StackConfigFixtures.withValue(
                    StackConfigFixtures.without(DEV, "mediaplane:networkSubnetCidr"), k.name(), "existing"),
                    "mediaplane:networkSubnetwork", "s");
            assertEquals(StackConfig.NetworkMode.EXISTING, StackFileLoader.parse("dev", "x", existing).config().network().mode());
            return;
        }
        if (k.name().equals("mediaplane:catalogueAllow")) {
            // It changes what validation admits, not the record: a zone GCP may add is refused without it.
            String zone = StackConfigFixtures.withValue(DEV, "mediaplane:zones", "[europe-west1-b, europe-west1-e]");
            assertThrows(ConfigException.class, () -> StackFileLoader.parse("dev", "x", zone));
            assertEquals(List.of("europe-west1-b", "europe-west1-e"), StackFileLoader.parse("dev", "x",
                    StackConfigFixtures.withValue(zone, k.name(), "[zone:europe-west1-e]")).config().zones());
            return;
        }
        List<String> candidates = new ArrayList<>();
        if (k.constraint() instanceof ConfigKey.Range r) {
            long d = k.dflt() instanceof Default.Value v ? ((Number) v.value()).longValue() : r.min();
            for (long x : new long[] {r.min(), r.max(), d + 1, d - 1, d + 2, d - 2, 3, 2, 12, 13}) {
                candidates.add(String.valueOf(x));
            }
        } else if (k.constraint() instanceof ConfigKey.OneOf o) {
            candidates.addAll(o.values());
        } else if (k.type() == ConfigKey.Type.BOOLEAN) {
            candidates.addAll(List.of("true", "false"));
        } else {
            candidates.addAll(SAMPLES.getOrDefault(k.name(), List.of()));
        }
        assertTrue(!candidates.isEmpty(), k.name() + " needs a sample value in ConfigKeysTest.SAMPLES");
        for (String v : candidates) {
            for (String stackFile : List.of(DEV, StackConfigFixtures.stackFile("prod"))) {
                String base2 = stackFile;
                for (var e : CONTEXT.getOrDefault(k.name(), Map.of()).entrySet()) {
                    base2 = e.getValue().equals(DROP) ? StackConfigFixtures.without(base2, e.getKey())
                            : StackConfigFixtures.withValue(base2, e.getKey(), e.getValue());
                }
                try {
                    StackConfig before = StackFileLoader.parse("dev", "x", base2).config();
                    StackConfig after = StackFileLoader.parse("dev", "x", StackConfigFixtures.withValue(base2, k.name(), v)).config();
                    if (!after.equals(before)) {
                        return;
                    }
                } catch (ConfigException e) {
                    // Another rule refused this sample; try the next one.
                }
            }
        }
        fail(k.name() + " never changed the parsed StackConfig: no record field reads it");
    }

    /** Keys that only take effect with others: set in both the stack before and after the change. */
    private static final String DROP = "(drop)";

    private static final Map<String, Map<String, String>> CONTEXT = Map.of(
            "mediaplane:networkVpc", Map.of("mediaplane:networkMode", "existing", "mediaplane:networkSubnetwork", "s",
                    "mediaplane:networkSubnetCidr", DROP),
            "mediaplane:networkSubnetwork", Map.of("mediaplane:networkMode", "existing", "mediaplane:networkSubnetwork", "s",
                    "mediaplane:networkSubnetCidr", DROP),
            "mediaplane:releaseCanarySize", Map.of("mediaplane:releaseStable", "b".repeat(64)),
            "mediaplane:streamProvider", Map.of("mediaplane:deepgramApiKey", "{secure: v1:DG}",
                    "mediaplane:assemblyaiApiKey", "{secure: v1:AAI}"));

    private static final Map<String, List<String>> SAMPLES = Map.ofEntries(
            Map.entry("mediaplane:prefix", List.of("mp-other")),
            Map.entry("mediaplane:zones", List.of("[europe-west1-b]")),
            Map.entry("mediaplane:labels", List.of("[owner=me]")),
            Map.entry("mediaplane:networkVpc", List.of("shared-vpc")),
            Map.entry("mediaplane:networkSubnetwork", List.of("shared-subnet")),
            Map.entry("mediaplane:networkSubnetCidr", List.of("10.44.0.0/24")),
            Map.entry("mediaplane:networkIlbAddress", List.of("10.42.0.200", "10.43.0.200")),
            Map.entry("mediaplane:trunkSignalingCidrs", List.of("[192.0.2.0/25]")),
            Map.entry("mediaplane:trunkMediaCidrs", List.of("[198.51.100.0/25]")),
            Map.entry("mediaplane:trunkGatewayHost", List.of("other.sip.signalwire.com")),
            Map.entry("mediaplane:trunkUsername", List.of("other-user")),
            Map.entry("mediaplane:controllerCidrs", List.of("[10.51.0.0/24]")),
            Map.entry("mediaplane:controllerServiceAccount", List.of("coe-controller@mediaplane-dev-000000.iam.gserviceaccount.com")),
            Map.entry("mediaplane:fleetMachineType", List.of("e2-standard-8")),
            Map.entry("mediaplane:fleetImage", List.of("projects/my-images-000/global/images/freeswitch-1")),
            Map.entry("mediaplane:releaseStable", List.of("a".repeat(64))),
            Map.entry("mediaplane:recordingsLocation", List.of("US")),
            Map.entry("mediaplane:recordingsEventSubscribers", List.of("[coe=coe-engine@mediaplane-dev-000000.iam.gserviceaccount.com]")),
            Map.entry("mediaplane:alertsNotificationChannels", List.of("[projects/mediaplane-dev-000000/notificationChannels/42]")),
            Map.entry("mediaplane:canaryThresholds", List.of("[cpu.hold=1.1, mos.min-samples=200]")));

    /** README key table: full key to the text of its default column. */
    private static Map<String, String> readmeDefaults() {
        String readme = StackConfigFixtures.readProjectFile("README.md");
        String table = readme.substring(readme.indexOf("<!-- config-keys:begin"), readme.indexOf(ConfigDocs.README_END));
        Map<String, String> out = new TreeMap<>();
        table.lines().filter(l -> l.startsWith("| `")).forEach(l -> {
            String[] cells = l.split(" \\| ");
            out.put(cells[0].substring(3, cells[0].length() - 1), cells[2]);
        });
        return out;
    }

    /** The record field a flat key names: {@code fleetSize} is {@code fleet().size()}, {@code prefix} is {@code prefix()}. */
    private static Object fieldOf(StackConfig c, String shortName) {
        try {
            for (var section : StackConfig.class.getRecordComponents()) {
                Object value = section.getAccessor().invoke(c);
                if (section.getName().equals(shortName)) {
                    return value;
                }
                if (shortName.startsWith(section.getName()) && value instanceof Record r) {
                    String field = Character.toLowerCase(shortName.charAt(section.getName().length()))
                            + shortName.substring(section.getName().length() + 1);
                    for (var f : r.getClass().getRecordComponents()) {
                        if (f.getName().equals(field)) {
                            return f.getAccessor().invoke(r);
                        }
                    }
                }
            }
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no StackConfig field for " + shortName);
    }

    @Test
    void catalogueHasOneRowPerKeyAndEverySecret() {
        assertEquals(ConfigKeys.ALL.size(), ConfigKeys.ALL.stream().map(ConfigKey::name).distinct().count());
        for (NodeSecret s : NodeSecret.values()) {
            ConfigKey k = ConfigKeys.byName("mediaplane:" + s.configKey()).orElseThrow();
            assertTrue(k.secret(), k.name());
        }
        assertEquals(NodeSecret.values().length, ConfigKeys.ALL.stream().filter(ConfigKey::secret).count());
        assertNotEquals(0, integerRows().count());
    }
}
