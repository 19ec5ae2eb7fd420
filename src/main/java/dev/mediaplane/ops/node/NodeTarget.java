package dev.mediaplane.ops.node;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One node as the day-2 commands reach it: its instance name, its internal address (ESL, from
 * inside the VPC) and its external address (SIP over TLS from the trunk side), when known.
 *
 * <p>Node addresses are not in the stack file: internal addresses are assigned by GCE, and the
 * stack output {@code nodeAddresses} holds only the external ones (and only with static
 * addresses). So a node is given by {@code --address}, or read from an inventory: the JSON of
 * {@code gcloud compute instances list --filter='labels.stack=STACK AND labels.component=fleet'
 * --format=json}, the labels {@code Common.labels} puts on every fleet instance.
 *
 * @param name the instance name (or the address when given by --address alone)
 * @param internal the internal address (nic0 networkIP); ESL listens only there
 * @param external the external address (nic0 accessConfigs[0].natIP), empty when unknown
 */
public record NodeTarget(String name, String internal, Optional<String> external) {

    public NodeTarget {
        if (internal == null || internal.isBlank() || internal.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException("node " + name + ": internal address must be a host or IP, got '" + internal + "'");
        }
    }

    /** The gcloud command whose output {@link #inventory} reads; printed in help and errors. */
    public static String inventoryCommand(String stack) {
        return "gcloud compute instances list --filter='labels.stack=" + stack
                + " AND labels.component=fleet' --format=json > nodes.json";
    }

    /**
     * The nodes of {@code stack} in a gcloud instances listing (instances without the stack's
     * labels are skipped, so a project-wide listing works too), in the listing's order.
     */
    public static List<NodeTarget> inventory(Path file, String stack) throws IOException {
        JsonElement root;
        try {
            root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
        } catch (JsonParseException e) {
            throw new IOException(file + " is not JSON (expected the output of " + inventoryCommand(stack) + ")", e);
        }
        if (!root.isJsonArray()) {
            throw new IOException(file + " must be a JSON array of instances (the output of " + inventoryCommand(stack)
                    + "), got a " + (root.isJsonObject() ? "object" : "scalar"));
        }
        List<NodeTarget> nodes = new ArrayList<>();
        JsonArray a = root.getAsJsonArray();
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).isJsonObject()) {
                throw new IOException(file + ": [" + i + "] must be an instance object");
            }
            JsonObject inst = a.get(i).getAsJsonObject();
            JsonObject labels = inst.has("labels") && inst.get("labels").isJsonObject() ? inst.getAsJsonObject("labels") : new JsonObject();
            if (!stack.equals(str(labels, "stack")) || !"fleet".equals(str(labels, "component"))) {
                continue;
            }
            String name = str(inst, "name");
            JsonArray nics = inst.has("networkInterfaces") && inst.get("networkInterfaces").isJsonArray()
                    ? inst.getAsJsonArray("networkInterfaces") : new JsonArray();
            if (name == null || nics.isEmpty() || !nics.get(0).isJsonObject() || str(nics.get(0).getAsJsonObject(), "networkIP") == null) {
                throw new IOException(file + ": [" + i + "] (" + name + ") has no name or no networkInterfaces[0].networkIP");
            }
            JsonObject nic = nics.get(0).getAsJsonObject();
            String nat = null;
            if (nic.has("accessConfigs") && nic.get("accessConfigs").isJsonArray() && !nic.getAsJsonArray("accessConfigs").isEmpty()
                    && nic.getAsJsonArray("accessConfigs").get(0).isJsonObject()) {
                nat = str(nic.getAsJsonArray("accessConfigs").get(0).getAsJsonObject(), "natIP");
            }
            nodes.add(new NodeTarget(name, str(nic, "networkIP"), Optional.ofNullable(nat)));
        }
        return nodes;
    }

    /** The node named {@code name} in the inventory; the error lists the names there are. */
    public static NodeTarget pick(List<NodeTarget> nodes, String name, Path file, String stack) throws IOException {
        for (NodeTarget n : nodes) {
            if (n.name().equals(name)) {
                return n;
            }
        }
        throw new IOException("--node '" + name + "' is not a node of stack " + stack + " in " + file
                + " (nodes there: " + nodes.stream().map(NodeTarget::name).toList() + ")");
    }

    private static String str(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsString() : null;
    }
}
