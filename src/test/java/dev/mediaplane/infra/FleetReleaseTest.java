package dev.mediaplane.infra;

import static dev.mediaplane.infra.Stacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanRunner;
import dev.mediaplane.plan.PlannedResource;
import dev.mediaplane.render.Renderer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Releases on the fleet: canary on and off, and when instance templates get new names. */
class FleetReleaseTest {

    static final String TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate";
    static final String MIG = "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager";
    /** An older promoted release: any 64-hex hash the current render is not. */
    static final String OLD = "0123456789abcdef".repeat(4);

    static Plan pinned;
    static Plan canary;
    static Plan dev;

    @BeforeAll
    static void plan() {
        pinned = PlanRunner.run(Stacks.with("prod", Map.of("mediaplane:releaseStable", OLD)));
        canary = PlanRunner.run(Stacks.with("prod", Map.of("mediaplane:releaseStable", OLD, "mediaplane:releaseCanarySize", "1")));
        dev = PlanRunner.run(Stacks.load("dev"));
    }

    private static Map<String, PlannedResource> byKey(Plan p) {
        Map<String, PlannedResource> m = new TreeMap<>();
        p.resources().forEach(r -> m.put(r.type() + " " + r.name(), r));
        return m;
    }

    @Test
    void canaryAddsOneTemplateAndChangesOnlyTheGroupsVersions() {
        Map<String, PlannedResource> before = byKey(pinned);
        Map<String, PlannedResource> after = byKey(canary);

        Set<String> added = new TreeSet<>(after.keySet());
        added.removeAll(before.keySet());
        Set<String> removed = new TreeSet<>(before.keySet());
        removed.removeAll(after.keySet());
        assertEquals(Set.of(), removed);
        assertEquals(1, added.size(), added.toString());
        assertTrue(added.iterator().next().startsWith(TEMPLATE + " "), added.toString());

        Set<String> changed = new TreeSet<>();
        before.forEach((k, r) -> {
            if (!r.inputs().equals(after.get(k).inputs())) {
                changed.add(k);
            }
        });
        PlannedResource migBefore = Stacks.one(pinned, MIG);
        PlannedResource migAfter = Stacks.one(canary, MIG);
        assertEquals(Set.of(MIG + " " + migBefore.name()), changed);
        Map<String, Object> a = new TreeMap<>(migBefore.inputs());
        Map<String, Object> b = new TreeMap<>(migAfter.inputs());
        a.remove("versions");
        b.remove("versions");
        assertEquals(a, b, "only the versions of the group change");

        List<Map<String, Object>> versions = at(migAfter.inputs(), "versions");
        assertEquals(2, versions.size());
        assertEquals("stable", versions.get(0).get("name"));
        assertEquals("canary", versions.get(1).get("name"));
        assertEquals(1L, ((Number) at(versions.get(1), "targetSize", "fixed")).longValue());
        assertEquals(1, ((List<?>) at(migBefore.inputs(), "versions")).size());

        // The stable version keeps the pinned release's template; the canary runs the current render.
        Map<String, String> releaseOfTemplate = new TreeMap<>();
        canary.ofType(TEMPLATE).forEach(t -> releaseOfTemplate.put((String) t.inputs().get("name"),
                at(t.inputs(), "metadata", "mediaplane-release")));
        String stableTemplate = templateOf(versions.get(0));
        String canaryTemplate = templateOf(versions.get(1));
        assertEquals(OLD, releaseOfTemplate.get(stableTemplate));
        assertEquals(canary.outputs().get("canaryRelease"), releaseOfTemplate.get(canaryTemplate));
        assertEquals(OLD, canary.outputs().get("stableRelease"));
        assertEquals("", pinned.outputs().get("canaryRelease"));
    }

    private static String templateOf(Map<String, Object> version) {
        String link = (String) version.get("instanceTemplate");
        String path = link.contains("?") ? link.substring(0, link.indexOf('?')) : link;
        return path.substring(path.lastIndexOf('/') + 1);
    }

