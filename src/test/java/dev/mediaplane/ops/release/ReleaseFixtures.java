package dev.mediaplane.ops.release;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import dev.mediaplane.testing.GcpStandIn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A project directory holding the committed prod stack, and the stand-ins the release commands
 * reach: GCS (the shared {@link GcpStandIn}, through google-cloud-storage) and Compute
 * ({@link ComputeStandIn}, through google-http-client), both requiring the operator's token.
 */
public final class ReleaseFixtures implements AutoCloseable {

    public static final String OPERATOR = "operator@mediaplane-prod-000000.iam.gserviceaccount.com";
    /** A release that was deployed before (not this build's render). */
    public static final String OLD = "5f0c3a9e1b2d4c6f8a7e9d0b1c2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a";

    public final Path dir;
    public final GcpStandIn gcs;
    public final ComputeStandIn compute;
    public final String token = "ya29.RELEASE-OPERATOR-MARKER-7f3a";
    /** pulumi up calls the fake runner saw: "dir stack". */
    public final List<String> pulumiUps = new CopyOnWriteArrayList<>();
    /** What the fake runner prints as pulumi's output. */
    public final List<String> pulumiOutput = List.of("Updating (prod)", "Resources: 2 updated");
    private final Path pathDir;
    /** The Monitoring client per project; a test with a Monitoring stand-in sets it. */
    public java.util.function.Function<String, MetricsReader> metrics = project -> {
        throw new CloudException("no Monitoring stand-in in this test");
    };

    public ReleaseFixtures(Path dir) throws IOException {
        this.dir = dir;
        Files.copy(Path.of("Pulumi.yaml"), dir.resolve("Pulumi.yaml"));
        Files.copy(Path.of("Pulumi.prod.yaml"), dir.resolve("Pulumi.prod.yaml"));
        gcs = new GcpStandIn("mediaplane-prod-000000", 424242);
        compute = new ComputeStandIn("mediaplane-prod-000000", "europe-west1");
        gcs.useToken(OPERATOR, token);
        compute.operator(OPERATOR);
        compute.tokens.clear();
        compute.tokens.put(token, OPERATOR);
        ReleaseState s = state();
        gcs.createBucket(s.releasesBucket());
        gcs.iam.grant(GcpStandIn.bucketResource(s.releasesBucket()), GcpStandIn.sa(OPERATOR), "roles/storage.objectViewer");
        pathDir = Files.createDirectories(dir.resolve(".bin"));
    }

    public ReleaseState state() {
        return ReleaseState.read(dir, "prod");
    }

    public String stackText() throws IOException {
        return Files.readString(dir.resolve("Pulumi.prod.yaml"), StandardCharsets.UTF_8);
    }

    /** The release's manifest is in the releases bucket. */
    public void publish(String hash) {
        gcs.putObject(state().releasesBucket(), ReleaseState.manifestObject(hash), (hash + "  manifest\n").getBytes());
    }

    /** The group runs {@code release} on {@code nodes} nodes (one version, "stable"). */
    public void deployed(String release, int nodes) {
        ReleaseState s = state();
        String template = s.templateOf(release);
        compute.templates.put(template, release);
        List<ComputeStandIn.Instance> list = new ArrayList<>();
        String[] zones = {"europe-west1-b", "europe-west1-c", "europe-west1-d"};
        for (int i = 0; i < nodes; i++) {
            list.add(new ComputeStandIn.Instance(s.config().prefix() + "-node-" + (char) ('a' + i), zones[i % 3], template));
        }
        compute.group(ReleaseChecks.groupName(s), List.of(new ComputeStandIn.Version("stable", template, null)), list);
    }

    /** Puts an executable named pulumi on the PATH the context hands the commands. */
    public void pulumiOnPath() throws IOException {
        Path p = pathDir.resolve("pulumi");
        Files.writeString(p, "#!/bin/sh\nexit 99\n");
        p.toFile().setExecutable(true);
    }

    public ReleaseContext context() {
        return context(NodeDrainer.NONE, d -> { });
    }

    /** The operator's credentials: a fixed access token both stand-ins know. */
    public GoogleCredentials credentials() {
        return GoogleCredentials.create(new AccessToken(token, new Date(System.currentTimeMillis() + 3_600_000)));
    }

    public ReleaseContext context(NodeDrainer drainer, ReleaseContext.Sleeper sleeper) {
        GoogleCredentials creds = credentials();
        PulumiRunner fake = new PulumiRunner() {
            @Override
            public void up(Path projectDir, String stack, Consumer<String> output) {
                pulumiUps.add(projectDir + " " + stack);
                pulumiOutput.forEach(output);
            }

            @Override
            public Optional<String> stableReleaseOutput(Path projectDir, String stack) {
                return Optional.empty();
            }
        };
        return new ReleaseContext(Map.of("PATH", pathDir.toString()), () -> creds,
                project -> new GcsReleaseStore(project, creds, Optional.of(gcs.url())),
                project -> new ComputeFleet(project, creds, compute.root()),
                metrics,
                fake, drainer, Clock.systemUTC(), sleeper, false);
    }

    @Override
    public void close() {
        gcs.close();
        compute.close();
    }
}
