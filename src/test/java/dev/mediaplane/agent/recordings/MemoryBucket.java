package dev.mediaplane.agent.recordings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A strict in-memory bucket and topic for the pipeline's unit tests, as strict as GCS and Pub/Sub on what
 * the pipeline relies on: create only when absent (412 otherwise), the md5 sent is checked against the bytes
 * received (a corrupted body is refused, never stored), generations increase, no list, no delete. Faults on demand.
 */
final class MemoryBucket implements ObjectStore, EventPublisher {
    record Obj(String name, byte[] bytes, long generation, String contentType) {
        String md5() {
            return RecordingPipeline.digest(bytes).md5Base64();
        }
    }

    record Published(String id, byte[] data, Map<String, String> attributes) {}

    final String bucket = "test-recordings";
    final Map<String, Obj> objects = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> creations = new ConcurrentHashMap<>();
    final List<Published> published = Collections.synchronizedList(new ArrayList<>());
    /** The next N creates answer 503. */
    final AtomicInteger failCreates = new AtomicInteger();
    /** The next N creates commit, then the answer is lost (IOException). */
    final AtomicInteger loseCreateResponses = new AtomicInteger();
    /** The next N creates report a wrong md5 (the stored bytes are right). */
    final AtomicInteger wrongMd5Responses = new AtomicInteger();
    /** The next N creates deliver corrupted bytes (refused by the md5 check). */
    final AtomicInteger corruptBodies = new AtomicInteger();
    final AtomicInteger failPublishes = new AtomicInteger();
    final AtomicInteger createRequests = new AtomicInteger();
    final AtomicInteger preconditionFailures = new AtomicInteger();
    final AtomicInteger md5Refusals = new AtomicInteger();
    /** When set, creates wait on it (a slow GCS). */
    volatile CountDownLatch gate;
    private final AtomicLong generation = new AtomicLong(1_700_000_000_000_000L);
    private final AtomicLong messageIds = new AtomicLong();

    void put(String name, byte[] bytes) {
        objects.put(name, new Obj(name, bytes, generation.incrementAndGet(), "application/octet-stream"));
    }

    int creations(String name) {
        AtomicInteger n = creations.get(name);
        return n == null ? 0 : n.get();
    }

    @Override
    public StoredObject createIfAbsent(String name, Path file, String contentType, LocalDigest digest) throws IOException {
        return create(name, Files.readAllBytes(file), contentType, digest);
    }

    @Override
    public StoredObject createIfAbsent(String name, byte[] bytes, String contentType, LocalDigest digest) throws IOException {
        return create(name, bytes.clone(), contentType, digest);
    }

    private StoredObject create(String name, byte[] bytes, String contentType, LocalDigest digest) throws IOException {
        createRequests.incrementAndGet();
        CountDownLatch g = gate;
        if (g != null) {
            try {
                g.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        if (failCreates.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IOException("HTTP 503: backend unavailable");
        }
        if (corruptBodies.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            bytes[bytes.length / 2] ^= 0x5a;
        }
        if (!RecordingPipeline.digest(bytes).md5Base64().equals(digest.md5Base64())) {
            md5Refusals.incrementAndGet();
            throw new IOException("HTTP 400: Provided MD5 hash doesn't match calculated MD5 hash");
        }
        Obj o;
        synchronized (objects) {
            if (objects.containsKey(name)) {
                preconditionFailures.incrementAndGet();
                throw new AlreadyExists(name);
            }
            o = new Obj(name, bytes, generation.incrementAndGet(), contentType);
            objects.put(name, o);
            creations.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        }
        if (loseCreateResponses.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IOException("connection reset (the server committed)");
        }
        StoredObject s = stored(o);
        if (wrongMd5Responses.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return new StoredObject(s.bucket(), s.name(), s.generation(), s.size(), "AAAAAAAAAAAAAAAAAAAAAA==", s.crc32cBase64());
        }
        return s;
    }

    @Override
    public Optional<StoredObject> stat(String name) {
        Obj o = objects.get(name);
        return o == null ? Optional.empty() : Optional.of(stored(o));
    }

    @Override
    public byte[] read(String name, long maxBytes) throws IOException {
        Obj o = objects.get(name);
        if (o == null) {
            throw new IOException("HTTP 404: no such object " + name);
        }
        return o.bytes().clone();
    }

    private StoredObject stored(Obj o) {
        LocalDigest d = RecordingPipeline.digest(o.bytes());
        return new StoredObject(bucket, o.name(), o.generation(), o.bytes().length, d.md5Base64(), d.crc32cBase64());
    }

    @Override
    public String publish(byte[] data, Map<String, String> attributes) throws IOException {
        if (failPublishes.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IOException("HTTP 503: publish unavailable");
        }
        String id = Long.toString(messageIds.incrementAndGet());
        published.add(new Published(id, data.clone(), Map.copyOf(attributes)));
        return id;
    }
}