    @Test
    void templateNamesFollowTheirContentAndNothingElse() {
        String base = templateName(dev);
        // Unrelated values: the alert threshold, the recordings bucket's settings, the fleet size.
        assertEquals(base, templateName(PlanRunner.run(Stacks.with("dev", Map.of("mediaplane:alertsPacketLossPercent", "9")))));
        assertEquals(base, templateName(PlanRunner.run(Stacks.with("dev", Map.of(
                "mediaplane:recordingsDeleteAfterDays", "90", "mediaplane:recordingsStorageClass", "NEARLINE")))));
        // 1 -> 2 nodes adds the balancer and its address to the metadata; 2 -> 3 changes nothing of the template.
        String two = templateName(PlanRunner.run(Stacks.with("dev", Map.of("mediaplane:fleetSize", "2"))));
        assertNotEquals(base, two);
        assertEquals(two, templateName(PlanRunner.run(Stacks.with("dev", Map.of("mediaplane:fleetSize", "3")))));
        // Content: the rendered release (RTP range) changes the startup script, the machine type the VM.
        var rtp = Stacks.with("dev", Map.of("mediaplane:rtpStartPort", "20000"));
        assertNotEquals(Renderer.render(Stacks.load("dev").config()).hash(), Renderer.render(rtp.config()).hash());
        assertNotEquals(base, templateName(PlanRunner.run(rtp)));
        assertNotEquals(base, templateName(PlanRunner.run(Stacks.with("dev", Map.of("mediaplane:fleetMachineType", "e2-standard-4")))));
    }

    @Test
    void templateNameIsPrefixAndTenHexOfTheContentHash() {
        var c = Stacks.load("dev").config();
        String name = templateName(dev);
        assertTrue(name.matches("mp-dev-node-[0-9a-f]{10}"), name);
        assertEquals(Fleet.templateName(c, Renderer.bootScripts(c, Renderer.render(c).hash())), name);
        // Same content, same name, whatever the run.
        assertEquals(Fleet.templateName(c, Renderer.bootScripts(c, OLD)), Fleet.templateName(c, Renderer.bootScripts(c, OLD)));
        assertNotEquals(Fleet.templateName(c, Renderer.bootScripts(c, OLD)),
                Fleet.templateName(c, Renderer.bootScripts(c, OLD.replace('0', 'f'))));
    }

    @Test
    void aCanaryOfTheStableReleaseItselfIsRefused() {
        var c = Stacks.load("prod").config();
        String current = Renderer.render(c).hash();
        var e = assertThrows(IllegalArgumentException.class, () -> PlanRunner.run(Stacks.with("prod", Map.of(
                "mediaplane:releaseStable", current, "mediaplane:releaseCanarySize", "1"))));
        assertTrue(e.getMessage().contains("mediaplane:releaseStable"), e.getMessage());
        assertTrue(e.getMessage().contains(current), e.getMessage());
    }

    /** A different value of the same type: every kind of component a TemplateSpec has. */
    private static Object mutate(Object v, Class<?> type) {
        if (type == String.class) {
            return v + "x";
        }
        if (type == int.class) {
            return (Integer) v + 1;
        }
        if (type == boolean.class) {
            return !(Boolean) v;
        }
        if (type == Map.class) {
            Map<Object, Object> m = new TreeMap<>((Map<?, ?>) v);
            m.put("mutated", "x");
            return m;
        }
        if (type == List.class) {
            List<Object> l = new java.util.ArrayList<>((List<?>) v);
            l.add("x");
            return l;
        }
        throw new AssertionError("TemplateSpec has a component of a type this test cannot mutate: " + type
                + "; teach mutate() about it");
    }

