package dev.mediaplane.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonNull;
import com.google.gson.JsonSerializer;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.pulumi.core.Output;
import com.pulumi.gcp.pubsub.Topic;
import com.pulumi.gcp.pubsub.TopicArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import dev.mediaplane.config.Cidr;
import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.config.StackFileLoader;
import dev.mediaplane.infra.MediaPlaneProgram;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The offline plan: what it captures, how it orders, and that it is the same on every run. */
class PlanRunnerTest {

    static final Gson GSON = new GsonBuilder().serializeNulls()
            .registerTypeHierarchyAdapter(Optional.class, (JsonSerializer<Optional<?>>) (src, t, ctx) ->
                    src.isPresent() ? ctx.serialize(src.get()) : JsonNull.INSTANCE)
            .create();

    static LoadedConfig devConfig;
    static Plan dev;

    @BeforeAll
    static void plan() {
        devConfig = StackFileLoader.load(Path.of(""), "dev");
        dev = PlanRunner.run(devConfig);
    }

    @Test
    void theDevPlanIsByteIdenticalAcrossRuns() {
        Plan again = PlanRunner.run(devConfig);
        assertEquals(GSON.toJson(dev), GSON.toJson(again));
        assertEquals(dev, again);
    }

    @Test
    void resourcesAreInTreeOrderParentsFirstSiblingsByTypeThenName() {
        Set<String> seen = new HashSet<>();
        Map<String, PlannedResource> lastSibling = new java.util.HashMap<>();
        for (PlannedResource r : dev.resources()) {
            r.parent().ifPresent(p -> assertTrue(seen.contains(p), r.name() + " before its parent " + p));
            PlannedResource prev = lastSibling.put(r.parent().orElse(""), r);
            if (prev != null) {
                int byType = prev.type().compareTo(r.type());
                assertTrue(byType < 0 || byType == 0 && prev.name().compareTo(r.name()) < 0,
                        prev.type() + " " + prev.name() + " then " + r.type() + " " + r.name());
            }
            seen.add(r.name());
        }
        assertFalse(dev.resources().stream().anyMatch(r -> r.type().equals(PlanRunner.STACK_TYPE)), "the stack root is dropped");
        assertEquals(1, dev.resources().stream().filter(r -> r.parent().isEmpty()).count());
    }

    /** A stand-in component, to see parents, secrets and outputs captured from a program we control. */
    static final class Box extends ComponentResource {
        Box(String name) {
            super("test:index:Box", name, ComponentResourceOptions.builder().build());
            new Topic(name + "-topic", TopicArgs.builder()
                    .name(name + "-topic")
                    .project("p-000000")
                    .kmsKeyName(Output.ofSecret("MARKER-kms-5d1e"))
                    .labels(Map.of("a", "b"))
                    .messageRetentionDuration("600s")
                    .build(), CustomResourceOptions.builder().parent(this).build());
            registerOutputs(Map.of());
        }
    }

    @Test
    void capturesComponentsParentsSecretInputsAndOutputs() {
        Plan p = PlanRunner.capture("t", new PlanMocks("p-000000", "europe-west1", Cidr.parse("10.0.0.0/24")), ctx -> {
            new Box("box");
            ctx.export("plain", Output.of(List.of("x", "y")));
            ctx.export("hidden", Output.ofSecret("MARKER-out-9c2b"));
            ctx.export("count", Output.of(3));
        });
        assertEquals(2, p.resources().size());
        PlannedResource box = p.resources().get(0);
        PlannedResource topic = p.resources().get(1);
        assertEquals("test:index:Box", box.type());
        assertEquals(Optional.empty(), box.parent());
        assertEquals("gcp:pubsub/topic:Topic", topic.type());
        assertEquals(Optional.of("box"), topic.parent());
        assertEquals(Plan.SECRET, topic.inputs().get("kmsKeyName"));
        assertEquals(Map.of("a", "b"), topic.inputs().get("labels"));
        assertEquals("600s", topic.inputs().get("messageRetentionDuration"));
        assertEquals(List.of("x", "y"), p.outputs().get("plain"));
        assertEquals(Plan.SECRET, p.outputs().get("hidden"));
        assertEquals(3, ((Number) p.outputs().get("count")).intValue());
        assertFalse(GSON.toJson(p).contains("MARKER"));
    }

    @Test
    void aFailingProgramFailsThePlanWithItsOwnMessageAndLeavesTheEngineReusable() {
        var e = assertThrows(IllegalArgumentException.class, () -> PlanRunner.capture("t",
                new PlanMocks("p-000000", "europe-west1", Cidr.parse("10.0.0.0/24")), ctx -> {
                    throw new IllegalArgumentException("mediaplane:fleetSize is wrong, got 'x'");
                }));
        assertEquals("mediaplane:fleetSize is wrong, got 'x'", e.getMessage());
        assertEquals(dev.resources().size(), PlanRunner.run(devConfig).resources().size());
    }

