package dev.mediaplane.agent.recordings;

import dev.mediaplane.agent.JsonLog;
import dev.mediaplane.agent.NodeEnv;
import dev.mediaplane.esl.EslClient;
import dev.mediaplane.esl.EslEvent;
import dev.mediaplane.render.NodeContract;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Moves finished recordings to the bucket without ever losing one (docs/recordings.md is the contract).
 *
 * <ul>
 *   <li>An upload starts on {@code RECORD_STOP} for that file (the event's {@code Record-File-Path}, checked
 *   against the path contract); a sweep at start, after every ESL reconnect and at an interval is the safety
 *   net for whatever no event announced (agent down, events lost).</li>
 *   <li>Objects are created with {@code ifGenerationMatch=0}; a 412 is resolved by reading the object back and
 *   comparing md5 and size: equal is verified, different is a conflict that keeps the file.</li>
 *   <li>No local file is deleted before the recording and its manifest are verified in the bucket, and only if
 *   its size and mtime did not change since it was hashed.</li>
 *   <li>Bounded: {@code parallel} workers, a bounded queue; {@link #onEvent} never blocks (the ESL reader must
 *   not), a recording that finds the queue full waits for the next sweep.</li>
 *   <li>The node's role has storage.objects.create and get and pubsub publish: nothing here lists or deletes
 *   objects.</li>
 * </ul>
 */
public final class RecordingPipeline implements AutoCloseable {

    /** How an upload was started; a sweep requires the quiet period and a file nobody holds open. */
    public enum Trigger { EVENT, SWEEP, OPERATOR }

    /** How one recording ended up. */
    public enum Outcome { UPLOADED, FAILED, REJECTED, CHANGED, SKIPPED, STOPPED }

    /**
     * @param recordingsDir the recordings root (absolute)
     * @param stateDir the agent's state directory; the outbox is {@code <stateDir>/outbox}
     * @param origin what every manifest says about the node and bucket
     * @param tuning attempts, backoff, parallelism, queue, quiet period, disk thresholds, sweep interval
     * @param procRoot procfs, for the open-file check of sweeps ({@code /proc})
     */
    public record Settings(Path recordingsDir, Path stateDir, Manifest.Origin origin, NodeEnv.Tuning tuning, Path procRoot) {
        public Settings {
            Objects.requireNonNull(recordingsDir, "recordingsDir");
            if (!recordingsDir.isAbsolute()) {
                throw new IllegalArgumentException("recordingsDir must be absolute, got '" + recordingsDir + "'");
            }
            Objects.requireNonNull(stateDir, "stateDir");
            Objects.requireNonNull(origin, "origin");
            Objects.requireNonNull(tuning, "tuning");
            Objects.requireNonNull(procRoot, "procRoot");
        }

        public static Settings of(NodeEnv env) {
            return new Settings(env.recordingsDir(), env.stateDir(), new Manifest.Origin(env.recordingsBucket(), env.nodeName(),
                    env.releaseHash(), env.stack(), env.project()), env.tuning(), Path.of("/proc"));
        }
    }

    private static final int MAX_TRACKED = 50_000;
    private static final int RECENT = 4096;

