package dev.mediaplane.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every invalid value is refused before any resource exists, naming the key, the value and what is allowed. */
class ConfigValidationTest {

    private static final String DEV = StackConfigFixtures.stackFile("dev");
    private static final String PROD = StackConfigFixtures.stackFile("prod");

    private static Arguments bad(String base, String key, String value, String... expected) {
        String text = value == null ? StackConfigFixtures.without(base, key) : StackConfigFixtures.withValue(base, key, value);
        return Arguments.of(key + " = " + value, text, expected);
    }

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                bad(DEV, "gcp:project", null, "gcp:project is required"),
                bad(DEV, "gcp:project", "My_Project", "gcp:project must be a GCP project id", "'My_Project'"),
                bad(DEV, "gcp:region", "europe west1", "gcp:region must be a GCP region", "'europe west1'"),
                bad(DEV, "mediaplane:zones", "[europe-west1-b, us-east1-b]",
                        "mediaplane:zones[1] must be a zone in region europe-west1", "'us-east1-b'"),
                bad(DEV, "mediaplane:zones", "[europe-west1-b, europe-west1-b]", "mediaplane:zones[1] repeats zone 'europe-west1-b'"),
                bad(DEV, "mediaplane:zones", "[]", "mediaplane:zones must list at least one zone"),
                bad(DEV, "mediaplane:prefix", "Media_Plane", "mediaplane:prefix must be 2-18 characters", "'Media_Plane'"),
                bad(DEV, "mediaplane:prefix", "mediaplane-development-x", "mediaplane:prefix must be", "'mediaplane-development-x'"),
                bad(DEV, "mediaplane:trunkSignalingCidrs", "[192.0.2.0/33]",
                        "mediaplane:trunkSignalingCidrs[0] must be an IPv4 CIDR", "'192.0.2.0/33'"),
                bad(DEV, "mediaplane:trunkSignalingCidrs", "[192.0.2.1/24]",
                        "mediaplane:trunkSignalingCidrs[0] must be an IPv4 CIDR like 10.0.0.0/24 with no host bits set", "'192.0.2.1/24'"),
                bad(DEV, "mediaplane:trunkSignalingCidrs", "[192.0.2.0/24, 192.0.2.128/25]",
                        "mediaplane:trunkSignalingCidrs[1] '192.0.2.128/25' overlaps mediaplane:trunkSignalingCidrs[0] '192.0.2.0/24'"),
                bad(DEV, "mediaplane:trunkSignalingCidrs", null, "mediaplane:trunkSignalingCidrs is required"),
                bad(DEV, "mediaplane:trunkMediaCidrs", "[0.0.0.0/0]",
                        "mediaplane:trunkMediaCidrs[0] is 0.0.0.0/0", "needs mediaplane:trunkAllowAnyMedia: true"),
                bad(DEV, "mediaplane:controllerCidrs", "[0.0.0.0/0]", "mediaplane:controllerCidrs[0] must not be 0.0.0.0/0"),
                bad(DEV, "mediaplane:controllerCidrs", "[8.8.8.0/24]",
                        "mediaplane:controllerCidrs[0] must be a private range", "'8.8.8.0/24'"),
                bad(DEV, "mediaplane:rtpEndPort", "16500",
                        "holds 117 ports (16384-16500) but mediaplane:fleetMaxSessions=500 needs at least 1000"),
                bad(DEV, "mediaplane:rtpStartPort", "16385", "mediaplane:rtpStartPort must be even", "got 16385"),
                bad(DEV, "mediaplane:rtpStartPort", "80", "mediaplane:rtpStartPort must be between 1024 and 65534, got 80"),
                bad(DEV, "mediaplane:rtpEndPort", "16000", "mediaplane:rtpEndPort must be greater than mediaplane:rtpStartPort"),
                bad(DEV, "mediaplane:fleetMachineType", "e2-huge-2", "mediaplane:fleetMachineType must be", "'e2-huge-2'"),
                bad(DEV, "mediaplane:fleetSize", "0", "mediaplane:fleetSize must be between 1 and 1000, got 0"),
                bad(DEV, "mediaplane:fleetSize", "three", "mediaplane:fleetSize must be a whole number", "'three'"),
                bad(DEV, "mediaplane:streamProvider", "google",
                        "mediaplane:streamProvider must be one of [deepgram, assemblyai, none], got 'google'"),
                bad(DEV, "mediaplane:fleetAddressMode", "floating",
                        "mediaplane:fleetAddressMode must be one of [static, ephemeral], got 'floating'"),
                bad(DEV, "mediaplane:releaseCanarySize", "1",
                        "mediaplane:releaseCanarySize must be smaller than the fleet (1 node)", "got 1"),
                bad(PROD, "mediaplane:releaseCanarySize", "1", "mediaplane:releaseStable is required when mediaplane:releaseCanarySize > 0"),
                bad(PROD, "mediaplane:releaseStable", "abc123", "mediaplane:releaseStable must be a release hash", "'abc123'"),
                bad(PROD, "mediaplane:fleetAddressMode", "static",
                        "mediaplane:fleetAddressMode must be 'ephemeral' when autoscaling"),
                bad(PROD, "mediaplane:autoscalingMaxReplicas", "2",
                        "mediaplane:autoscalingMinReplicas (3) must not exceed mediaplane:autoscalingMaxReplicas (2)"),
                bad(PROD, "mediaplane:fleetSize", "4", "mediaplane:fleetSize has no effect when autoscaling", "got '4'"),
                bad(DEV, "mediaplane:labels", "[Team=voice]", "mediaplane:labels[0] key 'Team' is not a valid GCP label key"),
                bad(DEV, "mediaplane:labels", "[team=Voice Ops]", "mediaplane:labels[0] value 'Voice Ops' is not a valid GCP label value"),
                bad(DEV, "mediaplane:labels", "[stack=x]", "mediaplane:labels[0] key 'stack' is reserved"),
                bad(DEV, "mediaplane:fleetSizee", "2", "unknown config key 'mediaplane:fleetSizee'"),
                bad(DEV, "aws:region", "us-east-1", "unknown config namespace in key 'aws:region'"),
                bad(DEV, "mediaplane:controllerEslPort", "5061",
                        "mediaplane:controllerEslPort (5061) collides with mediaplane:trunkSipTlsPort"),
                bad(DEV, "mediaplane:fleetHealthPort", "20000", "mediaplane:fleetHealthPort (20000) lies inside the RTP range 16384-32767"),
                bad(DEV, "mediaplane:networkMode", "existing", "mediaplane:networkSubnetwork is required when mediaplane:networkMode is 'existing'"),
                bad(DEV, "mediaplane:networkSubnetCidr", "8.8.8.0/24", "mediaplane:networkSubnetCidr must be a private (RFC 1918) range"),
                bad(DEV, "mediaplane:networkSubnetCidr", "10.42.0.0/30", "mediaplane:networkSubnetCidr must be a private (RFC 1918) range between /8 and /29, got '10.42.0.0/30'"),
                bad(PROD, "mediaplane:networkSubnetCidr", "10.43.0.0/29", "'10.43.0.0/29' has 4 usable addresses but needs 16: 12 nodes at most + 1 internal load balancer address + 3 surge nodes"),
                bad(DEV, "mediaplane:recordingsRetentionDays", "60",
                        "mediaplane:recordingsRetentionDays (60) must not exceed mediaplane:recordingsDeleteAfterDays (30)"),
                bad(DEV, "mediaplane:recordingsStorageClass", "HOT", "mediaplane:recordingsStorageClass must be one of", "'HOT'"),
                bad(DEV, "mediaplane:secretsRotationNotices", "yes", "mediaplane:secretsRotationNotices must be true or false, got 'yes'"),
                bad(DEV, "mediaplane:secretsRefreshSeconds", "5",
                        "mediaplane:secretsRefreshSeconds must be 0 (off) or between 10 and 86400, got 5"),
                bad(DEV, "mediaplane:secretsRefreshSeconds", "90000",
                        "mediaplane:secretsRefreshSeconds must be 0 (off) or between 10 and 86400, got 90000"),
                bad(DEV, "mediaplane:alertsNotificationChannels", "[email-oncall]",
                        "mediaplane:alertsNotificationChannels[0] must be projects/PROJECT/notificationChannels/ID, got 'email-oncall'"),
                bad(DEV, "mediaplane:controllerServiceAccount", "coe", "mediaplane:controllerServiceAccount must be a service account email"),
                bad(DEV, "mediaplane:trunkGatewayHost", "not a host", "mediaplane:trunkGatewayHost must be a DNS host name", "'not a host'"),
                bad(DEV, "mediaplane:fleetMaxSessions", "600",
                        "mediaplane:fleetMaxSessions=600 exceeds the sizing rule of 250 sessions per vCPU: e2-standard-2 has 2 vCPUs, so at most 500"),
                bad(PROD, "mediaplane:fleetMachineType", "e2-custom-2-4096",
                        "mediaplane:fleetMaxSessions=1000 exceeds the sizing rule", "e2-custom-2-4096 has 2 vCPUs, so at most 500"),
                bad(DEV, "mediaplane:fleetDrainTimeoutSec", "300", "mediaplane:fleetDrainTimeoutSec must be between 5 and 85"),
                bad(PROD, "mediaplane:networkIlbAddress", "10.42.0.9",
                        "mediaplane:networkIlbAddress '10.42.0.9' is outside mediaplane:networkSubnetCidr '10.43.0.0/22'", "10.43.3.253"),
                bad(PROD, "mediaplane:networkIlbAddress", "10.43.3.254",
                        "mediaplane:networkIlbAddress '10.43.3.254' is reserved by Google Cloud of mediaplane:networkSubnetCidr",
                        "between 10.43.0.2 and 10.43.3.253"),
                bad(PROD, "mediaplane:networkIlbAddress", "10.43.0.1", "'10.43.0.1' is the default gateway"),
                bad(PROD, "mediaplane:networkIlbAddress", "10.43.3.255", "'10.43.3.255' is the broadcast address"),
                bad(PROD, "mediaplane:networkIlbAddress", "10.43.0.256", "mediaplane:networkIlbAddress must be an IPv4 address"),
                Arguments.of("existing network, balanced fleet, no networkIlbAddress",
                        StackConfigFixtures.withValue(StackConfigFixtures.withValue(StackConfigFixtures.without(PROD,
                                "mediaplane:networkSubnetCidr"), "mediaplane:networkMode", "existing"), "mediaplane:networkSubnetwork", "s"),
                        new String[] {"mediaplane:networkIlbAddress is required when mediaplane:networkMode is 'existing' and the "
                                + "fleet can hold several nodes"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    void refusesBadConfig(String label, String yaml, String[] expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> StackFileLoader.parse("dev", "Pulumi.dev.yaml", yaml));
        for (String fragment : expected) {
            assertTrue(e.getMessage().contains(fragment), () -> "expected '" + fragment + "' in:\n" + e.getMessage());
        }
    }

    @Test
    void committedStacksAreValid() {
        assertEquals("dev", StackFileLoader.parse("dev", "dev", DEV).config().stack());
        assertEquals("prod", StackFileLoader.parse("prod", "prod", PROD).config().stack());
    }

    @Test
    void reportsEveryProblemAtOnce() {
        String text = StackConfigFixtures.withValue(StackConfigFixtures.withValue(DEV, "mediaplane:fleetSize", "0"),
                "mediaplane:rtpStartPort", "16385");
        ConfigException e = assertThrows(ConfigException.class, () -> StackFileLoader.parse("dev", "x", text));
        assertEquals(2, e.problems().size(), e.getMessage());
    }

    @Test
    void plainValueForASecretKeyIsRefusedWithoutEchoingIt() {
        String text = StackConfigFixtures.withValue(DEV, "mediaplane:eslPassword", "PLAIN-MARKER-7c1e");
        ConfigException e = assertThrows(ConfigException.class, () -> StackFileLoader.parse("dev", "x", text));
        assertTrue(e.getMessage().contains("pulumi config set --secret mediaplane:eslPassword"), e.getMessage());
        assertTrue(!e.getMessage().contains("PLAIN-MARKER-7c1e"), "the secret value leaked into the error");
    }

    @Test
    void aStreamProviderNeedsItsKeySecretAndNoneNeedsNothing() {
        assertEquals(StackConfig.StreamProvider.NONE, StackFileLoader.parse("dev", "x", DEV).config().stream().provider(),
                "the default streams nothing");
        String deepgram = StackConfigFixtures.withValue(DEV, "mediaplane:streamProvider", "deepgram");
        ConfigException e = assertThrows(ConfigException.class, () -> StackFileLoader.parse("dev", "x", deepgram));
        assertTrue(e.getMessage().contains("mediaplane:streamProvider is 'deepgram' but its API key secret "
                + "mediaplane:deepgramApiKey is not set; set it with 'pulumi config set --secret mediaplane:deepgramApiKey <key>', "
                + "or set mediaplane:streamProvider to none"), e.getMessage());
        // The other provider's key does not count.
        String wrongKey = StackConfigFixtures.withValue(deepgram, "mediaplane:assemblyaiApiKey", "{secure: v1:AAI-MARKER}");
        e = assertThrows(ConfigException.class, () -> StackFileLoader.parse("dev", "x", wrongKey));
        assertTrue(e.getMessage().contains("mediaplane:deepgramApiKey is not set"), e.getMessage());
        assertTrue(!e.getMessage().contains("AAI-MARKER"), "a secret's value is never echoed");
        String withKey = StackConfigFixtures.withValue(deepgram, "mediaplane:deepgramApiKey", "{secure: v1:DG-MARKER}");
        assertEquals(StackConfig.StreamProvider.DEEPGRAM, StackFileLoader.parse("dev", "x", withKey).config().stream().provider());
        String assembly = StackConfigFixtures.withValue(wrongKey, "mediaplane:streamProvider", "assemblyai");
        assertEquals(StackConfig.StreamProvider.ASSEMBLYAI, StackFileLoader.parse("dev", "x", assembly).config().stream().provider());
    }

    @Test
    void secureValuesAreOpaqueSecretsOffline() {
        String text = StackConfigFixtures.withValue(DEV, "mediaplane:eslPassword", "{secure: v1:CIPHERTEXT-MARKER}");
        LoadedConfig loaded = StackFileLoader.parse("dev", "x", text);
        assertEquals(java.util.Set.of(NodeSecret.ESL_PASSWORD), loaded.config().providedSecrets());
        assertEquals("[secret]", loaded.secrets().get(NodeSecret.ESL_PASSWORD).toString());
        assertTrue(!loaded.toString().contains("CIPHERTEXT-MARKER"));
    }

    @Test
    void theBalancerAddressDefaultsToTheSubnetsHighestAssignableOne() {
        assertEquals(java.util.Optional.of("10.42.0.253"), StackFileLoader.parse("dev", "x", DEV).config().network().ilbAddress());
        assertEquals(java.util.Optional.of("10.43.3.253"), StackFileLoader.parse("prod", "x", PROD).config().network().ilbAddress());
        String existing = StackConfigFixtures.withValue(StackConfigFixtures.withValue(StackConfigFixtures.without(DEV,
                "mediaplane:networkSubnetCidr"), "mediaplane:networkMode", "existing"), "mediaplane:networkSubnetwork", "s");
        assertEquals(java.util.Optional.empty(), StackFileLoader.parse("dev", "x", existing).config().network().ilbAddress(),
                "an existing subnet's free addresses are unknown offline: no default");
    }

    @Test
    void defaultsApplyWhenKeysAreAbsent() {
        String text = StackConfigFixtures.without(StackConfigFixtures.without(DEV, "mediaplane:zones"), "mediaplane:fleetMachineType");
        StackConfig c = StackFileLoader.parse("dev", "x", text).config();
        assertEquals(java.util.List.of("europe-west1-b", "europe-west1-c", "europe-west1-d"), c.zones());
        assertEquals("e2-standard-2", c.fleet().machineType());
        assertEquals("mp-dev", c.prefix());
    }
}
