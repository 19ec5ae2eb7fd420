package dev.mediaplane.diff;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.Patch;
import com.pulumi.core.internal.Internal;
import dev.mediaplane.config.NodeSecret;
import dev.mediaplane.config.SecretValue;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlannedResource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What changes between two sides of a stack: resources added, removed, updated in place or
 * replaced (with the changed inputs only), the release hash, a unified diff per rendered file and
 * boot script, and which secrets changed (never their values).
 *
 * @param stack the stack name
 * @param resources resource changes in head plan order, then removals in base plan order
 * @param releaseBefore release hash the base renders
 * @param releaseAfter release hash the head renders
 * @param files one entry per rendered file or boot script that differs, by path
 * @param secretsChanged config keys of secrets set, changed or unset (values never leave the configs)
 * @param nodes what the change does to the fleet's nodes
 */
public record PlanDiff(String stack, List<ResourceChange> resources, String releaseBefore, String releaseAfter,
                       List<FileDiff> files, List<String> secretsChanged, NodeImpact nodes) {

    public PlanDiff {
        resources = List.copyOf(resources);
        files = List.copyOf(files);
        secretsChanged = List.copyOf(secretsChanged);
    }

    /** What happens to one resource. */
    public enum Kind { ADD, UPDATE, REPLACE, DELETE }

    /**
     * One changed resource.
     *
     * @param kind what {@code pulumi up} does with it
     * @param type the Pulumi type token
     * @param name the head's logical name (the base's for a delete)
     * @param previousName the base's name when the resource is replaced under a new name (content hash)
     * @param parent logical name of the parent component; empty at the top
     * @param inputs changed inputs only (every input for adds and deletes), by dotted path
     * @param reasons why it is replaced; empty unless {@code kind} is REPLACE
     */
    public record ResourceChange(Kind kind, String type, String name, Optional<String> previousName,
                                 Optional<String> parent, List<InputChange> inputs, List<String> reasons) {
        public ResourceChange {
            inputs = List.copyOf(inputs);
            reasons = List.copyOf(reasons);
        }

        /** {@code "<type> <name>"}: the key the plan's resources are known by. */
        public String key() {
            return type + " " + name;
        }
    }

    /**
     * One changed input.
     *
     * @param path dotted path from the top-level input ({@code allows[0].ports}); list indexes in brackets
     * @param before the base's value; null when absent
     * @param after the head's value; null when absent
     * @param replaces whether this change alone forces a replacement ({@link ForceNew})
     */
    public record InputChange(String path, Object before, Object after, boolean replaces) {}

    /**
     * A rendered file that differs.
     *
     * @param path bundle path ({@code freeswitch/...}, {@code node/...}) or {@code boot/startup-script},
     *     {@code boot/shutdown-script}
     * @param status added, removed or changed
     * @param unified the unified diff ({@code --- base/<path>}, {@code +++ head/<path>}, 3 lines of context)
     */
    public record FileDiff(String path, String status, String unified) {}

    /**
     * The fleet's nodes under the change.
     *
     * @param templatesReplaced names of the base's instance templates the head replaces
     * @param nodesOnReplacedTemplates nodes that run a replaced template (a text: a number, or a range when autoscaled)
     * @param updatePolicy the group's update type (PROACTIVE replaces them during the update, OPPORTUNISTIC at recreation)
     */
    public record NodeImpact(List<String> templatesReplaced, String nodesOnReplacedTemplates, String updatePolicy) {
        public NodeImpact {
            templatesReplaced = List.copyOf(templatesReplaced);
        }
    }

    /** True when applying the head changes nothing. */
    public boolean isEmpty() {
        return resources.isEmpty() && files.isEmpty() && releaseBefore.equals(releaseAfter) && secretsChanged.isEmpty();
    }

    /** Number of resource changes of a kind. */
    public long count(Kind kind) {
        return resources.stream().filter(r -> r.kind() == kind).count();
    }

    /** Hash runs in names that change with content (instance templates, release objects). */
    private static final Pattern HASH_IN_NAME = Pattern.compile("(?<![0-9a-f])[0-9a-f]{10,64}(?![0-9a-f])");

    static final String TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate";
    static final String MIG = "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager";
    static final String PER_INSTANCE = "gcp:compute/regionPerInstanceConfig:RegionPerInstanceConfig";
    static final String AUTOSCALER = "gcp:compute/regionAutoscaler:RegionAutoscaler";
    static final String SECRET_VERSION = "gcp:secretmanager/secretVersion:SecretVersion";

    /** The diff from {@code base} to {@code head}. */
    public static PlanDiff between(StackSide base, StackSide head) {
        Set<NodeSecret> changedSecrets = changedSecrets(base, head);
        Map<String, String> secretVersionOf = new TreeMap<>();
        for (NodeSecret s : changedSecrets) {
            // Secrets.java names the version <prefix>-<suffix>-value on both sides.
            secretVersionOf.put(SECRET_VERSION + " " + head.config().config().prefix() + "-" + s.secretSuffix() + "-value",
                    s.configKey());
            secretVersionOf.put(SECRET_VERSION + " " + base.config().config().prefix() + "-" + s.secretSuffix() + "-value",
                    s.configKey());
        }
        List<ResourceChange> changes = resources(base.plan(), head.plan(), secretVersionOf.keySet());
        List<FileDiff> files = files(base, head);
        List<String> secrets = changedSecrets.stream().map(s -> "mediaplane:" + s.configKey()).sorted().toList();
        return new PlanDiff(head.plan().stack(), changes, base.bundle().hash(), head.bundle().hash(), files, secrets,
                nodeImpact(changes, head.plan()));
    }

    /** The plan-level part of the diff (no files, no secrets): what {@link #between} builds on. */
    static List<ResourceChange> resources(Plan base, Plan head, Set<String> changedSecretVersions) {
        Map<String, PlannedResource> before = index(base);
        Map<String, PlannedResource> after = index(head);
        // Pair a removed and an added resource whose names differ only in a content hash: one replacement.
        Map<String, List<String>> removedByShape = new TreeMap<>();
        Map<String, List<String>> addedByShape = new TreeMap<>();
        before.keySet().stream().filter(k -> !after.containsKey(k))
                .forEach(k -> removedByShape.computeIfAbsent(shape(k), x -> new ArrayList<>()).add(k));
        after.keySet().stream().filter(k -> !before.containsKey(k))
                .forEach(k -> addedByShape.computeIfAbsent(shape(k), x -> new ArrayList<>()).add(k));
        Map<String, String> renamedFrom = new TreeMap<>();
        addedByShape.forEach((shape, added) -> {
            List<String> removed = removedByShape.get(shape);
            if (added.size() == 1 && removed != null && removed.size() == 1) {
                renamedFrom.put(added.get(0), removed.get(0));
            }
        });
        Set<String> paired = new TreeSet<>(renamedFrom.values());

        List<ResourceChange> out = new ArrayList<>();
        for (PlannedResource r : head.resources()) {
            String key = r.type() + " " + r.name();
            String oldKey = before.containsKey(key) ? key : renamedFrom.get(key);
            if (oldKey == null) {
                out.add(new ResourceChange(Kind.ADD, r.type(), r.name(), Optional.empty(), r.parent(),
                        flatten("", r.inputs(), true), List.of()));
                continue;
            }
            PlannedResource old = before.get(oldKey);
            List<InputChange> inputs = new ArrayList<>();
            compare("", old.inputs(), r.inputs(), r.type(), inputs);
            boolean secretChanged = changedSecretVersions.contains(key);
            if (secretChanged && inputs.stream().noneMatch(i -> i.path().equals("secretData"))) {
                inputs.add(new InputChange("secretData", Plan.SECRET, Plan.SECRET, ForceNew.replaces(r.type(), "secretData")));
                inputs.sort(java.util.Comparator.comparing(InputChange::path));
            }
            boolean renamed = !oldKey.equals(key);
            if (inputs.isEmpty() && !renamed) {
                continue;
            }
            List<String> reasons = new ArrayList<>();
            if (renamed) {
                reasons.add("new name: its name carries a content hash");
            }
            List<String> fields = inputs.stream().filter(InputChange::replaces).map(i -> ForceNew.topLevel(i.path())).distinct()
                    .filter(f -> !(renamed && f.equals("name"))).toList();
            if (!fields.isEmpty()) {
                reasons.add(String.join(", ", fields) + (ForceNew.FIELDS.get(r.type()).contains(ForceNew.ALL)
                        ? " changed; no input of a " + shortType(r.type()) + " can be updated in place"
                        : (fields.size() == 1 ? " cannot" : " cannot") + " be updated in place"));
            }
            Kind kind = renamed || !reasons.isEmpty() ? Kind.REPLACE : Kind.UPDATE;
            out.add(new ResourceChange(kind, r.type(), r.name(), renamed ? Optional.of(old.name()) : Optional.empty(),
                    r.parent(), inputs, kind == Kind.REPLACE ? reasons : List.of()));
        }
        for (PlannedResource r : base.resources()) {
            String key = r.type() + " " + r.name();
            if (!after.containsKey(key) && !paired.contains(key)) {
                out.add(new ResourceChange(Kind.DELETE, r.type(), r.name(), Optional.empty(), r.parent(),
                        flatten("", r.inputs(), false), List.of()));
            }
        }
        return out;
    }

    private static Map<String, PlannedResource> index(Plan plan) {
        Map<String, PlannedResource> out = new LinkedHashMap<>();
        plan.resources().forEach(r -> out.put(r.type() + " " + r.name(), r));
        return out;
    }

    private static String shape(String key) {
        return HASH_IN_NAME.matcher(key).replaceAll("#");
    }

    static String shortType(String type) {
        return type.substring(type.lastIndexOf(':') + 1);
    }

    /** Every leaf of an added (after) or removed (before) resource. */
    private static List<InputChange> flatten(String prefix, Map<String, Object> inputs, boolean added) {
        List<InputChange> out = new ArrayList<>();
        inputs.forEach((k, v) -> out.add(new InputChange(prefix + k, added ? null : v, added ? v : null, false)));
        return out;
    }

    /** Adds the changed leaves of {@code a} -> {@code b} under {@code path}; maps by key, equal-length lists of maps by index. */
    @SuppressWarnings("unchecked")
    private static void compare(String path, Object a, Object b, String type, List<InputChange> out) {
        if (Objects.equals(a, b)) {
            return;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            TreeSet<String> keys = new TreeSet<>();
            ma.keySet().forEach(k -> keys.add(String.valueOf(k)));
            mb.keySet().forEach(k -> keys.add(String.valueOf(k)));
            for (String k : keys) {
                compare(path.isEmpty() ? k : path + "." + k, ((Map<String, Object>) ma).get(k), ((Map<String, Object>) mb).get(k),
                        type, out);
            }
            return;
        }
        if (a instanceof List<?> la && b instanceof List<?> lb && la.size() == lb.size()
                && la.stream().anyMatch(x -> x instanceof Map<?, ?>)) {
            for (int i = 0; i < la.size(); i++) {
                compare(path + "[" + i + "]", la.get(i), lb.get(i), type, out);
            }
            return;
        }
        // Values unknown before apply are not a change we can show.
        if (Plan.UNKNOWN.equals(a) && Plan.UNKNOWN.equals(b)) {
            return;
        }
        out.add(new InputChange(path, a, b, ForceNew.replaces(type, path)));
    }

    /** Secrets whose value differs between the two configs, compared in memory: no value or digest leaves here. */
    private static Set<NodeSecret> changedSecrets(StackSide base, StackSide head) {
        Set<NodeSecret> out = new TreeSet<>();
        for (NodeSecret s : NodeSecret.values()) {
            Optional<byte[]> a = base.config().secret(s).map(PlanDiff::digest);
            Optional<byte[]> b = head.config().secret(s).map(PlanDiff::digest);
            if (a.isPresent() != b.isPresent() || (a.isPresent() && !MessageDigest.isEqual(a.get(), b.get()))) {
                out.add(s);
            }
        }
        return out;
    }

    private static byte[] digest(SecretValue v) {
        // SecretValue hands its value out only as a secret Output; read it here and keep only a digest.
        String value = (String) Internal.of(v.output()).getDataAsync().join().getValueNullable();
        try {
            return MessageDigest.getInstance("SHA-256").digest(String.valueOf(value).getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    static List<FileDiff> files(StackSide base, StackSide head) {
        Map<String, String> before = texts(base);
        Map<String, String> after = texts(head);
        TreeSet<String> paths = new TreeSet<>(before.keySet());
        paths.addAll(after.keySet());
        List<FileDiff> out = new ArrayList<>();
        for (String p : paths) {
            String a = before.get(p);
            String b = after.get(p);
            if (Objects.equals(a, b)) {
                continue;
            }
            String status = a == null ? "added" : b == null ? "removed" : "changed";
            out.add(new FileDiff(p, status, unified(p, a, b)));
        }
        return out;
    }

    private static Map<String, String> texts(StackSide side) {
        Map<String, String> out = new TreeMap<>();
        side.bundle().files().forEach((p, bytes) -> out.put(p, new String(bytes, StandardCharsets.UTF_8)));
        // The release hash inside the startup script changes with every bundle change; the scripts'
        // own diff shows it once, which is what a reviewer needs to see.
        out.put("boot/startup-script", side.scripts().startupScript());
        out.put("boot/shutdown-script", side.scripts().shutdownScript());
        return out;
    }

    /** The unified diff of two texts (null: absent), three lines of context, {@code base/} and {@code head/} names. */
    static String unified(String path, String a, String b) {
        List<String> x = a == null ? List.of() : lines(a);
        List<String> y = b == null ? List.of() : lines(b);
        Patch<String> patch = DiffUtils.diff(x, y);
        List<String> u = UnifiedDiffUtils.generateUnifiedDiff(a == null ? "/dev/null" : "base/" + path,
                b == null ? "/dev/null" : "head/" + path, x, patch, 3);
        StringBuilder sb = new StringBuilder();
        u.forEach(l -> sb.append(l).append('\n'));
        return sb.toString();
    }

    private static List<String> lines(String s) {
        List<String> l = new ArrayList<>(Arrays.asList(s.split("\n", -1)));
        if (!l.isEmpty() && l.get(l.size() - 1).isEmpty()) {
            l.remove(l.size() - 1);
        }
        return l;
    }

    private static NodeImpact nodeImpact(List<ResourceChange> changes, Plan head) {
        List<String> replaced = changes.stream().filter(c -> c.type().equals(TEMPLATE) && c.kind() == Kind.REPLACE)
                .map(c -> c.previousName().orElse(c.name())).toList();
        List<String> deleted = changes.stream().filter(c -> c.type().equals(TEMPLATE) && c.kind() == Kind.DELETE)
                .map(ResourceChange::name).toList();
        List<String> all = new ArrayList<>(replaced);
        all.addAll(deleted);
        Optional<PlannedResource> mig = head.ofType(MIG).findFirst();
        String policy = mig.map(m -> m.inputs().get("updatePolicy") instanceof Map<?, ?> u && u.get("type") != null
                ? String.valueOf(u.get("type")) : "PROACTIVE").orElse("none");
        if (all.isEmpty() || mig.isEmpty()) {
            return new NodeImpact(all, "0", policy);
        }
        // Which of the head's group versions now point at a new template, and how many nodes each holds.
        Set<String> newTemplates = new TreeSet<>();
        changes.stream().filter(c -> c.type().equals(TEMPLATE) && c.kind() != Kind.DELETE).forEach(c -> newTemplates.add(c.name()));
        long total = head.ofType(PER_INSTANCE).count();
        String totalText;
        if (mig.get().inputs().get("targetSize") instanceof Number n) {
            totalText = String.valueOf(n.longValue());
            total = n.longValue();
        } else if (total > 0) {
            totalText = String.valueOf(total);
        } else {
            Optional<PlannedResource> autoscaler = head.ofType(AUTOSCALER).findFirst();
            totalText = autoscaler.map(PlanDiff::replicaRange).orElse("all");
            total = -1;
        }
        long fixedOthers = 0;
        long fixedChanged = 0;
        boolean restChanged = false;
        if (mig.get().inputs().get("versions") instanceof List<?> versions) {
            for (Object v : versions) {
                if (!(v instanceof Map<?, ?> version)) {
                    continue;
                }
                boolean changed = newTemplates.stream().anyMatch(t -> String.valueOf(version.get("instanceTemplate")).contains("/" + t));
                Object fixed = version.get("targetSize") instanceof Map<?, ?> ts ? ts.get("fixed") : null;
                if (fixed instanceof Number f) {
                    if (changed) {
                        fixedChanged += f.longValue();
                    } else {
                        fixedOthers += f.longValue();
                    }
                } else if (changed) {
                    restChanged = true;
                }
            }
        }
        String nodes;
        if (!restChanged) {
            nodes = String.valueOf(fixedChanged);
        } else if (total >= 0) {
            // The version without a fixed size holds the rest of the group, changed fixed versions included.
            nodes = String.valueOf(Math.max(0, total - fixedOthers));
        } else {
            nodes = fixedOthers == 0 ? totalText : totalText + " minus " + fixedOthers;
        }
        return new NodeImpact(all, nodes, policy);
    }

    private static String replicaRange(PlannedResource autoscaler) {
        if (autoscaler.inputs().get("autoscalingPolicy") instanceof Map<?, ?> p) {
            return p.get("minReplicas") + "-" + p.get("maxReplicas");
        }
        return "all";
    }
}
