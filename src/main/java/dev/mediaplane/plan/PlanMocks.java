package dev.mediaplane.plan;

import com.pulumi.test.Mocks;
import dev.mediaplane.config.Cidr;
import dev.mediaplane.render.Bundle;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the mock engine answers for each resource: its inputs plus the computed fields the program
 * reads (emails, self-links, ids, addresses), all derived from names so a plan is the same on
 * every run. Secret inputs are never echoed back as state.
 */
final class PlanMocks implements Mocks {

    private static final String COMPUTE = "https://www.googleapis.com/compute/v1/";

    private final String defaultProject;
    private final String defaultRegion;

    private final Cidr subnet;

    /** {@code subnet}: where internal addresses are drawn from, so they look like the real ones. */
    PlanMocks(String defaultProject, String defaultRegion, Cidr subnet) {
        this.defaultProject = defaultProject;
        this.defaultRegion = defaultRegion;
        this.subnet = subnet;
    }

    /** A deterministic 12-digit project number for a project id. */
    static String projectNumber(String project) {
        return String.valueOf(100_000_000_000L + Long.parseLong(Bundle.sha256(project.getBytes(StandardCharsets.UTF_8)).substring(0, 12), 16) % 900_000_000_000L);
    }

    private static int hashByte(String name, int i) {
        return Integer.parseInt(Bundle.sha256(name.getBytes(StandardCharsets.UTF_8)).substring(2 * i, 2 * i + 2), 16);
    }

    @Override
    public CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
        if (args.type != null && args.type.startsWith("mediaplane:")) {
            return CompletableFuture.completedFuture(ResourceResult.of(Optional.empty(), Map.of()));
        }
        Map<String, Object> in = args.inputs == null ? Map.of() : args.inputs;
        Map<String, Object> state = new HashMap<>(in);
        // The mock sees secrets unwrapped; state must not carry them back.
        state.remove("secretData");
        String type = args.type == null ? "" : args.type;
        String name = in.get("name") instanceof String s ? s : args.name;
        String project = in.get("project") instanceof String s ? s : defaultProject;
        String region = in.get("region") instanceof String s ? s : defaultRegion;
        state.putIfAbsent("project", project);
        String id = name;

        String[] token = type.split("[:/]");
        String module = token.length > 1 ? token[1] : "";
        String resource = token.length > 2 ? token[2] : "";

        switch (type) {
            case "gcp:serviceaccount/account:Account" -> {
                String email = in.get("accountId") + "@" + project + ".iam.gserviceaccount.com";
                state.put("email", email);
                state.put("member", "serviceAccount:" + email);
                state.put("name", "projects/" + project + "/serviceAccounts/" + email);
                state.put("uniqueId", String.valueOf(100_000_000_000_000_000L + hashByte(email, 0) * 1_000_000L + hashByte(email, 1)));
                id = "projects/" + project + "/serviceAccounts/" + email;
            }
            case "gcp:projects/serviceIdentity:ServiceIdentity" -> {
                String service = String.valueOf(in.get("service"));
                String email = "service-" + projectNumber(project) + "@gcp-sa-" + service.substring(0, service.indexOf('.'))
                        + ".iam.gserviceaccount.com";
                state.put("email", email);
                state.put("member", "serviceAccount:" + email);
                id = "projects/" + project + "/services/" + service;
            }
            case "gcp:projects/iAMCustomRole:IAMCustomRole" -> {
                id = "projects/" + project + "/roles/" + in.get("roleId");
                state.put("name", id);
            }
            case "gcp:secretmanager/secret:Secret" -> {
                id = "projects/" + project + "/secrets/" + in.get("secretId");
                state.put("name", id);
            }
            case "gcp:secretmanager/secretVersion:SecretVersion" -> {
                id = in.get("secret") + "/versions/1";
                state.put("name", id);
                state.put("version", "1");
            }
            case "gcp:pubsub/topic:Topic" -> id = "projects/" + project + "/topics/" + name;
            case "gcp:storage/bucket:Bucket" -> {
                state.put("url", "gs://" + name);
                state.put("selfLink", "https://www.googleapis.com/storage/v1/b/" + name);
            }
            case "gcp:storage/bucketObject:BucketObject" -> {
                id = in.get("bucket") + "-" + name;
                state.put("selfLink", "https://www.googleapis.com/storage/v1/b/" + in.get("bucket") + "/o/" + name);
            }
            case "gcp:monitoring/alertPolicy:AlertPolicy" -> {
                id = "projects/" + project + "/alertPolicies/" + Bundle.sha256(args.name.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
                state.put("name", id);
            }
            default -> {
                if (module.equals("compute")) {
                    id = computeLink(resource, name, project, region, in.containsKey("region"));
                    state.put("selfLink", COMPUTE + id);
                }
            }
        }
        switch (type) {
            case "gcp:compute/address:Address" -> state.putIfAbsent("address", address(name, in.get("addressType")));
            case "gcp:compute/instanceTemplate:InstanceTemplate" ->
                    state.put("selfLinkUnique", COMPUTE + id + "?uniqueId=" + (1_000_000_000L + Long.parseLong(
                            Bundle.sha256(name.getBytes(StandardCharsets.UTF_8)).substring(0, 8), 16)));
            case "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager" ->
                    state.put("instanceGroup", COMPUTE + "projects/" + project + "/regions/" + region + "/instanceGroups/" + name);
            default -> { }
        }
        String cls = token.length > 3 ? token[3] : "";
        if (cls.endsWith("IAMMember") || cls.endsWith("IamMember")) {
            Object target = in.getOrDefault("secretId", in.getOrDefault("bucket", in.getOrDefault("topic", project)));
            id = target + "/" + in.get("role") + "/" + in.get("member");
            state.put("etag", "BwY" + Bundle.sha256(id.getBytes(StandardCharsets.UTF_8)).substring(0, 8));
        }
        return CompletableFuture.completedFuture(ResourceResult.of(Optional.ofNullable(id), state));
    }