    @Test
    void everyFieldOfTheTemplateSpecChangesTheName() throws Exception {
        var c = Stacks.load("dev").config();
        Fleet.TemplateSpec base = Fleet.TemplateSpec.of(c, Renderer.bootScripts(c, OLD));
        var components = Fleet.TemplateSpec.class.getRecordComponents();
        Class<?>[] types = java.util.Arrays.stream(components).map(java.lang.reflect.RecordComponent::getType)
                .toArray(Class<?>[]::new);
        var ctor = Fleet.TemplateSpec.class.getDeclaredConstructor(types);
        Set<String> names = new TreeSet<>(Set.of(base.name()));
        for (int i = 0; i < components.length; i++) {
            Object[] args = new Object[components.length];
            for (int j = 0; j < components.length; j++) {
                args[j] = components[j].getAccessor().invoke(base);
            }
            args[i] = mutate(args[i], types[i]);
            Fleet.TemplateSpec changed = ctor.newInstance(args);
            assertTrue(names.add(changed.name()), "changing " + components[i].getName() + " keeps the template name "
                    + changed.name());
        }
        assertEquals(components.length + 1, names.size());
    }

    /** Leaves of captured inputs: path -> value. */
    private static void leaves(String path, Object v, Map<String, Object> out) {
        if (v instanceof Map<?, ?> m) {
            m.forEach((k, x) -> leaves(path + "/" + k, x, out));
        } else if (v instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                leaves(path + "[" + i + "]", l.get(i), out);
            }
        } else {
            out.put(path, v);
        }
    }

    @Test
    void everyInputThePlanCapturesForTheTemplateComesFromItsSpec() throws Exception {
        var c = Stacks.load("dev").config();
        PlannedResource t = Stacks.one(dev, TEMPLATE);
        Fleet.TemplateSpec spec = Fleet.TemplateSpec.of(c, Renderer.bootScripts(c, Renderer.render(c).hash()));
        Map<String, Object> captured = new TreeMap<>();
        leaves("", t.inputs(), captured);
        Map<String, Object> content = new TreeMap<>();
        leaves("", spec.content(), content);
        Set<Object> contentValues = new java.util.HashSet<>(content.values());
        Map<String, Object> components = new TreeMap<>();
        for (var rc : Fleet.TemplateSpec.class.getRecordComponents()) {
            components.put(rc.getName(), rc.getAccessor().invoke(spec));
        }
        // Captured keys whose spec component has another name; "boot": the template's only disk is its boot disk.
        Map<String, String> alias = Map.of("enableSecureBoot", "secureBoot", "enableVtpm", "vtpm",
                "enableIntegrityMonitoring", "integrityMonitoring", "autoDelete", "diskAutoDelete");
        String subnetName = spec.subnetwork().substring(spec.subnetwork().indexOf(':') + 1);
        captured.forEach((path, v) -> {
            String key = path.substring(path.lastIndexOf('/') + 1).replaceAll("\\[\\d+]$", "");
            boolean covered;
            if (path.equals("/name")) {
                covered = v.equals(spec.name());
            } else if (path.equals("/description")) {
                covered = v.equals(spec.description());
            } else if (path.equals("/serviceAccount/email")) {
                covered = v.equals(spec.serviceAccountEmail());
            } else if (path.startsWith("/networkInterfaces[0]/subnetwork")) {
                covered = String.valueOf(v).endsWith("/regions/" + spec.region() + "/subnetworks/" + subnetName);
            } else if (path.equals("/disks[0]/boot")) {
                covered = Boolean.TRUE.equals(v);
            } else if (v instanceof String) {
                covered = contentValues.contains(v) || components.containsValue(v);
            } else {
                Object component = components.get(alias.getOrDefault(key, key));
                covered = component != null && String.valueOf(component).equals(String.valueOf(v).replaceAll("\\.0$", ""));
            }
            assertTrue(covered, "captured template input " + path + " = " + v + " does not come from Fleet.TemplateSpec;"
                    + " add it there so it reaches the template's name");
        });
        assertTrue(captured.size() > 20, "too few captured inputs to prove anything: " + captured.keySet());
    }

    private static String templateName(Plan p) {
        return (String) Stacks.one(p, TEMPLATE).inputs().get("name");
    }
}
