package dev.mediaplane.config;

import static dev.mediaplane.config.StackConfigFixtures.without;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The classes of bad (and good) input of issue 9, one table each. */
class BadInputTest {

    private static final String DEV = StackConfigFixtures.stackFile("dev");
    private static final String PROD = StackConfigFixtures.stackFile("prod");

    private static String with(String base, String... kv) {
        String t = base;
        for (int i = 0; i < kv.length; i += 2) {
            t = kv[i + 1] == null ? without(t, kv[i]) : StackConfigFixtures.withValue(t, kv[i], kv[i + 1]);
        }
        return t;
    }

    private static List<String> problems(String text) {
        try {
            StackFileLoader.parse("dev", "Pulumi.dev.yaml", text);
            return List.of();
        } catch (ConfigException e) {
            return e.problems();
        }
    }

    private static Arguments row(String label, String text, String... expected) {
        return Arguments.of(label, text, expected);
    }

    /** Each row's problems contain every fragment, one problem per fragment. */
    private static void assertProblems(String text, String[] expected) {
        List<String> p = problems(text);
        for (String fragment : expected) {
            assertTrue(p.stream().anyMatch(x -> x.contains(fragment)), () -> "expected '" + fragment + "' in:\n" + String.join("\n", p));
        }
    }

    // ---- 1. all problems at once --------------------------------------------------------------

