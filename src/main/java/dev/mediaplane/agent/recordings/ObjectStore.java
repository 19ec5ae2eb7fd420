package dev.mediaplane.agent.recordings;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where verified recordings and manifests go: one bucket. In production {@code agent.gcp.GcsObjectStore}
 * on google-cloud-storage; the pipeline knows only this interface, so its logic is tested through the real
 * client against the loopback stand-in and nothing here names a transport.
 *
 * <p>Every method is safe to call from several threads. No method logs or returns a credential.
 */
public interface ObjectStore {

    /**
     * Creates {@code name} from the file only when no live object has that name (GCS {@code ifGenerationMatch=0}),
     * sending the local md5 and crc32c so that GCS itself refuses a body corrupted on the way; the
     * implementation chooses a multipart or a resumable upload by size.
     *
     * @return what GCS reports for the new object
     * @throws AlreadyExists the precondition failed (412): an object has that name, possibly from an earlier run
     * @throws Forbidden the node's role lacks a permission (403), named in the message
     * @throws IOException anything else (retried by the pipeline)
     */
    StoredObject createIfAbsent(String name, Path file, String contentType, LocalDigest digest) throws IOException;

    /** Same, from bytes in memory (manifests). */
    StoredObject createIfAbsent(String name, byte[] bytes, String contentType, LocalDigest digest) throws IOException;

    /** The object's metadata; empty on 404. @throws Forbidden on 403 (a role without storage.objects.get) */
    Optional<StoredObject> stat(String name) throws IOException;

    /** The object's bytes, at most {@code maxBytes} (a manifest is small). @throws Forbidden on 403 */
    byte[] read(String name, long maxBytes) throws IOException;

    /**
     * An object as GCS reports it.
     *
     * @param md5Base64 {@code md5Hash}, base64 of the 16 bytes; null for composite objects
     * @param crc32cBase64 {@code crc32c}, base64 of the big-endian 4 bytes
     */
    record StoredObject(String bucket, String name, long generation, long size, String md5Base64, String crc32cBase64) {}

    /** The local file's digests, computed once per file version and reused on every retry. */
    record LocalDigest(long size, String md5Base64, String crc32cBase64, String sha256Hex) {}

    /** 412 on {@code ifGenerationMatch=0}: the name is taken. */
    final class AlreadyExists extends IOException {
        public AlreadyExists(String name) {
            super("object " + name + " already exists (412 conditionNotMet on ifGenerationMatch=0)");
        }
    }

    /** 403: the message names the principal and permission as GCS reported them. */
    final class Forbidden extends IOException {
        public Forbidden(String message) {
            super(message);
        }
    }
}
