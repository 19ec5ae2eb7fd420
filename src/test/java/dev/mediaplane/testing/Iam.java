package dev.mediaplane.testing;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * IAM as the stand-in enforces it: role bindings (member, role) on resources, inherited from the
 * project, and the permissions each predefined role carries. The permission sets are the ones
 * Google documents for these roles (cloud.google.com/iam/docs/understanding-roles), restricted to
 * the services the stand-in implements; a role not listed here must be defined with
 * {@link #defineRole} first, so a typo never grants anything.
 */
public final class Iam {

    /** Predefined role -> permissions the real API checks. */
    public static final Map<String, Set<String>> PREDEFINED = Map.of(
            // Create only: no get, no list. A 412 cannot be resolved by reading the object back.
            "roles/storage.objectCreator", Set.of("storage.objects.create", "storage.folders.create",
                    "storage.managedFolders.create", "storage.multipartUploads.create",
                    "storage.multipartUploads.abort", "storage.multipartUploads.listParts"),
            "roles/storage.objectViewer", Set.of("storage.objects.get", "storage.objects.list",
                    "storage.folders.get", "storage.folders.list", "storage.managedFolders.get",
                    "storage.managedFolders.list"),
            "roles/storage.objectUser", Set.of("storage.objects.create", "storage.objects.delete",
                    "storage.objects.get", "storage.objects.list", "storage.objects.restore", "storage.objects.update",
                    "storage.multipartUploads.create", "storage.multipartUploads.abort",
                    "storage.multipartUploads.list", "storage.multipartUploads.listParts"),
            "roles/storage.objectAdmin", Set.of("storage.objects.create", "storage.objects.delete",
                    "storage.objects.get", "storage.objects.list", "storage.objects.restore", "storage.objects.update",
                    "storage.objects.getIamPolicy", "storage.objects.setIamPolicy",
                    "storage.objects.overrideUnlockedRetention",
                    "storage.multipartUploads.create", "storage.multipartUploads.abort",
                    "storage.multipartUploads.list", "storage.multipartUploads.listParts"),
            "roles/secretmanager.secretAccessor", Set.of("secretmanager.versions.access"),
            "roles/pubsub.publisher", Set.of("pubsub.topics.publish"),
            "roles/pubsub.subscriber", Set.of("pubsub.subscriptions.consume", "pubsub.topics.attachSubscription",
                    "pubsub.snapshots.seek"),
            // Editor: everything on topics, subscriptions and snapshots but their IAM policies.
            "roles/pubsub.editor", Set.of("pubsub.subscriptions.create", "pubsub.subscriptions.delete",
                    "pubsub.subscriptions.consume", "pubsub.subscriptions.get", "pubsub.subscriptions.list",
                    "pubsub.subscriptions.update", "pubsub.topics.attachSubscription", "pubsub.topics.publish",
                    "pubsub.topics.create", "pubsub.topics.delete", "pubsub.topics.get", "pubsub.topics.list",
                    "pubsub.topics.update", "pubsub.snapshots.seek"));

    /**
     * One role binding: member (e.g. serviceAccount:x@p.iam.gserviceaccount.com) has role on
     * resource, when condition (a CEL expression, or null for none) holds.
     */
    public record Binding(String resource, String member, String role, String condition) {}

    /**
     * The one condition form the stand-in evaluates: {@code resource.name.startsWith("PREFIX")},
     * Google's documented sample for an object prefix. Anything else is refused at grant time, so a
     * condition the stand-in would misjudge never reaches a test.
     */
    private static final java.util.regex.Pattern STARTS_WITH =
            java.util.regex.Pattern.compile("resource\\.name\\.startsWith\\(\"([^\"\\\\]+)\"\\)");

    private final Map<String, Set<String>> custom = new ConcurrentHashMap<>();
    private final List<Binding> bindings = new CopyOnWriteArrayList<>();

    /** A custom role (projects/P/roles/NAME): exactly these permissions. */
    public void defineRole(String name, Set<String> permissions) {
        if (!name.matches("(projects|organizations)/[^/]+/roles/[A-Za-z0-9_.]{3,64}")) {
            throw new IllegalArgumentException("custom role name must be projects/P/roles/ID, got '" + name + "'");
        }
        custom.put(name, Set.copyOf(permissions));
    }

    /** Grants role to member on resource (a bucket: projects/_/buckets/B; a project: projects/P). */
    public void grant(String resource, String member, String role) {
        grant(resource, member, role, null);
    }

    /** A conditional grant; see {@link #STARTS_WITH} for the expressions understood. */
    public void grant(String resource, String member, String role, String condition) {
        if (condition != null && !STARTS_WITH.matcher(condition).matches()) {
            throw new IllegalArgumentException("the stand-in evaluates only resource.name.startsWith(\"...\") conditions, got '"
                    + condition + "'");
        }
        if (!member.matches("(serviceAccount|user|group):[^\\s]+")) {
            throw new IllegalArgumentException("member must be serviceAccount:EMAIL, user:EMAIL or group:EMAIL, got '" + member + "'");
        }
        permissions(role);
        bindings.add(new Binding(resource, member, role, condition));
    }

    private final Map<Binding, java.util.concurrent.atomic.AtomicInteger> propagating = new ConcurrentHashMap<>();

    /**
     * A grant that is not yet in effect everywhere (IAM propagation): the first {@code checksFirst}
     * checks it would have allowed are denied, then it behaves like {@link #grant}.
     */
    public void grantLate(String resource, String member, String role, int checksFirst) {
        grant(resource, member, role);
        propagating.put(new Binding(resource, member, role, null), new java.util.concurrent.atomic.AtomicInteger(checksFirst));
    }

    /** Removes every binding on the resource (deleting a secret or topic deletes its policy). */
    public void forget(String resource) {
        bindings.removeIf(b -> b.resource().equals(resource));
        propagating.keySet().removeIf(b -> b.resource().equals(resource));
    }

    public List<Binding> bindings() {
        return List.copyOf(bindings);
    }

    /** Whether member holds permission on any of the resources (the resource, then its ancestors). */
    public boolean allowed(String member, String permission, String... resourceAndAncestors) {
        return allowedOn(null, member, permission, resourceAndAncestors);
    }

    /**
     * As {@link #allowed}, for a request on the named resource (a GCS object:
     * projects/_/buckets/B/objects/NAME), which conditional bindings are evaluated against. With a
     * null name (a bucket-level check) a conditional binding never matches, as on GCS.
     */
    public boolean allowedOn(String resourceName, String member, String permission, String... resourceAndAncestors) {
        for (Binding b : bindings) {
            if (b.member().equals(member) && permissions(b.role()).contains(permission) && holds(b.condition(), resourceName)) {
                for (String r : resourceAndAncestors) {
                    if (b.resource().equals(r)) {
                        var late = propagating.get(b);
                        if (late != null && late.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                            break;
                        }
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean holds(String condition, String resourceName) {
        if (condition == null) {
            return true;
        }
        java.util.regex.Matcher m = STARTS_WITH.matcher(condition);
        return m.matches() && resourceName != null && resourceName.startsWith(m.group(1));
    }

    /** The permissions of a role (predefined or defined); unknown roles are an error. */
    public Set<String> permissions(String role) {
        Set<String> p = PREDEFINED.get(role);
        if (p == null) {
            p = custom.get(role);
        }
        if (p == null) {
            throw new IllegalArgumentException("role '" + role + "' is neither a predefined role the stand-in knows "
                    + PREDEFINED.keySet() + " nor a custom role defined with defineRole");
        }
        return p;
    }
}
