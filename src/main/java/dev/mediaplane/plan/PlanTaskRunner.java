package dev.mediaplane.plan;

import com.pulumi.core.internal.ContextAwareCompletableFuture;
import com.pulumi.deployment.internal.Runner;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * The task runner of the plan's mock deployment. The SDK's own runner waits for the program's
 * fire-and-forget tasks by spinning: it reschedules itself without pause and formats the whole
 * task table on every turn, even with logging off. On a small machine that spinning thread takes
 * the CPU the program needs (measured: ~700 ms for the dev plan on 2 cores). This one waits on
 * the tasks' completion instead, in rounds (a task may register more tasks), and stops at the
 * first failure as the SDK's does.
 */
final class PlanTaskRunner implements Runner {

    private final Set<CompletableFuture<Void>> inFlight = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<Exception> exceptions = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Void> firstFailure = new CompletableFuture<>();

    @Override
    public <T> void registerTask(String description, CompletableFuture<T> task) {
        CompletableFuture<Void> key = task.thenApply(__ -> null);
        inFlight.add(key);
        key.whenComplete((v, t) -> {
            if (t != null) {
                firstFailure.completeExceptionally(t);
            }
        });
    }

    @Override
    public <T> CompletableFuture<Result<T>> runAsync(Supplier<T> callback) {
        CompletableFuture<T> value = ContextAwareCompletableFuture.supplyAsync(callback);
        registerTask("PlanTaskRunner#runAsync", value);
        return value.thenCompose(v -> drain().thenApply(__ -> v))
                .handle((v, t) -> {
                    if (t != null) {
                        exceptions.add(unwrap(t));
                        return result(ProcessExitedBeforeLoggingUserActionableMessage, null);
                    }
                    return result(ProcessExitedSuccessfully, v);
                });
    }

    /** Completes when no task is left, or exceptionally with the first failure. */
    private CompletableFuture<Void> drain() {
        List<CompletableFuture<Void>> round = new ArrayList<>(inFlight);
        if (round.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(round.toArray(new CompletableFuture[0]));
        return CompletableFuture.anyOf(all, firstFailure)
                .thenCompose(__ -> {
                    round.forEach(inFlight::remove);
                    return drain();
                });
    }

    private static Exception unwrap(Throwable t) {
        Throwable x = t;
        while (x instanceof CompletionException && x.getCause() != null) {
            x = x.getCause();
        }
        return x instanceof Exception e ? e : new RuntimeException(x);
    }

    private <T> Result<T> result(int code, T value) {
        List<Exception> all = List.copyOf(exceptions);
        return new Result<T>(all.isEmpty() ? code : ProcessExitedBeforeLoggingUserActionableMessage, all,
                Optional.ofNullable(value)) {};
    }
}
