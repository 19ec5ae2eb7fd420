package dev.mediaplane.config;

import dev.mediaplane.config.ConfigKey.Default;
import java.util.regex.Pattern;

/**
 * Writes the docs of the config keys from the catalogue ({@link ConfigKeys}): the {@code config:}
 * block of Pulumi.yaml and the README's key table. Tests compare both files with this output;
 * {@code mvn -B -q test -Dtest=ConfigDocsTest -Ddocs.update=true} rewrites them.
 */
public final class ConfigDocs {

    /** Markers around the generated table in README.md. */
    public static final String README_BEGIN = "<!-- config-keys:begin (generated from config/ConfigKeys.java; "
            + "mvn -B -q test -Dtest=ConfigDocsTest -Ddocs.update=true) -->";
    public static final String README_END = "<!-- config-keys:end -->";

    /** First line of the generated part of Pulumi.yaml; everything above it is kept as written. */
    public static final String PROJECT_CONFIG_LINE = "config:";

    private static final Pattern PLAIN_YAML = Pattern.compile("[A-Za-z0-9(][^\"#]*");

    private ConfigDocs() {}

    /**
     * The description a key carries in Pulumi.yaml: the row's line with its default. No
     * {@code default:} is emitted: the engine would apply it itself, while the program applies
     * defaults so both loaders (engine and offline file) agree.
     */
    public static String projectDescription(ConfigKey k) {
        if (k.secret()) {
            return k.description() + " Set with pulumi config set --secret.";
        }
        // Ranges and enums are short enough to show beside the text; patterns are in the README.
        String allowed = k.constraint() instanceof ConfigKey.Range || k.constraint() instanceof ConfigKey.OneOf
                ? " Allowed: " + k.constraint().allowed() + "." : "";
        if (k.dflt() instanceof Default.Required) {
            return "Required. " + k.description() + allowed;
        }
        return k.description() + allowed + " Default " + k.dflt().docs() + ".";
    }

    /** The {@code config:} block of Pulumi.yaml, from its {@code config:} line to the end of the file. */
    public static String projectConfigBlock() {
        StringBuilder out = new StringBuilder(PROJECT_CONFIG_LINE).append('\n');
        for (ConfigKey k : ConfigKeys.mediaplane()) {
            out.append("  ").append(k.name()).append(":\n");
            out.append("    type: ").append(k.type().pulumi()).append('\n');
            if (k.type() == ConfigKey.Type.ARRAY) {
                out.append("    items: {type: string}\n");
            }
            if (k.secret()) {
                out.append("    secret: true\n");
            }
            out.append("    description: ").append(yamlScalar(projectDescription(k))).append('\n');
        }
        return out.toString();
    }

    /** The README's key table, markers included. */
    public static String readmeTable() {
        StringBuilder out = new StringBuilder(README_BEGIN).append('\n');
        out.append("| key | type | default | allowed | what it does |\n|---|---|---|---|---|\n");
        for (ConfigKey k : ConfigKeys.ALL) {
            String type = k.type().pulumi() + (k.secret() ? ", secret" : "");
            // Values (fixed or computed) in code style; words (required, none, off) as words.
            boolean literal = k.dflt() instanceof Default.Value || k.dflt() instanceof Default.Computed;
            String dflt = literal ? "`" + k.dflt().docs() + "`" : k.dflt().docs();
            String what = k.secret() ? k.description() + " Set only with `pulumi config set --secret`." : k.description();
            out.append("| `").append(k.name()).append("` | ").append(type).append(" | ").append(dflt).append(" | ")
                    .append(k.constraint().allowed()).append(" | ").append(what).append(" |\n");
        }
        return out.append(README_END).append('\n').toString();
    }

    /** Plain when YAML reads it back unchanged, double-quoted otherwise. */
    static String yamlScalar(String s) {
        if (PLAIN_YAML.matcher(s).matches() && !s.contains(": ") && !s.endsWith(":") && !s.endsWith(" ")) {
            return s;
        }
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
