package dev.mediaplane.ops.release;

import com.google.auth.Credentials;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.StorageOptions;
import java.util.Optional;

/** {@link ReleaseStore} over the GCS JSON API with Google's storage client: one object stat per question. */
public final class GcsReleaseStore implements ReleaseStore {

    private final Storage storage;

    /**
     * @param project the project billed for the request
     * @param credentials the caller's credentials (application default credentials in the CLI)
     * @param host the API root; empty for Google's ({@code https://storage.googleapis.com})
     */
    public GcsReleaseStore(String project, Credentials credentials, Optional<String> host) {
        StorageOptions.Builder b = StorageOptions.newBuilder().setProjectId(project).setCredentials(credentials);
        host.ifPresent(b::setHost);
        this.storage = b.build().getService();
    }

    @Override
    public boolean published(String bucket, String hash) {
        String object = ReleaseState.manifestObject(hash);
        try {
            Blob blob = storage.get(BlobId.of(bucket, object), Storage.BlobGetOption.fields(Storage.BlobField.NAME));
            return blob != null;
        } catch (StorageException e) {
            throw new CloudException("GCS stat of gs://" + bucket + "/" + object + " failed: HTTP " + e.getCode() + " "
                    + e.getMessage(), e);
        }
    }
}
