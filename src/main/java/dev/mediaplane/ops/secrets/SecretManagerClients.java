package dev.mediaplane.ops.secrets;

import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import java.io.IOException;

/**
 * Opens Secret Manager clients. The CLI uses {@link #applicationDefault()} (application default
 * credentials, Google's endpoint); tests hand the real client an in-process channel and a token
 * through {@code SecretManagerServiceSettings}, the client's documented seam.
 */
@FunctionalInterface
public interface SecretManagerClients {

    SecretManagerServiceClient open() throws IOException;

    static SecretManagerClients applicationDefault() {
        return SecretManagerServiceClient::create;
    }
}
