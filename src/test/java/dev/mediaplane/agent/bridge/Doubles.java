package dev.mediaplane.agent.bridge;

import dev.mediaplane.agent.recordings.EventPublisher;
import dev.mediaplane.agent.recordings.ObjectStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/** Strict in-memory doubles of the pipeline's seams and of the telemetry observer. */
final class Doubles {
    private Doubles() {}

    /** GCS as the pipeline sees it: ifGenerationMatch=0, the md5 checked against the body, 403 on demand. */
    static final class Store implements ObjectStore {
        final Map<String, byte[]> objects = new ConcurrentHashMap<>();
        final Map<String, String> types = new ConcurrentHashMap<>();
        final AtomicLong generation = new AtomicLong(1700000000000000L);
        volatile boolean forbidden;
        final AtomicInteger failNext = new AtomicInteger();

        @Override
        public StoredObject createIfAbsent(String name, Path file, String contentType, LocalDigest digest) throws IOException {
            return createIfAbsent(name, Files.readAllBytes(file), contentType, digest);
        }

        @Override
        public synchronized StoredObject createIfAbsent(String name, byte[] bytes, String contentType, LocalDigest digest)
                throws IOException {
            if (forbidden) {
                throw new Forbidden("node@p.iam.gserviceaccount.com does not have storage.objects.create access");
            }
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IOException("503 backendError");
            }
            if (!md5(bytes).equals(digest.md5Base64()) || bytes.length != digest.size()) {
                throw new IOException("400 the md5 sent does not match the body");
            }
            if (objects.containsKey(name)) {
                throw new AlreadyExists(name);
            }
            objects.put(name, bytes.clone());
            types.put(name, contentType);
            return meta(name, bytes, generation.incrementAndGet());
        }

        @Override
        public Optional<StoredObject> stat(String name) {
            byte[] b = objects.get(name);
            return b == null ? Optional.empty() : Optional.of(meta(name, b, generation.get()));
        }

        @Override
        public byte[] read(String name, long maxBytes) {
            return objects.get(name);
        }

        private static StoredObject meta(String name, byte[] b, long gen) {
            CRC32C c = new CRC32C();
            c.update(b);
            return new StoredObject("test-recordings", name, gen, b.length, md5(b),
                    Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) c.getValue()).array()));
        }

        static String md5(byte[] b) {
            try {
                return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(b));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    record Message(String data, Map<String, String> attributes) {}

    /** The events topic: every message kept; attributes must be non-empty strings, data non-empty. */
    static class Publisher implements EventPublisher {
        final List<Message> messages = new CopyOnWriteArrayList<>();
        final AtomicInteger ids = new AtomicInteger();

        @Override
        public String publish(byte[] data, Map<String, String> attributes) throws IOException {
            if (data.length == 0) {
                throw new IOException("400 a message needs data or attributes");
            }
            for (Map.Entry<String, String> e : attributes.entrySet()) {
                if (e.getKey().isEmpty() || e.getValue() == null || e.getValue().isEmpty()) {
                    throw new IOException("400 attribute " + e.getKey() + " is empty");
                }
            }
            messages.add(new Message(new String(data, java.nio.charset.StandardCharsets.UTF_8), Map.copyOf(attributes)));
            return Integer.toString(ids.incrementAndGet());
        }

        List<Message> of(String type) {
            return messages.stream().filter(m -> type.equals(m.attributes().get("event_type"))).toList();
        }
    }

    /** Counts what the telemetry would. */
    static final class Observer implements StreamObserver {
        final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
        final Map<Provider, Integer> active = new ConcurrentHashMap<>();

        long get(String k) {
            AtomicLong v = counts.get(k);
            return v == null ? 0 : v.get();
        }

        private void add(String k, long n) {
            counts.computeIfAbsent(k, x -> new AtomicLong()).addAndGet(n);
        }

        @Override
        public void streamsActive(Provider provider, int n) {
            active.put(provider, n);
        }

        @Override
        public void streamEnded(Provider provider, String outcome) {
            add("ended." + outcome, 1);
        }

        @Override
        public void audioSent(Provider provider, long bytes, double seconds) {
            add("sent.bytes", bytes);
        }

        @Override
        public void audioLost(Provider provider, String reason, long bytes) {
            add("lost." + reason, bytes);
        }

        @Override
        public void reconnected(Provider provider) {
            add("reconnects", 1);
        }

        @Override
        public void result(Provider provider, boolean isFinal) {
            add(isFinal ? "results.final" : "results.interim", 1);
        }
    }
}