    static Stream<Arguments> crossFieldWithSingleFieldProblems() {
        return Stream.of(
                row("bad label + ESL on SIP port", with(DEV, "mediaplane:labels", "[Team=voice]", "mediaplane:controllerEslPort", "5061"),
                        "key 'Team' is not a valid GCP label key", "mediaplane:controllerEslPort (5061) collides with mediaplane:trunkSipTlsPort"),
                row("bad prefix + RTP too small", with(DEV, "mediaplane:prefix", "Bad_", "mediaplane:rtpEndPort", "16500"),
                        "mediaplane:prefix must be", "holds 117 ports"),
                row("bad region + sizing", with(DEV, "gcp:region", "europe west1", "mediaplane:fleetMaxSessions", "600"),
                        "gcp:region must be", "exceeds the sizing rule"),
                row("bad zone + retention", with(DEV, "mediaplane:zones", "[europe-west1-a]", "mediaplane:recordingsRetentionDays", "60"),
                        "'europe-west1-a' is not a zone of europe-west1", "must not exceed mediaplane:recordingsDeleteAfterDays"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("crossFieldWithSingleFieldProblems")
    void crossFieldRulesRunBesideSingleFieldOnes(String label, String text, String[] expected) {
        assertProblems(text, expected);
    }

    // ---- 2. stated rules enforced --------------------------------------------------------------

    static Stream<Arguments> statedRules() {
        return Stream.of(
                row("vCPU 0 machine type", with(DEV, "mediaplane:fleetMachineType", "e2-standard-0"), "mediaplane:fleetMachineType must be"),
                row("allowed type stating no vCPUs", with(DEV, "mediaplane:fleetMachineType", "z9-mega",
                        "mediaplane:catalogueAllow", "[machineType:z9-mega]"), "states no vCPU count"),
                row("/1 + /1 cover the internet", with(DEV, "mediaplane:trunkSignalingCidrs", "[0.0.0.0/1, 128.0.0.0/1]"),
                        "together cover 0.0.0.0/0", "needs mediaplane:trunkAllowAnySignaling: true"),
                row("four /2 cover the internet (media)", with(DEV, "mediaplane:trunkMediaCidrs",
                        "[0.0.0.0/2, 64.0.0.0/2, 128.0.0.0/2, 192.0.0.0/2]"), "needs mediaplane:trunkAllowAnyMedia: true"),
                row("key outside config:", DEV + "mediaplane:fleetSize: 2\n", "key 'mediaplane:fleetSize' is outside the 'config:' map"),
                row("unknown top-level key", DEV + "confg:\n  a: 1\n", "unknown top-level key 'confg'"),
                row("subnet cidr with existing network", with(DEV, "mediaplane:networkMode", "existing", "mediaplane:networkSubnetwork", "s"),
                        "mediaplane:networkSubnetCidr has no effect when mediaplane:networkMode is 'existing'"),
                row("vpc with dedicated network", with(DEV, "mediaplane:networkVpc", "v"),
                        "mediaplane:networkVpc has no effect when mediaplane:networkMode is 'dedicated'"),
                row("subnet: max size + LB + surge", with(PROD, "mediaplane:networkSubnetCidr", "10.43.0.0/28"),
                        "has 12 usable addresses but needs 16: 12 nodes at most + 1 internal load balancer address + 3 surge nodes"),
                row("health port on SSH", with(DEV, "mediaplane:fleetHealthPort", "22"), "mediaplane:fleetHealthPort (22) collides with the node's SSH port"),
                row("unused catalogue entry", with(DEV, "mediaplane:catalogueAllow", "[zone:europe-west1-b]"),
                        "mediaplane:catalogueAllow[0] 'zone:europe-west1-b' has no effect"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("statedRules")
    void statedRulesAreEnforced(String label, String text, String[] expected) {
        assertProblems(text, expected);
    }

    @Test
    void subnetJustLargeEnoughPasses() {
        // 12 nodes + 1 LB + 3 surge = 16 <= 32 - 4
        assertEquals(List.of(), problems(with(PROD, "mediaplane:networkSubnetCidr", "10.43.0.0/27")));
    }

    // ---- 3. GCP naming rules --------------------------------------------------------------------

    static Stream<Arguments> gcpNames() {
        return Stream.of(
                row("prefix starting with goog", with(DEV, "mediaplane:prefix", "goog-voice"),
                        "gives the recording events topic 'goog-voice-recording-events'", "not starting with 'goog'"),
                row("prefix with google", with(DEV, "mediaplane:prefix", "my-google"),
                        "gives the recordings bucket 'mediaplane-dev-000000-my-google-recordings'", "nor containing 'google'"),
                row("Arm machine, x86 image", with(DEV, "mediaplane:fleetMachineType", "t2a-standard-2"),
                        "is an x86_64 image but mediaplane:fleetMachineType t2a-standard-2 is arm64", "debian-12-arm64"),
                row("x86 machine, Arm image", with(DEV, "mediaplane:fleetImage", "projects/debian-cloud/global/images/family/debian-12-arm64"),
                        "is an arm64 image but mediaplane:fleetMachineType e2-standard-2 is x86_64"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("gcpNames")
    void namesGcpRefusesAreRefused(String label, String text, String[] expected) {
        assertProblems(text, expected);
    }

    @Test
    void armMachineWithArmImagePasses() {
        assertEquals(List.of(), problems(with(DEV, "mediaplane:fleetMachineType", "c4a-standard-2",
                "mediaplane:fleetImage", "projects/debian-cloud/global/images/family/debian-12-arm64")));
    }

    static Stream<Arguments> nameRules() {
        return Stream.of(
                Arguments.of(GcpNames.Kind.BUCKET, "my-bucket", true), Arguments.of(GcpNames.Kind.BUCKET, "goog-b", false),
                Arguments.of(GcpNames.Kind.BUCKET, "a-google-b", false), Arguments.of(GcpNames.Kind.BUCKET, "192.168.1.1", false),
                Arguments.of(GcpNames.Kind.BUCKET, "ab", false), Arguments.of(GcpNames.Kind.BUCKET, "a".repeat(64), false),
                Arguments.of(GcpNames.Kind.TOPIC, "mp-events", true), Arguments.of(GcpNames.Kind.TOPIC, "goog-x", false),
                Arguments.of(GcpNames.Kind.TOPIC, "1abc", false), Arguments.of(GcpNames.Kind.SERVICE_ACCOUNT, "mp-node", true),
                Arguments.of(GcpNames.Kind.SERVICE_ACCOUNT, "mp-n", false), Arguments.of(GcpNames.Kind.CUSTOM_ROLE, "mp_dev_x", true),
                Arguments.of(GcpNames.Kind.CUSTOM_ROLE, "mp-dev", false), Arguments.of(GcpNames.Kind.COMPUTE, "mp-vpc", true),
                Arguments.of(GcpNames.Kind.COMPUTE, "mp-" + "x".repeat(61), false), Arguments.of(GcpNames.Kind.SECRET, "mp-esl", true),
                Arguments.of(GcpNames.Kind.SECRET, "mp.esl", false));
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @MethodSource("nameRules")
    void eachKindAppliesItsRule(GcpNames.Kind kind, String name, boolean accepted) {
        assertEquals(accepted, kind.refusal(name).isEmpty());
    }

    // ---- 4. catalogue ---------------------------------------------------------------------------

    static Stream<Arguments> catalogue() {
        return Stream.of(
                row("region typo", with(DEV, "gcp:region", "europe-wset1", "mediaplane:zones", null),
                        "gcp:region 'europe-wset1' is not a GCP region (did you mean 'europe-west1'?)", "region:europe-wset1"),
                row("zone not in region", with(DEV, "mediaplane:zones", "[europe-west1-a]"),
                        "'europe-west1-a' is not a zone of europe-west1; its zones are [europe-west1-b, europe-west1-c, europe-west1-d]"),
                row("machine type that does not exist", with(DEV, "mediaplane:fleetMachineType", "e2-standard-3"),
                        "got 'e2-standard-3'", "machineType:e2-standard-3"),
                row("custom with odd vCPUs", with(DEV, "mediaplane:fleetMachineType", "e2-custom-3-4096"), "got 'e2-custom-3-4096'"),
                row("recordings location", with(DEV, "mediaplane:recordingsLocation", "EUROPE"),
                        "mediaplane:recordingsLocation must be a GCS location", "got 'EUROPE'"),
                row("allowed region needs its location", with(DEV, "gcp:region", "europe-west99", "mediaplane:zones", "[europe-west99-a]",
                        "mediaplane:catalogueAllow", "[region:europe-west99]"), "mediaplane:recordingsLocation defaults to gcp:region"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void valuesAreCheckedAgainstTheCatalogue(String label, String text, String[] expected) {
        assertProblems(text, expected);
    }

    @Test
    void catalogueAllowAdmitsWhatTheCatalogueDoesNotKnow() {
        String text = with(DEV, "gcp:region", "europe-west99", "mediaplane:zones", "[europe-west99-a]",
                "mediaplane:recordingsLocation", "EU", "mediaplane:fleetMachineType", "e2-standard-64",
                "mediaplane:catalogueAllow", "[region:europe-west99, machineType:e2-standard-64]");
        StackConfig c = StackFileLoader.parse("dev", "x", text).config();
        assertEquals("europe-west99", c.region());
        assertEquals("e2-standard-64", c.fleet().machineType());
    }

    @Test
    void catalogueIsDatedAndKnowsTheCommittedStacks() {
        assertTrue(GcpCatalogue.get().asOf().matches("20[0-9]{2}-[0-9]{2}-[0-9]{2}"));
        assertEquals(List.of("europe-west1-b", "europe-west1-c", "europe-west1-d"), GcpCatalogue.get().zones("europe-west1"));
        assertEquals(4, GcpCatalogue.get().machineType("e2-standard-4").orElseThrow().vcpus());
        assertEquals("arm64", GcpCatalogue.get().machineType("t2a-standard-4").orElseThrow().architecture());
    }

    // ---- 5. valid input accepted -----------------------------------------------------------------

    static Stream<Arguments> validInput() {
        return Stream.of(
                Arguments.of("image self-link URL", with(DEV, "mediaplane:fleetImage",
                        "https://www.googleapis.com/compute/v1/projects/debian-cloud/global/images/family/debian-12")),
                Arguments.of("international label", with(DEV, "mediaplane:labels", "[équipe=voix, チーム=音声]")),
                Arguments.of("True", with(DEV, "mediaplane:fleetSsh", "True")),
                Arguments.of("FALSE", with(DEV, "mediaplane:trunkVerifyPeer", "FALSE")),
                Arguments.of("engine key", with(DEV, "pulumi:disable-default-providers", "['*']")),
                Arguments.of("subnetwork URL", with(DEV, "mediaplane:networkMode", "existing", "mediaplane:networkSubnetCidr", null,
                        "mediaplane:networkSubnetwork", "https://www.googleapis.com/compute/v1/projects/host-proj1/regions/europe-west1/subnetworks/s1")),
                Arguments.of("fully qualified org stack", DEV));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validInput")
    void validInputIsAccepted(String label, String text) {
        assertEquals(List.of(), problems(text));
    }

    // ---- 6. messages say nothing wrong -------------------------------------------------------------

    @Test
    void zonesAreNotJudgedAgainstARefusedRegion() {
        List<String> p = problems(with(DEV, "gcp:region", "europe west1"));
        assertEquals(1, p.size(), String.join("\n", p));
    }

    @Test
    void noCanaryProblemWhenTheFleetSizeIsInvalid() {
        List<String> p = problems(with(DEV, "mediaplane:fleetSize", "0", "mediaplane:releaseCanarySize", "1",
                "mediaplane:releaseStable", "b".repeat(64)));
        assertEquals(1, p.size(), String.join("\n", p));
        assertTrue(p.get(0).contains("mediaplane:fleetSize must be between 1 and 1000"));
    }

    @Test
    void aStringWhereAListGoesIsNamedAsTheString() {
        List<String> p = problems(with(DEV, "mediaplane:trunkSignalingCidrs", "192.0.2.0/24"));
        assertTrue(p.stream().anyMatch(x -> x.contains("must be a list, got '192.0.2.0/24'")), String.join("\n", p));
        assertFalse(p.stream().anyMatch(x -> x.contains("got []")), String.join("\n", p));
    }

    /** Every example a row's allowed text gives ("such as X", "like X") is accepted by that row. */
    @Test
    void examplesInMessagesAreAccepted() {
        java.util.regex.Pattern ex = java.util.regex.Pattern.compile("(?:such as|like) ([^ ,;()]+)");
        int checked = 0;
        for (ConfigKey k : ConfigKeys.ALL) {
            if (k.secret() || k.type() != ConfigKey.Type.STRING || !k.namespace().equals("mediaplane")) {
                continue;
            }
            var m = ex.matcher(k.constraint().allowed());
            while (m.find()) {
                String value = m.group(1);
                List<String> p = problems(with(DEV, k.name(), value));
                assertFalse(p.stream().anyMatch(x -> x.startsWith(k.name())), k.name() + " refuses its own example " + value + ": " + p);
                checked++;
            }
        }
        assertTrue(checked >= 4, "examples checked: " + checked);
    }

    @Test
    void notUtf8IsReportedByByte() {
        byte[] bytes = "config:\n  gcp:project: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
        ConfigException e = assertThrows(ConfigException.class, () -> StackFileLoader.decode("Pulumi.dev.yaml", bytes));
        assertEquals(List.of("Pulumi.dev.yaml is not UTF-8 at byte 26 (line 2); save it as UTF-8"), e.problems());
    }

    // ---- 7. robustness ------------------------------------------------------------------------------

    static Stream<Arguments> hostile() {
        return Stream.of(
                Arguments.of("deep flow list", "config:\n  mediaplane:labels: " + "[".repeat(20_000) + "]".repeat(20_000) + "\n"),
                Arguments.of("deep block maps", "config:\n" + deepBlock(200)),
                Arguments.of("huge", "config:\n  mediaplane:trunkUsername: " + "a".repeat(StackFileLoader.MAX_BYTES) + "\n"),
                Arguments.of("alias bomb", "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\n"
                        + "d: &d [*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"));
    }

    private static String deepBlock(int depth) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            b.append("  ".repeat(i + 1)).append("k").append(i).append(":\n");
        }
        return b.append("  ".repeat(depth + 1)).append("v\n").toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void hostileInputIsAConfigError(String label, String text) {
        ConfigException e = assertThrows(ConfigException.class, () -> StackFileLoader.parse("dev", "Pulumi.dev.yaml", text));
        assertTrue(e.problems().get(0).startsWith("Pulumi.dev.yaml"), e.getMessage());
    }

    @Test
    void nestingIsBoundedBeforeTheTreeIsBuilt() {
        List<String> deep = problems("config:\n" + deepBlock(200));
        assertEquals(List.of("Pulumi.dev.yaml nests more than 32 levels deep (line 33); a stack file needs 3 (config: key: list)"), deep);
        // At the limit the file is read: what remains are config problems, not the nesting.
        List<String> atLimit = problems("config:\n" + deepBlock(StackFileLoader.MAX_DEPTH - 2));
        assertFalse(atLimit.isEmpty());
        assertTrue(atLimit.stream().noneMatch(p -> p.contains("nests")), String.join("\n", atLimit));
    }

    // ---- 8. secrets never echoed ---------------------------------------------------------------------

    private static final String MARKER = "S3CRET-MARKER-91f2";

    static Stream<Arguments> secretErrorPaths() {
        String plain = with(DEV, "mediaplane:eslPassword", MARKER);
        return Stream.of(
                Arguments.of("plain value", plain),
                Arguments.of("unterminated quote", with(DEV, "mediaplane:eslPassword", "\"" + MARKER)),
                Arguments.of("unterminated single quote", with(DEV, "mediaplane:sipTrunkPassword", "'" + MARKER)),
                Arguments.of("duplicate key", plain + "  mediaplane:eslPassword: " + MARKER + "\n"),
                Arguments.of("bad indentation after", plain + "   mediaplane:fleetSize: 2\n"),
                Arguments.of("tab", plain.replace("  mediaplane:eslPassword", "\tmediaplane:eslPassword")),
                Arguments.of("flow mapping", with(DEV, "mediaplane:eslPassword", "{secure: " + MARKER)),
                Arguments.of("wrong type", with(DEV, "mediaplane:eslPassword", "[" + MARKER + "]")),
                Arguments.of("map, not secure", with(DEV, "mediaplane:eslPassword", "{value: " + MARKER + "}")),
                Arguments.of("outside config", DEV + "mediaplane:eslPassword: " + MARKER + "\n"),
                Arguments.of("unknown secret-like key", with(DEV, "mediaplane:eslPasword", MARKER)),
                Arguments.of("bad alias", with(DEV, "mediaplane:eslPassword", "*" + MARKER)),
                Arguments.of("bad escape", with(DEV, "mediaplane:eslPassword", "\"\\q" + MARKER + "\"")),
                Arguments.of("deep", with(DEV, "mediaplane:eslPassword", "[".repeat(100) + MARKER + "]".repeat(100))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("secretErrorPaths")
    void noErrorEchoesASecret(String label, String text) {
        ConfigException e = assertThrows(ConfigException.class, () -> StackFileLoader.parse("dev", "Pulumi.dev.yaml", text));
        assertFalse(e.getMessage().contains(MARKER), "secret echoed:\n" + e.getMessage());
    }

    // ---- 9. did you mean --------------------------------------------------------------------------------

    static Stream<Arguments> typos() {
        return Stream.of(
                row("fleetSizee", with(DEV, "mediaplane:fleetSizee", "2"), "did you mean 'mediaplane:fleetSize'?"),
                row("case", with(DEV, "mediaplane:fleetsize", "2"), "did you mean 'mediaplane:fleetSize'?"),
                row("namespace", with(DEV, "mediaplan:fleetSize", "2"), "did you mean 'mediaplane:'?"),
                row("far off", with(DEV, "mediaplane:colour", "2"), "Pulumi.yaml's config block and the README's key table list every"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("typos")
    void unknownKeysSuggestTheClosest(String label, String text, String[] expected) {
        assertProblems(text, expected);
        assertTrue(problems(text).stream().noneMatch(p -> p.contains("alertsNotificationChannels")), "no list of every key");
    }
}
