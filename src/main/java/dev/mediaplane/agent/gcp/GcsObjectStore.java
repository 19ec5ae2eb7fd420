package dev.mediaplane.agent.gcp;

import com.google.api.client.http.HttpResponseException;
import com.google.cloud.BaseServiceException;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.agent.recordings.ObjectStore;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * {@link ObjectStore} on google-cloud-storage (JSON API over HTTP), one bucket.
 *
 * <p>{@code createIfAbsent} always sends {@code ifGenerationMatch=0}, and checksums GCS verifies at commit, so a
 * body that is not what was digested is refused (400) and nothing is stored:
 * <ul>
 *   <li>below the resumable threshold, one multipart request from memory ({@code Storage.create(BlobInfo, byte[])};
 *       the client's retries resend the same bytes). The client computes the digests of those bytes itself and, in
 *       2.63, puts only {@code crc32c} into the metadata part (no {@code md5Hash}): GCS verifies the crc32c, and
 *       the bytes read from the file are compared here with the caller's digest before anything is sent (a file
 *       changed since it was digested is refused locally);
 *   <li>from the threshold up, a resumable upload streamed from the file ({@code Storage.createFrom(BlobInfo, Path,
 *       bufferSize, doesNotExist, md5Match, crc32cMatch)}): the session's metadata carries the caller's md5 and
 *       crc32c, verified by GCS over the whole object at finalization. 2.63 sends a file of known size as one PUT;
 *       when that breaks off, the client asks the session how much was persisted ({@code Content-Range: bytes *}
 *       {@code /*}) and sends only the rest.
 * </ul>
 * The default threshold, 8 MiB (about two minutes of 16 kHz stereo), keeps the common short recording at one round
 * trip (a resumable upload costs at least two) and in memory, while a long one is never held in memory whole and
 * never restarts from byte 0 after a broken connection.
 *
 * <p>After every create, what GCS reports (size, md5, crc32c) is compared with the caller's digest, whatever the
 * client validated on the way; a difference is an {@link IOException} naming both.
 *
 * <p>Errors: 412 is {@link ObjectStore.AlreadyExists}, 403 {@link ObjectStore.Forbidden} with the message GCS
 * gave (principal and permission), 404 on {@link #stat} is empty; anything else an {@link IOException} naming
 * the object and the HTTP status. Thread-safe (the storage client is).
 */
public final class GcsObjectStore implements ObjectStore {

    /** Size from which {@code createIfAbsent} uploads resumably: 8 MiB. */
    public static final long DEFAULT_RESUMABLE_THRESHOLD = 8L << 20;
    /** Buffer size handed to {@code createFrom} for a resumable upload: 8 MiB (a multiple of 256 KiB, as it wants). */
    public static final int DEFAULT_CHUNK_SIZE = 8 << 20;
    private static final int CHUNK_GRANULE = 256 << 10;

    private final Storage storage;
    private final String bucket;
    private final long resumableThreshold;
    private final int chunkSize;

    public GcsObjectStore(Storage storage, String bucket) {
        this(storage, bucket, DEFAULT_RESUMABLE_THRESHOLD, DEFAULT_CHUNK_SIZE);
    }

    /**
     * @param resumableThreshold files of at least this many bytes go resumable; at least 1
     * @param chunkSize the buffer size {@code createFrom} gets for a resumable upload, a positive multiple of 256 KiB
     *     (2.63 streams a file of known size in one request whatever this is; a later client may chunk by it)
     */
    public GcsObjectStore(Storage storage, String bucket, long resumableThreshold, int chunkSize) {
        this.storage = Objects.requireNonNull(storage, "storage");
        if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]")) {
            throw new IllegalArgumentException("bucket must be a GCS bucket name (3-222 of [a-z0-9._-]), got '" + bucket + "'");
        }
        if (resumableThreshold < 1) {
            throw new IllegalArgumentException("resumableThreshold must be >= 1 byte, got " + resumableThreshold);
        }
        if (chunkSize <= 0 || chunkSize % CHUNK_GRANULE != 0) {
            throw new IllegalArgumentException("chunkSize must be a positive multiple of 262144 (256 KiB), got " + chunkSize);
        }
        this.bucket = bucket;
        this.resumableThreshold = resumableThreshold;
        this.chunkSize = chunkSize;
    }

    public String bucket() { return bucket; }

    public long resumableThreshold() { return resumableThreshold; }

    public int chunkSize() { return chunkSize; }

    @Override
    public StoredObject createIfAbsent(String name, Path file, String contentType, LocalDigest digest) throws IOException {
        checkName(name);
        Objects.requireNonNull(digest, "digest");
        long size = Files.size(file);
        if (size != digest.size()) {
            throw new IOException(file + " has " + size + " bytes, its digest says " + digest.size()
                    + ": the file changed since it was digested; nothing uploaded");
        }
        if (size < resumableThreshold) {
            return createSmall(name, Files.readAllBytes(file), contentType, digest, file.toString());
        }
        BlobInfo info = info(name, contentType, digest);
        Blob blob;
        try {
            blob = storage.createFrom(info, file, chunkSize, Storage.BlobWriteOption.doesNotExist(),
                    Storage.BlobWriteOption.md5Match(), Storage.BlobWriteOption.crc32cMatch(),
                    Storage.BlobWriteOption.disableGzipContent());
        } catch (StorageException e) {
            throw translate(name, e);
        } catch (IOException e) {
            StorageException cause = storageCause(e);
            throw cause != null ? translate(name, cause) : new IOException(where(name) + ": " + e.getMessage(), e);
        }
        return verified(name, blob, digest);
    }

    @Override
    public StoredObject createIfAbsent(String name, byte[] bytes, String contentType, LocalDigest digest) throws IOException {
        checkName(name);
        Objects.requireNonNull(digest, "digest");
        return createSmall(name, bytes, contentType, digest, "the bytes given");
    }

    private StoredObject createSmall(String name, byte[] bytes, String contentType, LocalDigest digest, String source)
            throws IOException {
        String md5 = md5(bytes);
        String crc = crc32c(bytes);
        if (bytes.length != digest.size() || !md5.equals(digest.md5Base64()) || !crc.equals(digest.crc32cBase64())) {
            throw new IOException(source + " (" + bytes.length + " bytes, md5 " + md5 + ", crc32c " + crc
                    + ") are not what was digested (" + digest.size() + " bytes, md5 " + digest.md5Base64() + ", crc32c "
                    + digest.crc32cBase64() + "); nothing uploaded");
        }
        Blob blob;
        try {
            blob = storage.create(info(name, contentType, digest), bytes, Storage.BlobTargetOption.doesNotExist(),
                    Storage.BlobTargetOption.disableGzipContent());
        } catch (StorageException e) {
            throw translate(name, e);
        }
        return verified(name, blob, digest);
    }

    @Override
    public Optional<StoredObject> stat(String name) throws IOException {
        checkName(name);
        try {
            Blob blob = storage.get(BlobId.of(bucket, name));
            return Optional.ofNullable(blob).map(GcsObjectStore::stored);
        } catch (StorageException e) {
            throw translate(name, e);
        }
    }

    @Override
    public byte[] read(String name, long maxBytes) throws IOException {
        checkName(name);
        StoredObject o = stat(name).orElseThrow(() -> new FileNotFoundException("no object " + where(name)));
        if (o.size() > maxBytes) {
            throw new IOException(where(name) + " has " + o.size() + " bytes, more than the " + maxBytes + " allowed here");
        }
        try {
            // Pinned to the generation just seen: a replaced object is not read half old, half new.
            return storage.readAllBytes(BlobId.of(bucket, name, o.generation()));
        } catch (StorageException e) {
            throw translate(name, e);
        }
    }

    private BlobInfo info(String name, String contentType, LocalDigest digest) {
        return BlobInfo.newBuilder(BlobId.of(bucket, name))
                .setContentType(contentType == null ? "application/octet-stream" : contentType)
                .setMd5(digest.md5Base64())
                .setCrc32c(digest.crc32cBase64())
                .build();
    }

    private StoredObject verified(String name, Blob blob, LocalDigest digest) throws IOException {
        StoredObject o = stored(blob);
        if (o.size() != digest.size() || !digest.md5Base64().equals(o.md5Base64()) || !digest.crc32cBase64().equals(o.crc32cBase64())) {
            throw new IOException(where(name) + " generation " + o.generation() + " as GCS reports it (" + o.size()
                    + " bytes, md5 " + o.md5Base64() + ", crc32c " + o.crc32cBase64() + ") differs from the local digest ("
                    + digest.size() + " bytes, md5 " + digest.md5Base64() + ", crc32c " + digest.crc32cBase64() + ")");
        }
        return o;
    }

    private static StoredObject stored(Blob b) {
        return new StoredObject(b.getBucket(), b.getName(), b.getGeneration() == null ? 0 : b.getGeneration(),
                b.getSize() == null ? -1 : b.getSize(), b.getMd5(), b.getCrc32c());
    }

    private IOException translate(String name, BaseServiceException e) {
        return switch (e.getCode()) {
            case 412 -> new AlreadyExists(name);
            case 403 -> new Forbidden(gcsMessage(e));
            default -> new IOException(where(name) + ": HTTP " + e.getCode() + " " + gcsMessage(e), e);
        };
    }

    /**
     * What GCS said ({@code error.message} of its JSON answer). A failed resumable request's StorageException
     * shows only the request and status lines; the body is on the HttpResponseException beneath it.
     */
    private static String gcsMessage(BaseServiceException e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof HttpResponseException h && h.getContent() != null) {
                try {
                    JsonObject error = JsonParser.parseString(h.getContent()).getAsJsonObject().getAsJsonObject("error");
                    if (error != null && error.has("message")) {
                        return error.get("message").getAsString();
                    }
                } catch (RuntimeException notJson) {
                    // fall through to the exception's own message
                }
            }
        }
        return e.getMessage();
    }

    private static StorageException storageCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StorageException s) {
                return s;
            }
        }
        return null;
    }

    private String where(String name) { return "gs://" + bucket + "/" + name; }

    private static void checkName(String name) {
        if (name == null || name.isEmpty() || name.length() > 1024 || name.indexOf('\n') >= 0 || name.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("object name must be 1-1024 characters without CR/LF, got '" + name + "'");
        }
    }

    static String md5(byte[] bytes) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String crc32c(byte[] bytes) {
        CRC32C c = new CRC32C();
        c.update(bytes);
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) c.getValue()).array());
    }
}