    @Test
    void aFailureInsideAnOutputFailsThePlanInsteadOfHangingOrPassing() {
        var e = assertThrows(RuntimeException.class, () -> PlanRunner.capture("t",
                new PlanMocks("p-000000", "europe-west1", Cidr.parse("10.0.0.0/24")), ctx -> {
                    Output<String> bad = Output.of("x").applyValue(v -> {
                        throw new IllegalStateException("late failure in an apply");
                    });
                    new Topic("late", TopicArgs.builder().name(bad).project("p-000000").build());
                }));
        Throwable t = e;
        boolean found = false;
        while (t != null) {
            found |= String.valueOf(t.getMessage()).contains("late failure in an apply");
            t = t.getCause();
        }
        assertTrue(found, e.toString());
    }

    // ---- wire values ----

    private static Value str(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }

    private static Value struct(Map<String, Value> fields) {
        return Value.newBuilder().setStructValue(Struct.newBuilder().putAllFields(fields)).build();
    }

    @Test
    void wireValuesBecomeReadablePlainValues() {
        Value secret = struct(Map.of(CapturingMonitor.SIG, str(CapturingMonitor.SECRET_SIG), "value", str("MARKER-wire")));
        assertEquals(Plan.SECRET, CapturingMonitor.convert(secret));
        assertEquals(Plan.UNKNOWN, CapturingMonitor.convert(str(CapturingMonitor.UNKNOWN)));
        Value secretOutput = struct(Map.of(CapturingMonitor.SIG, str(CapturingMonitor.OUTPUT_SIG),
                "value", str("MARKER-wire"), "secret", Value.newBuilder().setBoolValue(true).build()));
        assertEquals(Plan.SECRET, CapturingMonitor.convert(secretOutput));
        Value unknownOutput = struct(Map.of(CapturingMonitor.SIG, str(CapturingMonitor.OUTPUT_SIG)));
        assertEquals(Plan.UNKNOWN, CapturingMonitor.convert(unknownOutput));
        Value knownOutput = struct(Map.of(CapturingMonitor.SIG, str(CapturingMonitor.OUTPUT_SIG), "value", str("v")));
        assertEquals("v", CapturingMonitor.convert(knownOutput));
        Value ref = struct(Map.of(CapturingMonitor.SIG, str(CapturingMonitor.RESOURCE_SIG),
                "urn", str("urn:pulumi:s::p::t::n"), "id", str("id-1")));
        assertEquals(Map.of("resourceUrn", "urn:pulumi:s::p::t::n", "resourceId", "id-1"), CapturingMonitor.convert(ref));
        Value asset = struct(Map.of(CapturingMonitor.SIG, str(CapturingMonitor.ASSET_SIG), "text", str("hello")));
        assertEquals(Map.of("asset.text", "hello"), CapturingMonitor.convert(asset));
        assertEquals(5061L, CapturingMonitor.convert(Value.newBuilder().setNumberValue(5061).build()));
        assertEquals(0.6, CapturingMonitor.convert(Value.newBuilder().setNumberValue(0.6).build()));
        Value list = Value.newBuilder().setListValue(ListValue.newBuilder().addValues(str("a")).addValues(secret)).build();
        assertEquals(List.of("a", Plan.SECRET), CapturingMonitor.convert(list));
        Struct withNull = Struct.newBuilder().putFields("gone", Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build())
                .putFields("kept", str("k")).build();
        assertEquals(Map.of("kept", "k"), CapturingMonitor.convert(withNull));
    }

    @Test
    void urnsNameTheirResourceAndType() {
        String urn = "urn:pulumi:dev::mediaplane::mediaplane:gcp:MediaPlane$mediaplane:gcp:Fleet::mp-dev-fleet";
        assertEquals(Optional.of("mp-dev-fleet"), CapturingMonitor.nameOf(urn));
        assertEquals("mediaplane:gcp:Fleet", CapturingMonitor.typeOf(urn));
        assertEquals(Optional.empty(), CapturingMonitor.nameOf(""));
    }

    @Test
    void mocksAnswerDeterministically() {
        assertEquals(PlanMocks.projectNumber("mediaplane-dev-000000"), PlanMocks.projectNumber("mediaplane-dev-000000"));
        assertTrue(PlanMocks.projectNumber("mediaplane-dev-000000").matches("[1-9][0-9]{11}"));
        assertFalse(PlanMocks.projectNumber("a-project").equals(PlanMocks.projectNumber("b-project")));
    }

    @Test
    void releaseObjectsAreKeptOnDeleteAndTemplatesAreCreatedBeforeTheOldGoes() {
        var c = devConfig.config();
        var captured = PlanRunner.captureWithOptions(c.stack(), PlanRunner.mocksFor(c),
                ctx -> MediaPlaneProgram.define(ctx, devConfig));
        captured.plan().ofType("gcp:storage/bucketObject:BucketObject").forEach(o ->
                assertEquals(List.of("retainOnDelete"), captured.options().get(o.type() + " " + o.name()), o.name()));
        captured.plan().ofType("gcp:compute/instanceTemplate:InstanceTemplate").forEach(t ->
                assertEquals(List.of("deleteBeforeReplace=false"), captured.options().get(t.type() + " " + t.name()), t.name()));
        // Nothing else is kept behind on delete: buckets and secrets are deleted with the stack.
        captured.options().forEach((k, v) -> {
            if (v.contains("retainOnDelete")) {
                assertTrue(k.startsWith("gcp:storage/bucketObject:BucketObject "), k);
            }
        });
    }
}
