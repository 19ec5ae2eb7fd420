package dev.mediaplane.plan;

import com.pulumi.Context;
import com.pulumi.core.Output;
import com.pulumi.core.internal.OutputData;
import com.pulumi.deployment.internal.DeploymentImpl;
import com.pulumi.test.PulumiTest;
import com.pulumi.test.TestOptions;
import com.pulumi.test.TestResult;
import com.pulumi.test.internal.PulumiTestInternal;
import dev.mediaplane.config.Cidr;
import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.infra.MediaPlaneProgram;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.logging.Level;

/**
 * Runs the Pulumi program under the Pulumi mock engine and captures every resource with its
 * inputs: the offline preview and the base of the config-aware diff.
 *
 * <p>Inputs are taken from the registration requests themselves (a {@link CapturingMonitor}),
 * not from {@code Mocks.ResourceArgs}: those have no parent and have secrets already unwrapped.
 * The root {@code pulumi:pulumi:Stack} resource is left out; its children have no parent.
 */
public final class PlanRunner {

    static final String STACK_TYPE = "pulumi:pulumi:Stack";

    static {
        // The SDK runs every step of every resource as a CompletableFuture async stage. With fewer
        // than three CPUs the common pool has parallelism 1, and CompletableFuture then starts a new
        // thread per stage: thousands per plan. A pool of four keeps the threads; it only takes
        // effect if nothing touched the common pool yet (true for the CLI, which plans first).
        // Measured on 2 CPUs, warm dev plan: ~550 ms with parallelism 1, ~350 ms with 4.
        if (System.getProperty("java.util.concurrent.ForkJoinPool.common.parallelism") == null
                && Runtime.getRuntime().availableProcessors() < 4) {
            System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism", "4");
        }
    }

    private PlanRunner() {}

    /** Plans the stack described by {@code config}. Deterministic: same input, same plan. */
    public static Plan run(LoadedConfig config) {
        return run(config, Instant.now());
    }

    /**
     * As {@link #run(LoadedConfig)} with the clock fixed. Only rotation schedules read the clock,
     * and they move once a rotation period (see {@code Secrets.ROTATION_ANCHOR}).
     */
    public static Plan run(LoadedConfig config, Instant now) {
        StackConfig c = config.config();
        return capture(c.stack(), mocksFor(c), ctx -> MediaPlaneProgram.define(ctx, config, now));
    }

    static PlanMocks mocksFor(StackConfig c) {
        // With an existing subnet its range is unknown offline; any private range reads right.
        Cidr subnet = Cidr.parse(c.network().mode() == StackConfig.NetworkMode.DEDICATED ? c.network().subnetCidr() : "10.0.0.0/24");
        return new PlanMocks(c.project(), c.region(), subnet);
    }

    /** Runs {@code program} under the mock engine and captures what it declares. */
    static Plan capture(String stack, PlanMocks mocks, Consumer<Context> program) {
        return captureWithOptions(stack, mocks, program).plan();
    }

    /**
     * A plan and the lifecycle options of its resources ({@code "<type> <name>"} to options such as
     * {@code retainOnDelete}); the plan record itself carries inputs only.
     */
    record Captured(Plan plan, Map<String, List<String>> options, Map<String, List<String>> dependencies) {}