    /** {@code projects/P/(global|regions/R)/<collection>/<name>} as GCE names it. */
    private static String computeLink(String resource, String name, String project, String region, boolean regional) {
        String r = resource;
        if (r.startsWith("region") && r.length() > 6) {
            r = Character.toLowerCase(r.charAt(6)) + r.substring(7);
            regional = true;
        }
        if (r.equals("instanceTemplate")) {
            regional = false;
        }
        String plural = r.endsWith("s") ? r + "es" : r + "s";
        return "projects/" + project + "/" + (regional ? "regions/" + region : "global") + "/" + plural + "/" + name;
    }

    /** Documentation range for external addresses (RFC 5737), the subnet for internal ones. */
    private String address(String name, Object addressType) {
        if ("INTERNAL".equals(addressType)) {
            // Skip the network address and the gateway, stay below the broadcast address.
            long offset = 2 + (hashByte(name, 0) * 256L + hashByte(name, 1)) % Math.max(1, subnet.size() - 4);
            long ip = subnet.base() + offset;
            return ((ip >> 24) & 255) + "." + ((ip >> 16) & 255) + "." + ((ip >> 8) & 255) + "." + (ip & 255);
        }
        return "203.0.113." + (1 + hashByte(name, 0) % 254);
    }

    @Override
    public CompletableFuture<Map<String, Object>> callAsync(CallArgs args) {
        if ("gcp:organizations/getProject:getProject".equals(args.token)) {
            String project = args.args != null && args.args.get("projectId") instanceof String s ? s : defaultProject;
            return CompletableFuture.completedFuture(Map.of("projectId", project, "number", projectNumber(project),
                    "name", project, "id", "projects/" + project));
        }
        if ("gcp:compute/getSubnetwork:getSubnetwork".equals(args.token)) {
            // An existing subnet: offline we cannot know its VPC, so it answers a VPC named after it.
            Map<String, Object> a = args.args == null ? Map.of() : args.args;
            String project = a.get("project") instanceof String s ? s : defaultProject;
            String region = a.get("region") instanceof String s ? s : defaultRegion;
            String ref = a.get("selfLink") instanceof String s ? s : String.valueOf(a.get("name"));
            String name = ref.substring(ref.lastIndexOf('/') + 1);
            String link = COMPUTE + "projects/" + project + "/regions/" + region + "/subnetworks/" + name;
            Map<String, Object> out = new HashMap<>();
            out.put("name", name);
            out.put("project", project);
            out.put("region", region);
            out.put("selfLink", link);
            out.put("id", "projects/" + project + "/regions/" + region + "/subnetworks/" + name);
            out.put("network", COMPUTE + "projects/" + project + "/global/networks/" + name + "-vpc");
            out.put("ipCidrRange", subnet.toString());
            out.put("gatewayAddress", "");
            out.put("description", "");
            out.put("privateIpGoogleAccess", true);
            out.put("secondaryIpRanges", java.util.List.of());
            return CompletableFuture.completedFuture(out);
        }
        return CompletableFuture.completedFuture(Map.of());
    }
}
