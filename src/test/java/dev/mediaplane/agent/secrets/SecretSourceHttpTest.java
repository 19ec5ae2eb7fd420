package dev.mediaplane.agent.secrets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.agent.gcp.GoogleClients;
import dev.mediaplane.testing.GcpStandIn;
import dev.mediaplane.testing.PlannedNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The agent's production path: Google's Secret Manager client over HTTP/JSON (what the agent jar carries), built by
 * GoogleClients with the node's metadata-server token, against the REST stand-in holding the secrets and grants the
 * dev plan declares (secretAccessor per secret, nothing else).
 */
class SecretSourceHttpTest {

    @Test
    void versionsLatestResolvesToItsNumberWithTheAccessorRoleOnlyAndARefusalNamesTheCode() throws Exception {
        PlannedNode.Cloud cloud = PlannedNode.start(PlannedNode.plan("dev", Map.of()));
        GcpStandIn gcp = cloud.gcp();
        String token = "ya29.PLANTED-" + java.util.UUID.randomUUID();
        gcp.useToken(gcp.instanceServiceAccount(), token);
        String value = "MARKER-trunk-value-" + java.util.UUID.randomUUID();
        gcp.addSecretVersion("mp-dev-sip-trunk-password", "v1-old-value-000".getBytes(StandardCharsets.UTF_8));
        gcp.addSecretVersion("mp-dev-sip-trunk-password", value.getBytes(StandardCharsets.UTF_8));
        String hostPort = gcp.url().substring("http://".length());
        try (gcp; GoogleClients clients = GoogleClients.fromEnvironment(Map.of(GoogleClients.SECRETMANAGER_ENDPOINT, gcp.url(),
                GoogleClients.GCE_METADATA_HOST, hostPort), gcp.project)) {
            SecretSource source = new SecretSource(clients.secretManager(), gcp.project);
            Optional<SecretSource.Latest> l = source.latest("mp-dev-sip-trunk-password");
            assertEquals(2, l.orElseThrow().version());
            assertArrayEquals(value.getBytes(StandardCharsets.UTF_8), l.get().value());
            assertEquals(Optional.empty(), source.latest("mp-dev-assemblyai-api-key"), "no version: empty, not an error");
            SecretSource.SourceException e = assertThrows(SecretSource.SourceException.class, () -> source.latest("mp-dev-unplanned"));
            assertEquals("PERMISSION_DENIED", e.code);
            assertTrue(e.getMessage().startsWith("Secret Manager AccessSecretVersion on projects/mediaplane-dev-000000/secrets/"
                    + "mp-dev-unplanned/versions/latest: PERMISSION_DENIED"), e.getMessage());
            assertFalse(e.getMessage().contains(value) || e.getMessage().contains(token), e.getMessage());
        }
    }
}
