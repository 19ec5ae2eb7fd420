package dev.mediaplane.agent.secrets;

import dev.mediaplane.agent.AgentMain;
import dev.mediaplane.agent.NodeEnv;
import dev.mediaplane.esl.EslCredentials;
import dev.mediaplane.esl.EslEvent;
import dev.mediaplane.render.NodeContract;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The secret refresh inside the agent service: a {@link SecretRefresher} every {@code SECRET_REFRESH_SECONDS}
 * (node.env, default 60 s; off at 0 or without {@code SECRET_PREFIX}) on a thread of its own, reading with the
 * agent's Secret Manager client, applying over the agent's ESL connection (the node's admin login, fs_cli.conf's
 * password: every api is allowed), reporting to telemetry ({@code mediaplane_secret_version}, {@code /secrets}).
 *
 * <p>A rotation notice (Secret Manager's SECRET_ROTATE on the rotation topic) is not subscribed to here: the node
 * account may not create subscriptions, and a notice carries no new value anyway. The job that answers the notice
 * runs {@code mediaplane secrets rotate}, which adds the version; the next refresh (within the period) takes it.
 */
public final class SecretsExtension implements AgentMain.Extension {

    private final Function<AgentMain.Context, SecretSource> sources;
    private final Function<SecretRefresher.Settings, SecretRefresher.Settings> adjust;
    private final AtomicFiles.Owners owners;
    private volatile SecretRefresher refresher;

    /** The node's: Google's client from the agent's clients, node paths and owners. */
    public SecretsExtension() {
        this(ctx -> new SecretSource(ctx.clients().secretManager(), ctx.env().project()), Function.identity(),
                AtomicFiles.Owners.node(NodeContract.STANDARD.units().agentUser()));
    }

    /** Tests: another source (the real client on an in-process channel), adjusted settings (a root), owners. */
    public SecretsExtension(Function<AgentMain.Context, SecretSource> sources,
                            Function<SecretRefresher.Settings, SecretRefresher.Settings> adjust, AtomicFiles.Owners owners) {
        this.sources = sources;
        this.adjust = adjust;
        this.owners = owners;
    }

    /** The refresher once started (tests). */
    public SecretRefresher refresher() {
        return refresher;
    }

    @Override
    public Consumer<EslEvent> start(AgentMain.Context ctx) throws Exception {
        NodeEnv env = ctx.env();
        if (env.secretPrefix().isEmpty() || env.secretRefresh().isZero()) {
            ctx.log().info("secret_refresh_off", Map.of("reason", env.secretPrefix().isEmpty()
                    ? "node.env has no SECRET_PREFIX (a boot before this release)" : "SECRET_REFRESH_SECONDS=0"));
            return null;
        }
        String admin = EslCredentials.fromFsCliConf(env.eslConf()).password();
        SecretRefresher r = new SecretRefresher(NodeContract.STANDARD,
                adjust.apply(SecretRefresher.Settings.node(env.secretPrefix(), admin, NodeContract.STANDARD.units().agentUser())),
                sources.apply(ctx), ctx.esl()::api, new AtomicFiles(owners), ctx.log(), System::nanoTime,
                d -> Thread.sleep(d.toMillis()));
        refresher = r;
        ctx.telemetry().secrets(r::report);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(t -> {
            Thread th = new Thread(t, "secret-refresh");
            th.setDaemon(true);
            return th;
        });
        Duration period = env.secretRefresh();
        timer.scheduleWithFixedDelay(() -> {
            try {
                r.refresh();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                ctx.log().error("secret_refresh_failed", Map.of("error", e.toString()));
            }
        }, Math.min(5_000, period.toMillis()), period.toMillis(), TimeUnit.MILLISECONDS);
        ctx.log().info("secret_refresh_started", Map.of("period_s", period.toSeconds(), "prefix", env.secretPrefix()));
        return new Running(timer);
    }

    /** The listener AgentMain keeps (no event matters to it); closing it stops the timer. */
    record Running(ScheduledExecutorService timer) implements Consumer<EslEvent>, AutoCloseable {
        @Override
        public void accept(EslEvent e) {
            // the refresh runs on its period, not on events
        }

        @Override
        public void close() throws InterruptedException {
            timer.shutdownNow();
            timer.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
