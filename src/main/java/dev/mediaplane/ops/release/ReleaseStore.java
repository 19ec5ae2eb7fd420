package dev.mediaplane.ops.release;

/** Where published releases are: the releases bucket. */
public interface ReleaseStore {

    /**
     * Whether {@code hash} is published in {@code bucket}: its manifest object
     * ({@link ReleaseState#manifestObject}) exists. Throws {@link CloudException} when the bucket
     * cannot be asked (no credentials, 403, unreachable): unknown is never "published".
     */
    boolean published(String bucket, String hash);
}
