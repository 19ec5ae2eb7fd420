package dev.mediaplane.config;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GCP facts validation needs and cannot ask GCP for offline: regions and their zones, machine
 * families (architecture, predefined shapes and their vCPUs, custom limits) and GCS locations.
 * Read from the dated resource {@code gcp-catalogue.json} ({@link #asOf()}); what it does not
 * know yet is refused unless {@code mediaplane:catalogueAllow} names it. The README's
 * "Configuration" section gives the gcloud commands that refresh it.
 */
public final class GcpCatalogue {

    /** Where the resource lives on the classpath. */
    public static final String RESOURCE = "/dev/mediaplane/config/gcp-catalogue.json";

    private static final Pattern PREDEFINED = Pattern.compile("([a-z][a-z0-9]*)-([a-z]+)-([0-9]{1,4})");
    private static final Pattern CUSTOM = Pattern.compile("([a-z][a-z0-9]*)-custom-([0-9]{1,4})-([0-9]{3,7})");

    private static final GcpCatalogue DEFAULT = load();

    private final String asOf;
    private final Map<String, List<String>> regions;
    private final Map<String, Family> families;
    private final Set<String> gcsLocations;

    /** A machine family: its CPU architecture, predefined shapes and, if it has them, custom limits. */
    public record Family(String architecture, Map<String, List<Integer>> shapes, Optional<Custom> custom) {}

    /** Limits of a family's custom machine types. */
    public record Custom(int minVcpus, int maxVcpus, boolean evenVcpus) {}

    /** A machine type the catalogue knows: its vCPU count and architecture ({@code x86_64}, {@code arm64}). */
    public record MachineType(String name, int vcpus, String architecture) {}

    private GcpCatalogue(String asOf, Map<String, List<String>> regions, Map<String, Family> families, Set<String> gcsLocations) {
        this.asOf = asOf;
        this.regions = regions;
        this.families = families;
        this.gcsLocations = gcsLocations;
    }

    /** The catalogue shipped in the jar. */
    public static GcpCatalogue get() {
        return DEFAULT;
    }

    private static GcpCatalogue load() {
        try (InputStream in = GcpCatalogue.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + RESOURCE);
            }
            JsonObject doc = new Gson().fromJson(new InputStreamReader(in, StandardCharsets.UTF_8), JsonObject.class);
            Map<String, List<String>> regions = new LinkedHashMap<>();
            doc.getAsJsonObject("regions").entrySet().forEach(e -> {
                List<String> zones = new ArrayList<>();
                e.getValue().getAsJsonArray().forEach(z -> zones.add(z.getAsString()));
                regions.put(e.getKey(), List.copyOf(zones));
            });
            Map<String, Family> families = new LinkedHashMap<>();
            doc.getAsJsonObject("machineFamilies").entrySet().forEach(e -> {
                JsonObject f = e.getValue().getAsJsonObject();
                Map<String, List<Integer>> shapes = new LinkedHashMap<>();
                f.getAsJsonObject("shapes").entrySet().forEach(s -> {
                    List<Integer> v = new ArrayList<>();
                    s.getValue().getAsJsonArray().forEach(n -> v.add(n.getAsInt()));
                    shapes.put(s.getKey(), List.copyOf(v));
                });
                Optional<Custom> custom = Optional.ofNullable(f.getAsJsonObject("custom")).map(c -> new Custom(
                        c.get("minVcpus").getAsInt(), c.get("maxVcpus").getAsInt(), c.get("evenVcpus").getAsBoolean()));
                families.put(e.getKey(), new Family(f.get("architecture").getAsString(), Map.copyOf(shapes), custom));
            });
            Set<String> gcs = new TreeSet<>();
            doc.getAsJsonArray("gcsMultiRegions").forEach(x -> gcs.add(x.getAsString()));
            doc.getAsJsonArray("gcsDualRegions").forEach(x -> gcs.add(x.getAsString()));
            regions.keySet().forEach(r -> gcs.add(r.toUpperCase(Locale.ROOT)));
            return new GcpCatalogue(doc.get("asOf").getAsString(), regions, families, Set.copyOf(gcs));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The day the catalogue was taken from GCP (yyyy-mm-dd). */
    public String asOf() {
        return asOf;
    }

    public boolean hasRegion(String region) {
        return regions.containsKey(region);
    }

    /** Every region, sorted. */
    public Set<String> regions() {
        return new TreeSet<>(regions.keySet());
    }

    /** Zones of {@code region}, in catalogue order; empty when the region is unknown. */
    public List<String> zones(String region) {
        return regions.getOrDefault(region, List.of());
    }

    /** The region a zone name belongs to ({@code europe-west1-b} -> {@code europe-west1}), by its form. */
    public static String regionOfZone(String zone) {
        int dash = zone.lastIndexOf('-');
        return dash < 0 ? zone : zone.substring(0, dash);
    }

    /** Every GCS location (multi-, dual- and single-region), upper case. */
    public Set<String> gcsLocations() {
        return gcsLocations;
    }

    public Optional<Family> family(String name) {
        return Optional.ofNullable(families.get(name));
    }

    /** Family names, sorted. */
    public Set<String> families() {
        return new TreeSet<>(families.keySet());
    }

    /** The machine type if the catalogue knows it: a predefined shape, or a custom type within its family's limits. */
    public Optional<MachineType> machineType(String name) {
        Matcher m = PREDEFINED.matcher(name);
        if (m.matches() && !m.group(2).equals("custom")) {
            Family f = families.get(m.group(1));
            int vcpus = Integer.parseInt(m.group(3));
            if (f != null && f.shapes().getOrDefault(m.group(2), List.of()).contains(vcpus)) {
                return Optional.of(new MachineType(name, vcpus, f.architecture()));
            }
            return Optional.empty();
        }
        Matcher c = CUSTOM.matcher(name);
        if (c.matches()) {
            Family f = families.get(c.group(1));
            int vcpus = Integer.parseInt(c.group(2));
            int memMb = Integer.parseInt(c.group(3));
            if (f != null && f.custom().isPresent() && customFits(f.custom().get(), vcpus) && memMb % 256 == 0) {
                return Optional.of(new MachineType(name, vcpus, f.architecture()));
            }
        }
        return Optional.empty();
    }

    private static boolean customFits(Custom c, int vcpus) {
        return vcpus >= c.minVcpus() && vcpus <= c.maxVcpus() && (!c.evenVcpus() || vcpus == 1 || vcpus % 2 == 0);
    }

    /**
     * vCPUs a machine type name states ({@code x-y-8}, {@code x-custom-8-16384}), for types the
     * catalogue does not know but {@code catalogueAllow} admits; 0 when the name states none.
     */
    public static int statedVcpus(String name) {
        Matcher c = CUSTOM.matcher(name);
        if (c.matches()) {
            return Integer.parseInt(c.group(2));
        }
        Matcher m = PREDEFINED.matcher(name);
        return m.matches() ? Integer.parseInt(m.group(3)) : 0;
    }

    /** Family part of a machine type name ({@code c4a-standard-4} -> {@code c4a}). */
    public static String familyOf(String machineType) {
        int dash = machineType.indexOf('-');
        return dash < 0 ? machineType : machineType.substring(0, dash);
    }

    /** What a user can do about something this catalogue does not know. */
    String unknownHint(String kind, String value) {
        return String.format("if GCP has it (the catalogue is of %s), add '%s:%s' to %s:catalogueAllow", asOf, kind, value,
                ConfigParser.NS);
    }
}
