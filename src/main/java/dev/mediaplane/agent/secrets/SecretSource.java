package dev.mediaplane.agent.secrets;

import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.secretmanager.v1.AccessSecretVersionResponse;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretVersionName;
import java.io.IOException;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * {@code versions/latest} of a node secret on Google's Secret Manager client. AccessSecretVersion answers with the
 * version it resolved ({@code .../versions/7}), so the node needs nothing beyond the secretAccessor role infra/Secrets
 * grants it on each secret (no versions.list). Errors carry the resource and Google's status, never a payload.
 */
public final class SecretSource {

    /** A version's number and bytes. */
    public record Latest(int version, byte[] value) {}

    /** A refusal or failure: Google's status code (PERMISSION_DENIED, FAILED_PRECONDITION, ...) and text. */
    public static final class SourceException extends IOException {
        public final String code;

        SourceException(String code, String message) {
            super(message);
            this.code = code;
        }
    }

    private final SecretManagerServiceClient client;
    private final String project;

    public SecretSource(SecretManagerServiceClient client, String project) {
        this.client = client;
        this.project = project;
    }

    /** The latest version of secret {@code id}; empty when the secret has no version (NOT_FOUND: an optional one is off). */
    public Optional<Latest> latest(String id) throws SourceException {
        String name = SecretVersionName.of(project, id, "latest").toString();
        AccessSecretVersionResponse r;
        try {
            r = client.accessSecretVersion(name);
        } catch (ApiException e) {
            if (e.getStatusCode().getCode() == StatusCode.Code.NOT_FOUND) {
                return Optional.empty();
            }
            String m = String.valueOf(e.getMessage());
            String code = e.getStatusCode().getCode().name();
            int i = m.indexOf(code + ": ");
            throw new SourceException(code, "Secret Manager AccessSecretVersion on " + name + ": " + code + ": "
                    + (i >= 0 ? m.substring(i + code.length() + 2) : m));
        }
        byte[] data = r.getPayload().getData().toByteArray();
        if (r.getPayload().hasDataCrc32C()) {
            CRC32C c = new CRC32C();
            c.update(data);
            if (c.getValue() != r.getPayload().getDataCrc32C()) {
                throw new SourceException("DATA_LOSS", name + ": the payload does not match its CRC32C; not installed");
            }
        }
        String v = r.getName().substring(r.getName().lastIndexOf('/') + 1);
        if (!v.matches("[0-9]{1,9}")) {
            throw new SourceException("INTERNAL", name + " resolved to '" + r.getName() + "', not a numbered version");
        }
        return Optional.of(new Latest(Integer.parseInt(v), data));
    }
}