    private final Settings s;
    private final Path root;
    private final Path rootReal;
    private final ObjectStore store;
    private final EventPublisher publisher;
    private final RecordingObserver observer;
    private final JsonLog log;
    private final Clock clock;
    private final NodeContract.Events events = NodeContract.STANDARD.events();
    private final Outbox outbox;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService timer;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Set<String> publishing = ConcurrentHashMap.newKeySet();
    /** What ESL told about each recording path, oldest first; bounded. */
    private final LinkedHashMap<String, Tracked> tracked = new LinkedHashMap<>();
    /** Paths uploaded recently: a second RECORD_STOP for one of them is a duplicate, not an unknown file. */
    private final LinkedHashMap<String, Boolean> recent = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> e) {
            return size() > RECENT;
        }
    };
    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicInteger running = new AtomicInteger();
    private final java.util.concurrent.Semaphore sweepSlots;
    private volatile boolean stopping;
    private final java.util.concurrent.atomic.AtomicBoolean connectedBefore = new java.util.concurrent.atomic.AtomicBoolean();

    /** facts: what ESL said; recording: RECORD_START seen on the live connection and no RECORD_STOP yet. */
    private record Tracked(Manifest.EslFacts facts, boolean recording) {}

    public RecordingPipeline(Settings settings, ObjectStore store, EventPublisher publisher, RecordingObserver observer,
                             JsonLog log, Clock clock) throws IOException {
        this.s = settings;
        this.root = settings.recordingsDir().normalize();
        this.rootReal = root.toRealPath();
        this.store = Objects.requireNonNull(store, "store");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.observer = Objects.requireNonNull(observer, "observer");
        this.log = Objects.requireNonNull(log, "log");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.outbox = new Outbox(settings.stateDir().resolve("outbox"));
        try {
            Files.createDirectories(outbox.root());
        } catch (IOException e) {
            throw new NodeEnv.ConfigException("AGENT_STATE_DIR", settings.stateDir().toString(),
                    "a writable directory (" + e.getMessage() + ")");
        }
        int n = settings.tuning().parallel();
        this.workers = new ThreadPoolExecutor(n, n, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(settings.tuning().queue()),
                daemon("recording-upload"), new ThreadPoolExecutor.AbortPolicy());
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("recording-sweep"));
        this.sweepSlots = new java.util.concurrent.Semaphore(n);
    }

    private volatile TranscriptSource transcripts = TranscriptSource.NONE;

    /** Where manifests learn of a call's streamed transcript (the bridge sets it at start); default none. */
    public void transcripts(TranscriptSource source) {
        this.transcripts = Objects.requireNonNull(source, "source");
    }

    /** The outbox (tests, operators). */
    public Outbox outbox() {
        return outbox;
    }

    /** Starts the sweep now and at the interval, and the disk check. */
    public RecordingPipeline start() {
        try {
            outbox.removeStaleTemps();
        } catch (IOException e) {
            log.warn("outbox_cleanup_failed", Map.of("path", outbox.root().toString(), "error", e.toString()));
        }
        timer.execute(this::sweepSafely);
        long sweep = s.tuning().sweepInterval().toMillis();
        if (sweep > 0) {
            timer.scheduleWithFixedDelay(this::sweepSafely, sweep, sweep, TimeUnit.MILLISECONDS);
        }
        long disk = s.tuning().diskCheck().toMillis();
        timer.scheduleWithFixedDelay(this::checkDiskSafely, disk, disk, TimeUnit.MILLISECONDS);
        return this;
    }

    // ---- ESL --------------------------------------------------------------------------------------

    /** An ESL event, on the ESL delivery thread: map updates and a non-blocking hand-off only. */
    public void onEvent(EslEvent e) {
        String name = e.name();
        if (!name.equals("RECORD_START") && !name.equals("RECORD_STOP")) {
            return;
        }
        String raw = e.header("Record-File-Path");
        if (raw == null || raw.isEmpty()) {
            return;
        }
        Instant at = eventTime(e);
        String uuid = e.header("Unique-ID");
        Path file;
        try {
            file = Path.of(raw);
        } catch (RuntimeException bad) {
            rejected(raw, "not a path");
            return;
        }
        if (!file.isAbsolute() || !file.startsWith(root)) {
            // FreeSWITCH records elsewhere too (a bridge tap on tmpfs, voicemail): only the root is ours.
            if (name.equals("RECORD_STOP") && file.toString().endsWith(".wav")) {
                rejected(raw, "outside " + root);
            }
            return;
        }
        if (isTranscript(file)) {
            return; // the bridge's own file, uploaded by the bridge
        }
        String key = file.toString();
        if (name.equals("RECORD_START")) {
            track(key, new Manifest.EslFacts(uuid, at, null), true);
            return;
        }
        Manifest.EslFacts facts = track(key, new Manifest.EslFacts(uuid, null, at), false);
        if (inFlight.contains(key)) {
            log.info("recording_event_duplicate", Map.of("path", key, "detail", "upload already in progress"));
            return;
        }
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            boolean dup;
            synchronized (recent) {
                dup = recent.containsKey(key);
            }
            if (dup) {
                log.info("recording_event_duplicate", Map.of("path", key, "detail", "already uploaded"));
            } else {
                rejected(key, "no such file");
            }
            untrack(key);
            return;
        }
        submit(file, Trigger.EVENT, facts, at);
    }

    /** ESL state: after a drop, RECORD_STOPs may have been lost; a sweep on reconnect picks their files up. */
    public void onEslState(EslClient.State state) {
        if (state == EslClient.State.DISCONNECTED || state == EslClient.State.REFUSED) {
            // A recording we saw start may stop unseen: from now on only the sweep's open-file check protects it.
            synchronized (tracked) {
                tracked.replaceAll((k, t) -> t.recording() ? new Tracked(t.facts(), false) : t);
            }
        } else if (state == EslClient.State.CONNECTED && connectedBefore.getAndSet(true)) {
            requestSweep(); // a reconnect: the first connection follows start()'s own sweep
        }
    }

    /** A sweep soon, on the sweep thread (after a reconnect, or when ESL lost a RECORD_STOP under back-pressure). */
    public void requestSweep() {
        if (stopping) {
            return;
        }
        try {
            timer.execute(this::sweepSafely);
        } catch (RejectedExecutionException closed) {
            // shutting down
        }
    }

    private Manifest.EslFacts track(String key, Manifest.EslFacts facts, boolean recording) {
        synchronized (tracked) {
            Tracked old = tracked.remove(key);
            Manifest.EslFacts merged = old == null ? facts : old.facts().merge(facts);
            tracked.put(key, new Tracked(merged, recording));
            while (tracked.size() > MAX_TRACKED) {
                tracked.remove(tracked.keySet().iterator().next());
            }
            return merged;
        }
    }

    private void untrack(String key) {
        synchronized (tracked) {
            tracked.remove(key);
        }
    }

    private Tracked tracked(String key) {
        synchronized (tracked) {
            return tracked.get(key);
        }
    }

    /** Event-Date-Timestamp (microseconds since the epoch) when plausible, else now. */
    private Instant eventTime(EslEvent e) {
        Instant now = clock.instant();
        String ts = e.header("Event-Date-Timestamp");
        if (ts != null && ts.matches("[0-9]{1,19}")) {
            long us = Long.parseLong(ts);
            Instant t = Instant.ofEpochSecond(us / 1_000_000, (us % 1_000_000) * 1000);
            if (Duration.between(t, now).abs().compareTo(Duration.ofHours(1)) < 0) {
                return t;
            }
        }
        return now;
    }

    // ---- queueing ---------------------------------------------------------------------------------

    /**
     * Queues one recording for a worker; false when it is already queued or in progress, or the queue is
     * full (the sweep will find it).
     */
    public boolean submit(Path file, Trigger trigger, Manifest.EslFacts facts, Instant latencyFrom) {
        String key = file.toString();
        if (stopping || !inFlight.add(key)) {
            return false;
        }
        try {
            workers.execute(() -> {
                try {
                    process(file, trigger, facts, latencyFrom);
                } finally {
                    inFlight.remove(key);
                    observer.pending(inFlight.size());
                }
            });
            observer.pending(inFlight.size());
            return true;
        } catch (RejectedExecutionException full) {
            inFlight.remove(key);
            log.warn("recording_deferred", Map.of("path", key, "detail",
                    "upload queue full (" + s.tuning().queue() + "); the next sweep takes it"));
            return false;
        }
    }

    // ---- one recording ----------------------------------------------------------------------------

    /** Processes one recording now, on the calling thread. Callers make sure no other thread works on the same path. */
    public Outcome process(Path file, Trigger trigger, Manifest.EslFacts facts, Instant latencyFrom) {
        if (stopping) {
            return Outcome.STOPPED;
        }
        running.incrementAndGet();
        try {
            return doProcess(file, trigger, facts == null ? Manifest.EslFacts.NONE : facts, latencyFrom);
        } finally {
            running.decrementAndGet();
        }
    }

    private Outcome doProcess(Path file, Trigger trigger, Manifest.EslFacts facts, Instant latencyFrom) {
        if (isTranscript(file)) {
            log.info("recording_skipped", Map.of("path", file.toString(), "reason", "a streamed transcript: the bridge uploads it"));
            return Outcome.SKIPPED;
        }
        RecordingPath rp;
        try {
            rp = RecordingPath.check(root, rootReal, file);
        } catch (RecordingPath.Rejected r) {
            if (!r.vanished) {
                rejected(file.toString(), r.getMessage());
            }
            return Outcome.REJECTED;
        }
        BasicFileAttributes a0;
        ObjectStore.LocalDigest digest;
        try {
            a0 = attrs(file);
            digest = digest(file);
            if (!same(a0, attrs(file))) {
                changed(rp, "file changed while hashing; left for the next RECORD_STOP or sweep");
                return Outcome.CHANGED;
            }
        } catch (NoSuchFileException gone) {
            return Outcome.SKIPPED;
        } catch (IOException e) {
            failed(rp, 0, "cannot read the local file: " + e.getMessage(), "object");
            return Outcome.FAILED;
        }
        Instant mtime = a0.lastModifiedTime().toInstant();
        Instant from = latencyFrom != null ? latencyFrom : mtime;

        String stage = "object";
        String lastError = "";
        boolean probe = false;
        ObjectStore.StoredObject wav = null;
        Instant verifiedAt = null;
        int attempt = 0;
        int max = s.tuning().maxAttempts();
        while (attempt < max) {
            attempt++;
            try {
                // FreeSWITCH may reopen a file (record append): never ship or delete a moving target.
                if (!same(a0, attrs(file))) {
                    changed(rp, "file changed while uploading; left for the next RECORD_STOP or sweep");
                    return Outcome.CHANGED;
                }
            } catch (IOException e) {
                return Outcome.SKIPPED; // removed under us (an operator, or another agent process verified it)
            }
            if (stage.equals("object")) {
                try {
                    Verified v = storeVerified(rp.object(), file, null, "audio/wav", digest, probe);
                    if (v.conflict != null) {
                        probe = true;
                        lastError = v.conflict;
                    } else {
                        wav = v.object;
                        verifiedAt = clock.instant();
                        stage = "manifest";
                    }
                } catch (IOException e) {
                    lastError = message(e);
                }
            }
            if (stage.equals("manifest")) {
                try {
                    String err = storeManifest(rp, file, wav, digest, facts, mtime, verifiedAt);
                    if (err == null) {
                        stage = "complete";
                    } else {
                        lastError = err;
                    }
                } catch (IOException e) {
                    lastError = message(e);
                }
            }
            if (stage.equals("complete")) {
                break;
            }
            if (attempt < max && !backoff(attempt)) {
                return Outcome.STOPPED; // shutting down: the file stays for the next start
            }
        }
        if (!stage.equals("complete")) {
            failed(rp, attempt, lastError, stage);
            return Outcome.FAILED;
        }
        // Last guard before the only destructive step: still the bytes that were verified.
        try {
            if (!same(a0, attrs(file))) {
                changed(rp, "file changed after verification; kept");
                return Outcome.CHANGED;
            }
            Files.delete(file);
        } catch (NoSuchFileException gone) {
            // someone else verified and removed it: nothing of ours to delete
        } catch (IOException e) {
            log.error("recording_delete_failed", Map.of("path", file.toString(), "object", rp.object(), "error", e.toString()));
        }
        synchronized (recent) {
            recent.put(file.toString(), Boolean.TRUE);
        }
        untrack(file.toString());
        Duration latency = Duration.between(from, verifiedAt);
        if (latency.isNegative()) {
            latency = Duration.ZERO;
        }
        observer.uploaded(rp.object(), latency, attempt, digest.size());
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("latency_ms", latency.toMillis());
        f.put("attempts", attempt);
        f.put("object", rp.object());
        f.put("organization_id", rp.organizationId());
        f.put("call_sid", rp.callSid());
        f.put("recording_id", rp.recordingId());
        f.put("size_bytes", digest.size());
        f.put("generation", Long.toString(wav.generation()));
        f.put("trigger", trigger.name().toLowerCase(java.util.Locale.ROOT));
        log.event(events.recordingUploaded(), f);
        publish(outbox.entry(rp), rp);
        return Outcome.UPLOADED;
    }

    /** conflict != null: an object with other bytes holds the name (the text says which). */
    private record Verified(ObjectStore.StoredObject object, boolean storedBefore, String conflict) {}

    /**
     * Stores the file or bytes as {@code name} unless it exists with the same bytes. {@code probe} (after a
     * conflict) reads the object first instead of sending the body again.
     */
    private Verified storeVerified(String name, Path file, byte[] bytes, String contentType, ObjectStore.LocalDigest d,
                                   boolean probe) throws IOException {
        ObjectStore.StoredObject o = null;
        boolean before = false;
        if (probe) {
            o = readBack(name).orElse(null);
            before = o != null;
        }
        if (o == null) {
            try {
                o = file != null ? store.createIfAbsent(name, file, contentType, d) : store.createIfAbsent(name, bytes, contentType, d);
            } catch (ObjectStore.AlreadyExists exists) {
                // Already there (an earlier run, or a kill after the server committed): compare.
                before = true;
                o = readBack(name).orElseThrow(() -> new IOException("object " + name + " reported existing (412), then not found (404)"));
            }
        }
        if (Objects.equals(o.md5Base64(), d.md5Base64()) && o.size() == d.size()) {
            return new Verified(o, before, null);
        }
        String mismatch = "checksum mismatch: gcs md5=" + (o.md5Base64() == null ? "none" : o.md5Base64()) + " size=" + o.size()
                + ", local md5=" + d.md5Base64() + " size=" + d.size();
        if (o.md5Base64() == null) {
            throw new IOException(mismatch); // a composite object (no md5) is never ours: retry, then report
        }
        return new Verified(o, before, mismatch);
    }

    private Optional<ObjectStore.StoredObject> readBack(String name) throws IOException {
        try {
            return store.stat(name);
        } catch (ObjectStore.Forbidden f) {
            throw new IOException("object exists and may not be read back to verify it (the node needs storage.objects.get): "
                    + f.getMessage(), f);
        }
    }

    /** Null when the manifest is verified (stored, or an existing one adopted); else the reason. */
    private String storeManifest(RecordingPath rp, Path file, ObjectStore.StoredObject wav, ObjectStore.LocalDigest d,
                                 Manifest.EslFacts facts, Instant mtime, Instant verifiedAt) throws IOException {
        byte[] bytes;
        try {
            bytes = outbox.read(rp);
        } catch (IOException e) {
            bytes = null;
        }
        // Written once per object generation, reused on retries: a retry uploads identical bytes.
        if (bytes == null || !Long.toString(wav.generation()).equals(Manifest.generationOf(bytes))) {
            WavInfo audio;
            try {
                audio = WavInfo.read(file);
            } catch (IOException e) {
                audio = WavInfo.unknown("header unreadable: " + e.getMessage());
            }
            TranscriptSource.Transcript transcript = null;
            try {
                transcript = transcripts.await(rp.callSid(), rp.recordingId()).orElse(null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "manifest: interrupted while waiting for the call's transcript";
            }
            bytes = Manifest.build(s.origin(), rp, wav, d, audio, facts, mtime, verifiedAt, transcript);
            try {
                outbox.write(rp, bytes);
            } catch (IOException e) {
                return "manifest: cannot write " + outbox.entry(rp) + " (disk full?): " + e.getMessage();
            }
        }
        ObjectStore.LocalDigest md = digest(bytes);
        Verified v = storeVerified(rp.manifestObject(), null, bytes, "application/json", md, false);
        if (v.conflict == null) {
            return null;
        }
        // Only a manifest this run did not create can be someone else's evidence.
        if (!v.storedBefore) {
            return v.conflict;
        }
        byte[] stored;
        try {
            stored = store.read(rp.manifestObject(), 1 << 20);
        } catch (IOException e) {
            return "conflict: " + rp.manifestObject() + " exists and cannot be read: " + message(e);
        }
        String mismatch = Manifest.mismatch(stored, rp, wav, d);
        if (mismatch != null) {
            return "conflict: " + rp.manifestObject() + " exists and does not describe this recording (" + mismatch + ")";
        }
        try {
            outbox.write(rp, stored); // the evidence of record is what the bucket holds
        } catch (IOException e) {
            return "manifest: cannot write " + outbox.entry(rp) + " (disk full?): " + e.getMessage();
        }
        return null;
    }

    // ---- evidence events --------------------------------------------------------------------------

    /** Publishes an outbox entry; removes it once Pub/Sub returned a messageId. */
    private void publish(Path entry, RecordingPath rp) {
        String key = entry.toString();
        if (!publishing.add(key)) {
            return;
        }
        try {
            byte[] data;
            try {
                data = Files.readAllBytes(entry);
            } catch (NoSuchFileException gone) {
                return;
            }
            Map<String, String> attributes = new LinkedHashMap<>();
            attributes.put("event_type", "recording.evidence");
            attributes.put("organization_id", rp.organizationId());
            attributes.put("call_sid", rp.callSid());
            attributes.put("recording_id", rp.recordingId());
            attributes.put("object", rp.object());
            int attempt = 0;
            String lastError = "";
            while (attempt < s.tuning().maxAttempts()) {
                attempt++;
                try {
                    String id = publisher.publish(data, attributes);
                    if (id != null && !id.isEmpty()) {
                        outbox.remove(entry);
                        log.info("recording_evidence_published", Map.of("message_id", id, "organization_id", rp.organizationId(),
                                "call_sid", rp.callSid(), "recording_id", rp.recordingId(), "attempts", attempt));
                        return;
                    }
                    lastError = "publish: no messageId in the answer";
                } catch (IOException e) {
                    lastError = "publish: " + message(e);
                }
                if (attempt < s.tuning().maxAttempts() && !backoff(attempt)) {
                    return;
                }
            }
            log.error("evidence_publish_failed", Map.of("attempts", attempt, "error", lastError, "organization_id", rp.organizationId(),
                    "call_sid", rp.callSid(), "recording_id", rp.recordingId(), "path", key));
        } catch (IOException e) {
            log.error("evidence_publish_failed", Map.of("attempts", 0, "error", e.toString(), "organization_id", rp.organizationId(),
                    "call_sid", rp.callSid(), "recording_id", rp.recordingId(), "path", key));
        } finally {
            publishing.remove(key);
            outboxDepth();
        }
    }

    private void outboxDepth() {
        try {
            observer.outboxDepth(outbox.entries().size());
        } catch (IOException ignored) {
            // the next sweep reports it
        }
    }

    // ---- sweep ------------------------------------------------------------------------------------

    /** What one sweep did. */
    public record SweepReport(int candidates, int queued, int skippedOpen, int skippedRecent, int republished) {}

    /**
     * One sweep, waiting for what it started: disk check, republish of outbox entries whose recording is gone,
     * then every {@code *.wav} under the root that is older than the quiet period, not being recorded (RECORD_START
     * without RECORD_STOP on the live connection) and not held open by any process.
     */
    public SweepReport sweep() throws IOException {
        checkDisk();
        int republished = 0;
        List<Future<?>> waits = new ArrayList<>();
        for (Path entry : outbox.entries()) {
            Path rel = outbox.root().relativize(entry);
            String name = rel.getName(2).toString();
            Path wav = root.resolve(rel.getName(0).toString()).resolve(rel.getName(1).toString())
                    .resolve(name.substring(0, name.length() - ".manifest.json".length()) + ".wav");
            if (Files.exists(wav, LinkOption.NOFOLLOW_LINKS) || inFlight.contains(wav.toString())) {
                continue; // the worker that holds the recording publishes it itself
            }
            RecordingPath rp = new RecordingPath(wav, rel.getName(0).toString(), rel.getName(1).toString(),
                    name.substring(0, name.length() - ".manifest.json".length()));
            try {
                waits.add(workers.submit(() -> publish(entry, rp)));
                republished++;
            } catch (RejectedExecutionException full) {
                break;
            }
        }
        List<Path> candidates = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> st = Files.find(root, 16, (p, a) -> (a.isRegularFile() || a.isSymbolicLink())
                    && p.getFileName().toString().endsWith(".wav"))) {
                st.forEach(candidates::add);
            }
        }
        // The open set is taken after the listing, so every candidate is checked against a fresh view.
        Set<Path> open = candidates.isEmpty() ? Set.of() : openFiles();
        long quietMs = s.tuning().quiet().toMillis();
        Instant now = clock.instant();
        int queued = 0;
        int skippedOpen = 0;
        int skippedRecent = 0;
        for (Path f : candidates) {
            Tracked t = tracked(f.toString());
            if (t != null && t.recording()) {
                skippedOpen++;
                continue;
            }
            Path real;
            try {
                real = f.toRealPath();
            } catch (IOException gone) {
                real = f;
            }
            if (open.contains(real)) {
                skippedOpen++;
                continue;
            }
            if (!Files.isSymbolicLink(f)) {
                try {
                    FileTime m = Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS);
                    if (Duration.between(m.toInstant(), now).toMillis() < quietMs) {
                        skippedRecent++;
                        continue;
                    }
                } catch (IOException gone) {
                    continue;
                }
            }
            String key = f.toString();
            if (stopping || !inFlight.add(key)) {
                continue;
            }
            Manifest.EslFacts facts = t == null ? Manifest.EslFacts.NONE : t.facts();
            try {
                // At most `parallel` sweep tasks at a time: the sweep waits here, the queue stays free for events.
                sweepSlots.acquire();
            } catch (InterruptedException e) {
                inFlight.remove(key);
                Thread.currentThread().interrupt();
                break;
            }
            try {
                waits.add(workers.submit(() -> {
                    try {
                        process(f, Trigger.SWEEP, facts, null);
                    } finally {
                        inFlight.remove(key);
                        sweepSlots.release();
                        observer.pending(inFlight.size());
                    }
                }));
                queued++;
            } catch (RejectedExecutionException full) {
                inFlight.remove(key);
                sweepSlots.release();
                break; // the queue is full of event work already; the next sweep takes the rest
            }
        }
        observer.pending(inFlight.size());
        for (Future<?> w : waits) {
            try {
                w.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (java.util.concurrent.ExecutionException e) {
                log.error("sweep_task_failed", Map.of("error", String.valueOf(e.getCause())));
            } catch (java.util.concurrent.CancellationException e) {
                // shutting down
            }
        }
        removeOldEmptyDirs();
        outboxDepth();
        return new SweepReport(candidates.size(), queued, skippedOpen, skippedRecent, republished);
    }

    private void sweepSafely() {
        if (stopping) {
            return;
        }
        try {
            SweepReport r = sweep();
            log.info("sweep_finished", Map.of("candidates", r.candidates(), "queued", r.queued(), "skipped_open", r.skippedOpen(),
                    "skipped_recent", r.skippedRecent(), "republished", r.republished()));
        } catch (IOException | RuntimeException e) {
            log.error("sweep_failed", Map.of("path", root.toString(), "error", e.toString()));
        }
    }

    /** Real paths under the recordings root that some process holds open (FreeSWITCH, while it records). */
    Set<Path> openFiles() {
        Set<Path> open = new HashSet<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(s.procRoot(), p -> p.getFileName().toString().matches("[0-9]+"))) {
            for (Path pid : procs) {
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(pid.resolve("fd"))) {
                    for (Path fd : fds) {
                        try {
                            Path target = Files.readSymbolicLink(fd);
                            if (target.startsWith(rootReal)) {
                                open.add(target);
                            }
                        } catch (IOException | UnsupportedOperationException ignored) {
                            // closed meanwhile
                        }
                    }
                } catch (IOException ignored) {
                    // exited, or not ours to read (the unit grants CAP_SYS_PTRACE for FreeSWITCH's fds)
                }
            }
        } catch (IOException ignored) {
            // no procfs: the quiet period is the only guard
        }
        return open;
    }

    /** Call directories left empty for a day (FreeSWITCH creates one per call). */
    private void removeOldEmptyDirs() {
        Instant cutoff = clock.instant().minus(Duration.ofDays(1));
        for (Path base : List.of(root, outbox.root())) {
            try (DirectoryStream<Path> orgs = Files.newDirectoryStream(base, Files::isDirectory)) {
                for (Path org : orgs) {
                    try (DirectoryStream<Path> calls = Files.newDirectoryStream(org, Files::isDirectory)) {
                        for (Path call : calls) {
                            try (DirectoryStream<Path> in = Files.newDirectoryStream(call)) {
                                if (!in.iterator().hasNext()
                                        && Files.getLastModifiedTime(call, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(cutoff)) {
                                    Files.deleteIfExists(call);
                                }
                            } catch (IOException ignored) {
                                // not empty after all, or gone
                            }
                        }
                    } catch (IOException ignored) {
                        // gone
                    }
                }
            } catch (IOException ignored) {
                // gone
            }
        }
    }

    // ---- disk -------------------------------------------------------------------------------------

    /** Reports the recordings file system's use; disk_pressure at or above the threshold. Never deletes anything. */
    public void checkDisk() {
        try {
            FileStore fs = Files.getFileStore(root);
            long total = fs.getTotalSpace();
            long free = fs.getUnallocatedSpace();
            long avail = fs.getUsableSpace();
            long used = total - free;
            observer.diskUsage(used, total);
            if (used + avail <= 0) {
                return;
            }
            // df's Use%: used / (used + available), rounded up.
            long pct = (used * 100 + (used + avail) - 1) / (used + avail);
            if (pct >= s.tuning().diskPressurePercent()) {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("used_percent", pct);
                f.put("threshold_percent", s.tuning().diskPressurePercent());
                f.put("path", root.toString());
                f.put("avail_bytes", avail);
                log.event(events.diskPressure(), "warning", f);
            }
        } catch (IOException e) {
            log.warn("disk_check_failed", Map.of("path", root.toString(), "error", e.toString()));
        }
    }

    private void checkDiskSafely() {
        try {
            checkDisk();
        } catch (RuntimeException e) {
            log.error("disk_check_failed", Map.of("path", root.toString(), "error", e.toString()));
        }
    }

    // ---- shutdown ---------------------------------------------------------------------------------

    /**
     * Stops taking work; recordings in the middle of an upload finish their verify (and delete) within
     * {@code grace}; queued ones and ones waiting out a backoff stay on disk for the next start.
     */
    public void shutdown(Duration grace) {
        stopping = true;
        stop.countDown();
        timer.shutdownNow();
        workers.getQueue().clear();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(20));
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** Waits before attempt n+1: base * 2^(n-1), capped, plus up to 50 % jitter; false when shutting down. */
    private boolean backoff(int attempt) {
        long base = s.tuning().backoffBase().toMillis();
        long cap = s.tuning().backoffMax().toMillis();
        long delay = attempt >= 31 ? cap : Math.min(cap, base << (attempt - 1));
        delay += ThreadLocalRandom.current().nextLong(delay / 2 + 1);
        try {
            return !stop.await(delay, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code *.transcript.jsonl}: the streaming bridge writes them next to the recordings and uploads them itself. */
    static boolean isTranscript(Path file) {
        Path n = file.getFileName();
        return n != null && n.toString().endsWith(".transcript.jsonl");
    }

    private void rejected(String path, String reason) {
        log.error("recording_rejected", Map.of("path", path, "reason", reason));
    }

    private void changed(RecordingPath rp, String detail) {
        log.warn("recording_changed", Map.of("object", rp.object(), "path", rp.file().toString(), "detail", detail));
    }

    private void failed(RecordingPath rp, int attempts, String error, String stage) {
        observer.uploadFailed(stage, rp.object());
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("attempts", attempts);
        f.put("error", error);
        f.put("stage", stage);
        f.put("object", rp.object());
        f.put("organization_id", rp.organizationId());
        f.put("call_sid", rp.callSid());
        f.put("recording_id", rp.recordingId());
        f.put("path", rp.file().toString());
        log.event(events.recordingUploadFailed(), "error", f);
    }

    private static String message(IOException e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    private static BasicFileAttributes attrs(Path f) throws IOException {
        return Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    private static boolean same(BasicFileAttributes a, BasicFileAttributes b) {
        return a.size() == b.size() && a.lastModifiedTime().equals(b.lastModifiedTime()) && Objects.equals(a.fileKey(), b.fileKey());
    }

    /** md5 (what GCS reports and the pipeline verifies), crc32c (sent, recorded) and sha256 (manifest), in one pass. */
    public static ObjectStore.LocalDigest digest(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            CRC32C crc = new CRC32C();
            byte[] buf = new byte[64 * 1024];
            long size = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                md5.update(buf, 0, n);
                sha.update(buf, 0, n);
                crc.update(buf, 0, n);
                size += n;
            }
            return new ObjectStore.LocalDigest(size, Base64.getEncoder().encodeToString(md5.digest()), crc32c(crc.getValue()),
                    HexFormat.of().formatHex(sha.digest()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ObjectStore.LocalDigest digest(byte[] bytes) {
        try {
            CRC32C crc = new CRC32C();
            crc.update(bytes);
            return new ObjectStore.LocalDigest(bytes.length, Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(bytes)),
                    crc32c(crc.getValue()), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String crc32c(long v) {
        byte[] b = {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        return Base64.getEncoder().encodeToString(b);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
