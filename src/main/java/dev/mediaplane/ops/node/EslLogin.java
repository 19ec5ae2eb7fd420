package dev.mediaplane.ops.node;

import com.google.api.gax.rpc.ApiException;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretVersionName;
import dev.mediaplane.config.NodeSecret;
import dev.mediaplane.esl.EslCredentials;
import dev.mediaplane.ops.secrets.SecretManagerClients;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * The operator's ESL login on a node: a directory user ({@code userauth user@domain:password})
 * whose password comes from a file or from Secret Manager, never from the command line, and is
 * never printed (only {@link #describe()} is).
 *
 * @param user the directory user, e.g. {@code controller@mediaplane}
 * @param source where the password is read: a file, or the Secret Manager secret id
 */
public record EslLogin(String user, Source source) {

    /** Where the password comes from. */
    public sealed interface Source permits PasswordFile, SecretManagerSecret {}

    /**
     * A file holding the password (one line; a trailing newline is dropped); must not be readable by group or others.
     * Messages name it by the option that gave it ({@code --esl-password-file} unless said).
     */
    public record PasswordFile(Path file, String option) implements Source {
        public PasswordFile(Path file) {
            this(file, "--esl-password-file");
        }
    }

    /** {@code projects/<project>/secrets/<secretId>/versions/latest}, read with application default credentials. */
    public record SecretManagerSecret(String project, String secretId, SecretManagerClients clients) implements Source {}

    /** Thrown when the password cannot be read; the message never contains it. */
    public static final class LoginUnavailable extends IOException {
        public LoginUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Reads the password and builds credentials for {@code host:port}. */
    public EslCredentials credentials(String host, int port) throws IOException {
        String password = password();
        try {
            return EslCredentials.userauth(host, port, user, password);
        } catch (IllegalArgumentException e) {
            // EslCredentials' messages quote the user, never the password.
            throw new LoginUnavailable("ESL login from " + describe() + ": " + e.getMessage(), e);
        }
    }

    /** "user controller@mediaplane, password from FILE" / "... from Secret Manager projects/P/secrets/S". */
    public String describe() {
        String from = source instanceof PasswordFile f ? f.file().toString()
                : "Secret Manager projects/" + ((SecretManagerSecret) source).project() + "/secrets/"
                        + ((SecretManagerSecret) source).secretId() + " (latest)";
        return "user " + user + ", password from " + from;
    }

    private String password() throws IOException {
        return source instanceof PasswordFile f ? fromFile(f) : fromSecretManager((SecretManagerSecret) source);
    }

    private static String fromFile(PasswordFile source) throws IOException {
        Path file = source.file();
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            for (PosixFilePermission bad : Set.of(PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ,
                    PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE)) {
                if (p.contains(bad)) {
                    throw new LoginUnavailable(source.option() + " " + file + " is readable or writable by group or others ("
                            + java.nio.file.attribute.PosixFilePermissions.toString(p) + "); allowed: owner only (chmod 600)", null);
                }
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        }
        String s;
        try {
            s = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new LoginUnavailable("cannot read " + source.option() + " " + file + ": " + e.getClass().getSimpleName(), e);
        }
        return stripOneNewline(s);
    }

    private static String fromSecretManager(SecretManagerSecret s) throws IOException {
        try (SecretManagerServiceClient client = s.clients().open()) {
            return client.accessSecretVersion(SecretVersionName.of(s.project(), s.secretId(), "latest"))
                    .getPayload().getData().toStringUtf8();
        } catch (ApiException e) {
            throw new LoginUnavailable("cannot read the ESL password from Secret Manager projects/" + s.project() + "/secrets/"
                    + s.secretId() + ": " + e.getStatusCode().getCode() + " " + e.getMessage(), null);
        }
    }

    /**
     * What to do when a node refuses the login: the operator user's password is a random per-node value until its
     * secret has a version, so a refusal usually means it has none yet (or the node has not taken the new one).
     */
    public static String refusedHint() {
        NodeSecret op = NodeSecret.ESL_OPERATOR_PASSWORD;
        return "for operator@mediaplane, set its password: pulumi config set --secret mediaplane:" + op.configKey()
                + " and pulumi up, or mediaplane secrets rotate " + op.secretSuffix() + " (Secret Manager <prefix>-"
                + op.secretSuffix() + "; until it has a version each node has a random one nobody knows); a node takes"
                + " a new version at its agent's next secret refresh (reloadxml)";
    }

    /** Files written by {@code echo} or editors end in one newline that is not part of the password. */
    static String stripOneNewline(String s) {
        if (s.endsWith("\r\n")) {
            return s.substring(0, s.length() - 2);
        }
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }
}
