package dev.mediaplane.plan;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.pulumi.resources.Resource;
import com.pulumi.test.Mocks;
import com.pulumi.test.internal.MockMonitor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import pulumirpc.Resource.RegisterResourceResponse;
import pulumirpc.Resource.RegisterResourceRequest;

/**
 * The mock engine's monitor, recording each registration as the program sent it: type, name,
 * parent and inputs still wrapped (secrets marked, unknowns marked), which {@link Mocks} never
 * sees.
 */
final class CapturingMonitor extends MockMonitor {

    static final String SIG = "4dabf18193072939515e22adb298388d";
    static final String SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
    static final String RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
    static final String ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
    static final String ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
    static final String OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
    static final String UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

    /**
     * One registration as captured; {@code parentUrn} is empty for the stack itself.
     * {@code options} holds the lifecycle options that shape a diff: {@code retainOnDelete},
     * {@code deleteBeforeReplace=<bool>} when set explicitly.
     */
    record Registration(String type, String name, String parentUrn, Map<String, Object> inputs, List<String> options,
                        List<String> dependencyUrns) {}

    final List<Registration> registrations = Collections.synchronizedList(new ArrayList<>());

    CapturingMonitor(Mocks mocks, com.pulumi.Log log) {
        super(mocks, log);
    }

    @Override
    public CompletableFuture<RegisterResourceResponse> registerResourceAsync(Resource resource, RegisterResourceRequest request) {
        List<String> options = new ArrayList<>(2);
        if (request.hasRetainOnDelete() && request.getRetainOnDelete()) {
            options.add("retainOnDelete");
        }
        if (request.getDeleteBeforeReplaceDefined()) {
            options.add("deleteBeforeReplace=" + request.getDeleteBeforeReplace());
        }
        registrations.add(new Registration(request.getType(), request.getName(), request.getParent(),
                convert(request.getObject()), List.copyOf(options), List.copyOf(request.getDependenciesList())));
        return super.registerResourceAsync(resource, request);
    }

    static Map<String, Object> convert(Struct struct) {
        Map<String, Object> out = new TreeMap<>();
        struct.getFieldsMap().forEach((k, v) -> {
            Object x = convert(v);
            if (x != null) {
                out.put(k, x);
            }
        });
        return out;
    }

    static Object convert(Value v) {
        switch (v.getKindCase()) {
            case NULL_VALUE:
            case KIND_NOT_SET:
                return null;
            case BOOL_VALUE:
                return v.getBoolValue();
            case NUMBER_VALUE: {
                double d = v.getNumberValue();
                if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
                    return (long) d;
                }
                return d;
            }
            case STRING_VALUE:
                return UNKNOWN.equals(v.getStringValue()) ? Plan.UNKNOWN : v.getStringValue();
            case LIST_VALUE:
                return convert(v.getListValue());
            case STRUCT_VALUE:
                return special(v.getStructValue());
            default:
                throw new IllegalStateException("unexpected protobuf value kind " + v.getKindCase());
        }
    }

    private static List<Object> convert(ListValue list) {
        List<Object> out = new ArrayList<>(list.getValuesCount());
        for (Value item : list.getValuesList()) {
            Object x = convert(item);
            out.add(x);
        }
        return out;
    }

    private static Object special(Struct s) {
        Value sig = s.getFieldsMap().get(SIG);
        if (sig == null) {
            return convert(s);
        }
        Map<String, Value> f = s.getFieldsMap();
        switch (sig.getStringValue()) {
            case SECRET_SIG:
                return Plan.SECRET;
            case OUTPUT_SIG: {
                Value secret = f.get("secret");
                if (secret != null && secret.getBoolValue()) {
                    return Plan.SECRET;
                }
                Value value = f.get("value");
                return value == null ? Plan.UNKNOWN : convert(value);
            }
            case RESOURCE_SIG: {
                Map<String, Object> ref = new TreeMap<>();
                ref.put("resourceUrn", text(f.get("urn")));
                if (f.containsKey("id")) {
                    ref.put("resourceId", convert(f.get("id")));
                }
                return ref;
            }
            case ASSET_SIG: {
                Map<String, Object> asset = new TreeMap<>();
                for (String k : List.of("text", "path", "uri")) {
                    if (f.containsKey(k)) {
                        asset.put("asset." + k, convert(f.get(k)));
                    }
                }
                return asset;
            }
            case ARCHIVE_SIG: {
                Map<String, Object> archive = new TreeMap<>();
                for (String k : List.of("path", "uri", "assets")) {
                    if (f.containsKey(k)) {
                        archive.put("archive." + k, convert(f.get(k)));
                    }
                }
                return archive;
            }
            default:
                return convert(s);
        }
    }

    private static String text(Value v) {
        return v == null ? "" : v.getStringValue();
    }

    /** Logical name of the resource a URN names: the part after the last {@code ::}. */
    static Optional<String> nameOf(String urn) {
        if (urn == null || urn.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(urn.substring(urn.lastIndexOf("::") + 2));
    }

    /** Type of the resource a URN names (the last type of a qualified {@code parent$child} chain). */
    static String typeOf(String urn) {
        String[] parts = urn.split("::");
        if (parts.length < 2) {
            return "";
        }
        String qualified = parts[parts.length - 2];
        return qualified.substring(qualified.lastIndexOf('$') + 1);
    }
}
