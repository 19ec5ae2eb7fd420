package dev.mediaplane.agent.telemetry;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.testing.RequiredTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The exposition parsed by the Prometheus project's own Python parsers
 * ({@code prometheus_client.parser} for text 0.0.4, {@code prometheus_client.openmetrics.parser}
 * for OpenMetrics; Debian's python3-prometheus-client), returned as families.
 */
public final class PromParser {
    /** A parsed family: the parser's name (counters without {@code _total}), its type, its samples. */
    public record Family(String name, String type, List<Sample> samples) {}

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    private static final String SCRIPT = """
            import sys, json, math
            fmt = sys.argv[1]
            if fmt == "openmetrics":
                from prometheus_client.openmetrics.parser import text_string_to_metric_families as p
            else:
                from prometheus_client.parser import text_string_to_metric_families as p
            out = []
            for f in p(sys.stdin.read()):
                out.append({"name": f.name, "type": f.type, "samples": [
                    {"name": s.name, "labels": s.labels, "value": s.value if math.isfinite(s.value) else str(s.value)}
                    for s in f.samples]})
            print(json.dumps(out))
            """;

    private PromParser() {}

    /** Debian's interpreter first: the apt package lives there, a pyenv shim on PATH would not see it. */
    static String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    public static void require() throws Exception {
        RequiredTools.require("python3");
        Process p = new ProcessBuilder(python(), "-c", "import prometheus_client").redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            String msg = "python3 module prometheus_client missing (apt-get install -y python3-prometheus-client; bin/setup installs it)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(msg + " (CI=true: a missing tool is a failure, not a skip)");
            }
            Assumptions.abort(msg);
        }
    }

    /** Parses {@code body}; a parser error (malformed exposition) fails the test with the parser's message. */
    public static Map<String, Family> parse(String body, String format) throws IOException, InterruptedException {
        Path script = Files.createTempFile("promparse", ".py");
        try {
            Files.writeString(script, SCRIPT);
            Process p = new ProcessBuilder(python(), script.toString(), format).start();
            p.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("the Prometheus " + format + " parser rejected the exposition: " + err + "\n" + body);
            }
            Map<String, Family> families = new LinkedHashMap<>();
            for (JsonElement fe : JsonParser.parseString(out).getAsJsonArray()) {
                JsonObject f = fe.getAsJsonObject();
                JsonArray ss = f.getAsJsonArray("samples");
                List<Sample> samples = new java.util.ArrayList<>();
                for (JsonElement se : ss) {
                    JsonObject s = se.getAsJsonObject();
                    Map<String, String> labels = new LinkedHashMap<>();
                    s.getAsJsonObject("labels").entrySet().forEach(e -> labels.put(e.getKey(), e.getValue().getAsString()));
                    JsonElement v = s.get("value");
                    double d = v.getAsJsonPrimitive().isNumber() ? v.getAsDouble() : Double.parseDouble(v.getAsString()
                            .replace("inf", "Infinity").replace("nan", "NaN"));
                    samples.add(new Sample(s.get("name").getAsString(), labels, d));
                }
                families.put(f.get("name").getAsString(), new Family(f.get("name").getAsString(),
                        f.get("type").getAsString(), List.copyOf(samples)));
            }
            return families;
        } finally {
            Files.deleteIfExists(script);
        }
    }
}
