package dev.mediaplane.ops.release;

import com.google.auth.Credentials;
import com.google.auth.oauth2.GoogleCredentials;
import dev.mediaplane.ops.Progress;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the release commands reach outside the stack file: Google's APIs (with application default
 * credentials), the {@code pulumi} binary, the clock, the terminal. The CLI uses {@link #system()};
 * tests hand the same commands real Google clients pointed at loopback stand-ins.
 *
 * @param env the process environment ({@code PATH} finds {@code pulumi})
 * @param credentials the caller's Google credentials, asked for only when a command goes online
 * @param releaseStore the releases bucket's client for a project
 * @param fleet the Compute client for a project
 * @param metrics the Cloud Monitoring client for a project
 * @param pulumi runs {@code pulumi up} (Automation API)
 * @param drainer drains a node before the rollout replaces it
 * @param clock now, for windows and state files
 * @param sleeper waits between polls
 * @param tty whether stdout is a terminal (progress redraws one line; plain lines otherwise)
 */
public record ReleaseContext(Map<String, String> env, Supplier<Credentials> credentials,
                             Function<String, ReleaseStore> releaseStore, Function<String, ComputeFleet> fleet,
                             Function<String, MetricsReader> metrics, PulumiRunner pulumi, NodeDrainer drainer,
                             Clock clock, Sleeper sleeper, boolean tty) {

    /** Waits; tests pass one that does not. */
    public interface Sleeper {
        void sleep(java.time.Duration d) throws InterruptedException;
    }

    /** The real thing: ADC, Google's endpoints, the process's PATH and terminal. */
    public static ReleaseContext system() {
        Supplier<Credentials> adc = ReleaseContext::applicationDefault;
        return new ReleaseContext(System.getenv(), adc,
                project -> new GcsReleaseStore(project, adc.get(), Optional.empty()),
                project -> new ComputeFleet(project, adc.get(), ComputeFleet.GOOGLE),
                project -> MetricsReader.google(adc.get()),
                new AutomationPulumiRunner(), NodeDrainer.NONE, Clock.systemUTC(), d -> Thread.sleep(d.toMillis()),
                Progress.terminal());
    }

    /** Whether {@code pulumi} is on PATH. */
    public boolean pulumiOnPath() {
        return AutomationPulumiRunner.onPath(env).isPresent();
    }

    private static Credentials applicationDefault() {
        try {
            return GoogleCredentials.getApplicationDefault()
                    .createScoped("https://www.googleapis.com/auth/cloud-platform");
        } catch (IOException e) {
            throw new CloudException("no Google application default credentials (" + e.getMessage() + "): run"
                    + " `gcloud auth application-default login`, or pass --offline where the command has it", e);
        }
    }

    public ReleaseContext withDrainer(NodeDrainer d) {
        return new ReleaseContext(env, credentials, releaseStore, fleet, metrics, pulumi, d, clock, sleeper, tty);
    }
}
