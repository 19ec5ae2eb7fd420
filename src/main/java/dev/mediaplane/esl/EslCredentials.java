package dev.mediaplane.esl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where and how to log in to a node's event socket. {@code toString()} never shows the password.
 *
 * @param host the address FreeSWITCH listens on; boot writes the node's internal address
 * @param port the event socket port; fs_cli's default, when a file omits it, is 8021
 * @param user null for the global password ({@code auth <password>}); {@code user@domain} for a
 *     directory user ({@code userauth user@domain:password}, as esl.c's esl_connect_timeout sends it)
 * @param password the event socket password (or the directory user's {@code esl-password}); never defaulted
 */
public record EslCredentials(String host, int port, String user, String password) {

    /** The file boot writes with the node's local admin login (startup.sh, mode 0600 root). */
    public static final Path FS_CLI_CONF = Path.of("/etc/fs_cli.conf");

    public EslCredentials {
        if (host == null || host.isBlank() || host.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException("ESL host must be a host name or address, got '" + host + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("ESL port must be 1..65535, got " + port);
        }
        if (user != null) {
            int at = user.indexOf('@');
            // mod_event_socket.c parse_command splits userauth at the first '@' and the next ':'.
            if (at <= 0 || at == user.length() - 1 || user.indexOf(':') >= 0 || user.chars().anyMatch(c -> c <= ' ')) {
                throw new IllegalArgumentException("ESL user must be user@domain without ':' or spaces, got '" + user + "'");
            }
        }
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("ESL password must not be empty");
        }
        if (password.indexOf('\n') >= 0 || password.indexOf('\r') >= 0) {
            // A newline would end the auth command early and smuggle the rest in as headers.
            throw new IllegalArgumentException("ESL password must not contain a line break");
        }
    }

    /** A login with the event socket's global password. */
    public static EslCredentials password(String host, int port, String password) {
        return new EslCredentials(host, port, null, password);
    }

    /** A login as a directory user (userauth). */
    public static EslCredentials userauth(String host, int port, String userAtDomain, String password) {
        return new EslCredentials(host, port, userAtDomain, password);
    }

    /** The command line that logs in, without its terminating empty line. */
    String authCommand() {
        return user == null ? "auth " + password : "userauth " + user + ":" + password;
    }

    String describe() {
        return (user == null ? "the event socket password" : "user " + user) + " at " + host + ":" + port;
    }

    @Override
    public String toString() {
        return "EslCredentials[host=" + host + ", port=" + port + ", user=" + user + ", password=<redacted>]";
    }

    /** Reads profile {@code [default]} of {@code file}. */
    public static EslCredentials fromFsCliConf(Path file) throws IOException {
        return fromFsCliConf(file, "default");
    }

    /**
     * Reads one profile of an fs_cli.conf: {@code [profile]} sections of {@code key => value}
     * lines (esl_config.c esl_config_next_pair: {@code =>} or {@code =}, lines starting with
     * {@code #} or {@code ;} are comments, {@code ;;} starts a trailing comment). Keys host, port,
     * user and password are read; fs_cli's other keys (debug, loglevel, ...) are ignored. Unlike
     * fs_cli, a missing password is an error, never ClueCon.
     */
    public static EslCredentials fromFsCliConf(Path file, String profile) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("cannot read ESL credentials from " + file + ": " + e, e);
        }
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        Map<String, Integer> lineOf = new LinkedHashMap<>();
        String section = null;
        for (int i = 0; i < lines.size(); i++) {
            String raw = lines.get(i);
            int cut = raw.indexOf(";;");
            String line = (cut >= 0 ? raw.substring(0, cut) : raw).strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                int close = line.indexOf(']');
                if (close < 2) {
                    throw new IOException(file + ":" + (i + 1) + ": section header must be [name], got '" + line + "'");
                }
                section = line.substring(1, close).strip();
                sections.putIfAbsent(section, new LinkedHashMap<>());
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IOException(file + ":" + (i + 1) + ": expected 'key => value' (the value is not shown)");
            }
            String key = line.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT);
            String value = line.substring(eq + 1);
            value = (value.startsWith(">") ? value.substring(1) : value).strip();
            if (section == null) {
                throw new IOException(file + ":" + (i + 1) + ": key '" + key + "' appears before any [profile] section");
            }
            sections.get(section).put(key, value);
            lineOf.put(section + "\0" + key, i + 1);
        }
        Map<String, String> keys = sections.get(profile);
        if (keys == null) {
            throw new IOException(file + ": no [" + profile + "] profile (profiles found: " + new ArrayList<>(sections.keySet()) + ")");
        }
        String where = file + ":" + "%d: [" + profile + "] ";
        String host = keys.getOrDefault("host", "127.0.0.1");
        int port = 8021;
        if (keys.containsKey("port")) {
            String p = keys.get("port");
            int ln = lineOf.get(profile + "\0port");
            try {
                port = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new IOException(String.format(where, ln) + "key 'port' must be a number 1..65535, got '" + p + "'");
            }
        }
        String password = keys.get("password");
        if (password == null || password.isEmpty()) {
            throw new IOException(file + ": [" + profile + "] has no 'password' key (boot writes one; the default ClueCon is never used)");
        }
        String user = keys.get("user");
        try {
            return new EslCredentials(host, port, user == null || user.isEmpty() ? null : user, password);
        } catch (IllegalArgumentException e) {
            String key = e.getMessage().contains("host") ? "host" : e.getMessage().contains("port") ? "port"
                    : e.getMessage().contains("user") ? "user" : "password";
            Integer ln = lineOf.get(profile + "\0" + key);
            throw new IOException((ln == null ? file + ": [" + profile + "] " : String.format(where, ln))
                    + "key '" + key + "': " + e.getMessage(), e);
        }
    }
}
