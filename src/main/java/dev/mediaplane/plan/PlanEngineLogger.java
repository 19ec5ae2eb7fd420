package dev.mediaplane.plan;

import com.pulumi.deployment.internal.EngineLogger;
import com.pulumi.resources.Resource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Level;
import javax.annotation.Nullable;

/**
 * The engine log of the plan's mock deployment: keeps errors and warnings, drops debug and info.
 * The SDK's own logger chains every message, debug included, as an async task through the runner
 * even when nothing is printed: several tasks per resource for messages no one reads offline.
 */
final class PlanEngineLogger implements EngineLogger {

    private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> warnings = new ConcurrentLinkedQueue<>();

    @Override
    public CompletableFuture<Void> logAsync(Level level, String message, @Nullable Resource resource,
                                            @Nullable Integer streamId, @Nullable Boolean ephemeral) {
        if (level == Level.SEVERE) {
            errors.add(message);
        } else if (level == Level.WARNING) {
            warnings.add(message);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public int getErrorCount() {
        return errors.size();
    }

    @Override
    public boolean hasLoggedErrors() {
        return !errors.isEmpty();
    }

    List<String> errors() {
        return List.copyOf(errors);
    }

    List<String> warnings() {
        return List.copyOf(warnings);
    }
}
