package dev.mediaplane.ops.smoke;

import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.auth.Credentials;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.cloud.pubsub.v1.SubscriptionAdminSettings;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Google's storage and Pub/Sub clients for the recording checks of smoke and synthetic, with the caller's
 * credentials (application default credentials in the CLI). Pub/Sub goes over the HTTP/JSON transport, like
 * the node agent's publisher, so one REST endpoint setting serves Google and a loopback stand-in.
 *
 * @param credentials asked for only when a check goes online
 * @param gcsHost the storage API root; empty for Google's
 * @param pubsubEndpoint the Pub/Sub API root; empty for Google's
 */
public record RecordingClients(Supplier<Credentials> credentials, Optional<String> gcsHost, Optional<String> pubsubEndpoint) {

    /** Google's endpoints with application default credentials (asked for when first used). */
    public static RecordingClients applicationDefault() {
        return new RecordingClients(() -> {
            try {
                return com.google.auth.oauth2.GoogleCredentials.getApplicationDefault()
                        .createScoped("https://www.googleapis.com/auth/cloud-platform");
            } catch (IOException e) {
                throw new UncheckedIOException("no Google application default credentials (" + e.getMessage() + "): run"
                        + " `gcloud auth application-default login`", e);
            }
        }, Optional.empty(), Optional.empty());
    }

    public Storage storage(String project) {
        StorageOptions.Builder b = StorageOptions.http().setProjectId(project).setCredentials(credentials.get());
        gcsHost.ifPresent(b::setHost);
        return b.build().getService();
    }

    public SubscriptionAdminClient subscriptions() {
        try {
            SubscriptionAdminSettings.Builder b = SubscriptionAdminSettings.newHttpJsonBuilder()
                    .setCredentialsProvider(FixedCredentialsProvider.create(credentials.get()));
            pubsubEndpoint.ifPresent(b::setEndpoint);
            return SubscriptionAdminClient.create(b.build());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the Pub/Sub client: " + e.getMessage(), e);
        }
    }
}
