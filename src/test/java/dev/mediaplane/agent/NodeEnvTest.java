package dev.mediaplane.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeEnvTest {
    @TempDir Path tmp;

    List<String> good() {
        return new ArrayList<>(List.of("# boot", "STACK=dev", "PROJECT=mediaplane-dev-000000", "NODE_NAME=mp-node-1",
                "RELEASE_HASH=\"0123abcd\"", "RECORDINGS_DIR=" + tmp + "/", "RECORDINGS_BUCKET=mediaplane-dev-recordings",
                "EVENTS_TOPIC=mp-dev-recording-events", "HEALTH_PORT=8080", "INTERNAL_IP=10.0.0.5", "OTHER=ignored",
                "not a line"));
    }

    @Test
    void parsesWhatBootWritesWithDefaults() {
        NodeEnv e = NodeEnv.parse(good(), Map.of());
        assertEquals("mediaplane-dev-000000", e.project());
        assertEquals("0123abcd", e.releaseHash());
        assertEquals(tmp, e.recordingsDir());
        assertEquals(Path.of("/var/lib/mediaplane/agent"), e.stateDir());
        assertEquals(Path.of("/etc/fs_cli.conf"), e.eslConf());
        assertEquals(8080, e.healthPort());
        assertEquals("10.0.0.5", e.internalIp().getHostAddress());
        assertEquals(2, e.healthBind().size());
        assertEquals(6, e.tuning().maxAttempts());
        assertEquals(Duration.ofSeconds(60), e.tuning().quiet());
        assertEquals(4, e.tuning().parallel());
        assertEquals(Path.of("/run/mediaplane/streams"), e.streamsDir());
        assertEquals(Path.of("/etc/mediaplane/agent"), e.sttKeysDir());
        assertEquals(null, e.streamProvider(), "absent STREAM_PROVIDER is none");
    }

    @Test
    void theSecretRefreshKeys() {
        NodeEnv off = NodeEnv.parse(good(), Map.of());
        assertEquals("", off.secretPrefix(), "a boot before the refresh writes no SECRET_PREFIX: the refresh is off");
        assertEquals(Duration.ofSeconds(60), off.secretRefresh());
        List<String> lines = good();
        lines.addAll(List.of("SECRET_PREFIX=mp-prod", "SECRET_REFRESH_SECONDS=0"));
        NodeEnv e = NodeEnv.parse(lines, Map.of());
        assertEquals("mp-prod", e.secretPrefix());
        assertEquals(Duration.ZERO, e.secretRefresh());
        for (String[] bad : new String[][] {{"SECRET_REFRESH_SECONDS", "5"}, {"SECRET_REFRESH_SECONDS", "1m"}, {"SECRET_PREFIX", "MP/x"}}) {
            List<String> l = good();
            l.add(bad[0] + "=" + bad[1]);
            NodeEnv.ConfigException x = org.junit.jupiter.api.Assertions.assertThrows(NodeEnv.ConfigException.class,
                    () -> NodeEnv.parse(l, Map.of()));
            assertEquals(bad[0], x.key);
            org.junit.jupiter.api.Assertions.assertTrue(x.getMessage().startsWith(bad[0] + " must be ")
                    && x.getMessage().endsWith(", got '" + bad[1] + "'"), x.getMessage());
        }
    }

    @Test
    void theBridgeKeysAsAgreedWithBoot() {
        List<String> lines = good();
        lines.addAll(List.of("STREAMS_DIR=/dev/shm/s/", "STT_KEYS_DIR=/etc/k", "STREAM_PROVIDER=assemblyai"));
        NodeEnv e = NodeEnv.parse(lines, Map.of());
        assertEquals(Path.of("/dev/shm/s"), e.streamsDir());
        assertEquals(Path.of("/etc/k"), e.sttKeysDir());
        assertEquals(dev.mediaplane.agent.bridge.Provider.ASSEMBLYAI, e.streamProvider());
        List<String> none = good();
        none.add("STREAM_PROVIDER=none");
        assertEquals(null, NodeEnv.parse(none, Map.of()).streamProvider());
    }

    @Test
    void badValuesNameTheKeyTheValueAndWhatIsAllowed() {
        for (String[] c : new String[][] {{"RECORDINGS_BUCKET", "Bad_Bucket", "bucket"}, {"PROJECT", "X", "project"},
                {"EVENTS_TOPIC", "1topic", "topic"}, {"HEALTH_PORT", "70000", "port"}, {"INTERNAL_IP", "0.0.0.0", "wildcard"},
                {"INTERNAL_IP", "metadata.google.internal", "literal"}, {"RECORDINGS_DIR", tmp + "/missing", "existing"},
                {"ESL_CONF", "fs_cli.conf", "absolute"}, {"STREAM_PROVIDER", "google", "deepgram, assemblyai, none"},
                {"STREAM_PROVIDER", "DeepGram", "deepgram, assemblyai, none"}, {"STREAM_PROVIDER", "on", "none"},
                {"STREAMS_DIR", "run/streams", "absolute"}, {"STT_KEYS_DIR", "/etc/../x/..", "absolute"}}) {
            List<String> lines = good();
            lines.removeIf(l -> l.startsWith(c[0] + "="));
            lines.add(c[0] + "=" + c[1]);
            NodeEnv.ConfigException e = assertThrows(NodeEnv.ConfigException.class, () -> NodeEnv.parse(lines, Map.of()));
            assertEquals(c[0], e.key);
            assertEquals(c[1], e.value);
            assertTrue(e.allowed.contains(c[2]), e.getMessage());
        }
        List<String> lines = good();
        lines.removeIf(l -> l.startsWith("PROJECT="));
        assertEquals("PROJECT", assertThrows(NodeEnv.ConfigException.class, () -> NodeEnv.parse(lines, Map.of())).key);
    }

    @Test
    void tuningComesFromTheEnvironmentAndIsValidated() {
        NodeEnv e = NodeEnv.parse(good(), Map.of("MP_MAX_ATTEMPTS", "2", "MP_PARALLEL", "8", "MP_QUIET_SECONDS", "0"));
        assertEquals(2, e.tuning().maxAttempts());
        assertEquals(8, e.tuning().parallel());
        assertEquals(Duration.ZERO, e.tuning().quiet());
        NodeEnv.ConfigException x = assertThrows(NodeEnv.ConfigException.class,
                () -> NodeEnv.parse(good(), Map.of("MP_MAX_ATTEMPTS", "0")));
        assertEquals("MP_MAX_ATTEMPTS", x.key);
        assertEquals("MP_BACKOFF_BASE_MS", assertThrows(NodeEnv.ConfigException.class,
                () -> NodeEnv.parse(good(), Map.of("MP_BACKOFF_BASE_MS", "-1"))).key);
    }
}
