package dev.mediaplane.agent.gcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GoogleClientsTest {
    @TempDir
    Path dir;

    @Test
    void malformedSettingsAreRefusedNamingTheKeyTheValueAndWhatIsAllowed() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> GoogleClients.fromEnvironment(Map.of(GoogleClients.GCS_ENDPOINT, "127.0.0.1:8080"), "my-project-1"));
        assertEquals("GCS_ENDPOINT must be a base URL http(s)://host[:port] without path, query or user info, got '127.0.0.1:8080'",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GoogleClients.fromEnvironment(Map.of(GoogleClients.PUBSUB_ENDPOINT, "http://h:1/v1"), "my-project-1"));
        assertTrue(e.getMessage().startsWith("PUBSUB_ENDPOINT must be a base URL") && e.getMessage().endsWith("got 'http://h:1/v1'"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GoogleClients.fromEnvironment(Map.of(GoogleClients.GCE_METADATA_HOST, "http://169.254.169.254"), "my-project-1"));
        assertEquals("GCE_METADATA_HOST must be host:port (e.g. 169.254.169.254:80), got 'http://169.254.169.254'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GoogleClients.fromEnvironment(Map.of(), "My_Project"));
        assertTrue(e.getMessage().endsWith("got 'My_Project'"), e.getMessage());
    }

    @Test
    void aClosedClientsObjectHandsOutNothing() throws Exception {
        try (var f = new CloudFixture()) {
            GoogleClients c = f.clients();
            c.close();
            c.close();
            assertThrows(IllegalStateException.class, () -> c.objectStore(f.cloud.recordingsBucket()));
            assertThrows(IllegalStateException.class, () -> c.eventPublisher(f.cloud.eventsTopic()));
        }
    }

    @Test
    void theHttpLogNeverCarriesATokenEvenAtLevelAll() throws Exception {
        try (var f = new CloudFixture(); var watch = new LeakWatch(); var c = f.clients()) {
            Logger http = Logger.getLogger("com.google.api.client.http.HttpTransport");
            assertTrue(http.isLoggable(Level.ALL), "the watch turned the Google libraries' logs all the way up");
            http.config("-------------- REQUEST  --------------\nPOST http://x/\nAuthorization: Bearer " + f.marker + "\n");
            http.config("{\"access_token\":\"" + f.marker + "\",\"expires_in\":3599}");
            http.log(Level.CONFIG, "curl -H ''Authorization: Bearer {0}''", f.marker);
            watch.assertNoLeak(f.marker);
            assertTrue(watch.everything().contains("Authorization: Bearer <redacted>"), watch.everything());
            assertTrue(watch.everything().contains("{\"access_token\":\"<redacted>\",\"expires_in\":3599}"), watch.everything());
            assertTrue(watch.everything().contains("curl -H 'Authorization: Bearer <redacted>'"), watch.everything());
        }
    }

    @Test
    void theLeakWatchSeesAPrintedMarker() {
        String marker = "ya29.SELF-TEST-" + System.nanoTime();
        try (var watch = new LeakWatch()) {
            System.err.println("oops " + marker);
            assertThrows(AssertionError.class, () -> watch.assertNoLeak(marker));
        }
    }

    /**
     * In a child JVM whose own environment points everywhere else (a dead metadata host, an ADC file that does not
     * exist, another project), the clients use only the map they are given.
     */
    @Test
    void onlyTheGivenMapCountsNotTheProcessEnvironment() throws Exception {
        try (var f = new CloudFixture()) {
            Path home = Files.createDirectories(dir.resolve("home"));
            String object = "org/o/recordings/CA9/child.txt";
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), GoogleClientsChild.class.getName(),
                    f.gcp.url(), f.gcp.project, f.cloud.recordingsBucket(), f.cloud.eventsTopic(), object);
            Map<String, String> env = pb.environment();
            env.put("HOME", home.toString());
            env.put("GCE_METADATA_HOST", "127.0.0.1:9");
            env.put("GOOGLE_APPLICATION_CREDENTIALS", dir.resolve("no-such-key.json").toString());
            env.put("GOOGLE_CLOUD_PROJECT", "some-other-project");
            env.put("CLOUDSDK_CONFIG", dir.resolve("no-gcloud").toString());
            pb.redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
            Process p = pb.start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child finished");
            String out = Files.readString(dir.resolve("out"));
            String err = Files.readString(dir.resolve("err"));
            assertEquals(0, p.exitValue(), out + err);
            assertTrue(out.startsWith("OK "), out);
            assertFalse((out + err).contains(f.marker), "no token in the child's output");
            assertEquals("child", new String(f.gcp.objects(f.cloud.recordingsBucket()).get(object).bytes(), StandardCharsets.UTF_8));
            List<String> metadataCalls = f.gcp.requests().stream().filter(r -> r.contains("/computeMetadata/")).toList();
            assertEquals(List.of("GET /computeMetadata/v1/instance/service-accounts/default/token"), metadataCalls,
                    "one token fetch, cached by google-auth and shared by both clients; no project or universe lookups");
            assertEquals(List.of(), List.copyOf(Files.list(home).map(Path::getFileName).map(Path::toString).toList()),
                    "nothing written under HOME");
        }
    }
}