    static synchronized Captured captureWithOptions(String stack, PlanMocks mocks, Consumer<Context> program) {
        var quiet = PulumiTestInternal.logger(Level.OFF);
        CapturingMonitor[] monitor = new CapturingMonitor[1];
        PlanEngineLogger engineLog = new PlanEngineLogger();
        try {
            PulumiTestInternal test = PulumiTestInternal.builder()
                    .options(TestOptions.builder().projectName("mediaplane").stackName(stack).preview(false).build())
                    .mocks(mocks)
                    .standardLogger(quiet)
                    .monitorDecorator(m -> monitor[0] = new CapturingMonitor(mocks, PulumiTestInternal.mockLog(quiet)))
                    .deploymentFactory(state -> {
                        state.runner = new PlanTaskRunner();
                        state.logger = engineLog;
                        return new DeploymentImpl(state);
                    })
                    .build();
            Phases.mark("engine built");
            TestResult result = test.runTest(program);
            Phases.mark("test done");
            failOnErrors(result, engineLog.errors());
            List<PlannedResource> resources = order(monitor[0].registrations);
            Map<String, Object> outputs = new TreeMap<>();
            result.outputs().forEach((k, v) -> outputs.put(k, outputValue(v)));
            Map<String, List<String>> options = new TreeMap<>();
            synchronized (monitor[0].registrations) {
                monitor[0].registrations.stream().filter(r -> !r.options().isEmpty())
                        .forEach(r -> options.put(r.type() + " " + r.name(), r.options()));
            }
            // "<type> <name>" -> the "<type> <name>" of each resource it waits for (dependsOn and inputs).
            Map<String, List<String>> dependencies = new TreeMap<>();
            synchronized (monitor[0].registrations) {
                monitor[0].registrations.forEach(r -> dependencies.put(r.type() + " " + r.name(), r.dependencyUrns().stream()
                        .map(u -> CapturingMonitor.typeOf(u) + " " + CapturingMonitor.nameOf(u).orElse(u)).sorted().toList()));
            }
            return new Captured(new Plan(stack, resources, outputs), options, dependencies);
        } finally {
            PulumiTest.cleanup();
        }
    }

    private static void failOnErrors(TestResult result, List<String> engineErrors) {
        if (!result.exceptions().isEmpty()) {
            Exception first = result.exceptions().get(0);
            Throwable cause = first;
            // The engine wraps program exceptions; surface the program's own message.
            while (cause.getCause() != null && !(cause instanceof IllegalArgumentException)
                    && !(cause instanceof dev.mediaplane.config.ConfigException)) {
                cause = cause.getCause();
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("the program failed under the mock engine: " + cause.getMessage(), first);
        }
        List<String> errors = new ArrayList<>(result.errors());
        errors.addAll(engineErrors);
        if (!errors.isEmpty()) {
            throw new IllegalStateException("the program failed under the mock engine: " + String.join("; ", errors));
        }
    }

    private static Object outputValue(Output<?> output) {
        OutputData<?> data = PulumiTestInternal.extractOutputData(output);
        if (data.isSecret()) {
            return Plan.SECRET;
        }
        if (!data.isKnown()) {
            return Plan.UNKNOWN;
        }
        return plain(data.getValueNullable());
    }

    /** Stack output values as JSON-like values: sorted maps, lists, strings, numbers, booleans. */
    private static Object plain(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new TreeMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), plain(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(x -> out.add(plain(x)));
            return out;
        }
        if (v instanceof Optional<?> o) {
            return o.map(PlanRunner::plain).orElse(null);
        }
        return v;
    }

    /** Tree order: parents before children; siblings by type, then name. */
    static List<PlannedResource> order(List<CapturingMonitor.Registration> registrations) {
        Map<String, List<PlannedResource>> children = new HashMap<>();
        List<CapturingMonitor.Registration> all;
        synchronized (registrations) {
            all = List.copyOf(registrations);
        }
        for (var r : all) {
            if (r.type().equals(STACK_TYPE)) {
                continue;
            }
            Optional<String> parent = r.parentUrn().isEmpty() || CapturingMonitor.typeOf(r.parentUrn()).equals(STACK_TYPE)
                    ? Optional.empty()
                    : CapturingMonitor.nameOf(r.parentUrn());
            // Logical names repeat across types (a metric and its alert); type + name is unique.
            String parentKey = parent.isEmpty() ? "" : CapturingMonitor.typeOf(r.parentUrn()) + "::" + parent.get();
            children.computeIfAbsent(parentKey, k -> new ArrayList<>())
                    .add(new PlannedResource(r.type(), r.name(), parent, r.inputs()));
        }
        Comparator<PlannedResource> siblings = Comparator.comparing(PlannedResource::type).thenComparing(PlannedResource::name);
        children.values().forEach(l -> l.sort(siblings));
        List<PlannedResource> out = new ArrayList<>();
        walk("", children, out);
        if (out.size() != all.stream().filter(r -> !r.type().equals(STACK_TYPE)).count()) {
            throw new IllegalStateException("plan tree is not connected: a resource's parent was not captured");
        }
        return out;
    }

    private static void walk(String parent, Map<String, List<PlannedResource>> children, List<PlannedResource> out) {
        for (PlannedResource r : children.getOrDefault(parent, List.of())) {
            out.add(r);
            walk(r.type() + "::" + r.name(), children, out);
        }
    }
}
