package dev.mediaplane.agent.bridge;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.agent.JsonLog;
import dev.mediaplane.agent.recordings.EventPublisher;
import dev.mediaplane.agent.recordings.ObjectStore;
import dev.mediaplane.esl.EslEvent;
import dev.mediaplane.esl.EslException;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The streaming bridge: live call audio to Deepgram or AssemblyAI over TLS websockets, transcripts back to
 * the recording's folder, the evidence bucket and the events topic. One instance per agent.
 *
 * <h2>Wiring (AgentMain)</h2>
 * <pre>{@code
 * StreamBridge bridge = new StreamBridge(settings, eslClient::api, objectStore, eventPublisher, jsonLog, observer);
 * // subscribe the ESL client to StreamBridge.EVENTS (at least) and forward every event:
 * listener = event -> { bridge.onEvent(event); ... };
 * eslClient.awaitConnected(...); bridge.resume();   // picks up streams of calls still up after a restart
 * ...
 * bridge.close();                                     // on shutdown: providers closed, transcripts kept on disk
 * }</pre>
 *
 * <h2>What starts and stops a stream</h2>
 * The control message {@code stream-to-ai} is {@code api uuid_setvar <uuid> mp_stream_to_ai <value>}; FreeSWITCH
 * fires an {@code API} event for every API command it runs ({@code API-Command}, {@code API-Command-Argument}),
 * which is how the agent sees it. The variable on any channel event (e.g. {@code CHANNEL_PARK} when a stack's
 * dialplan sets it) works too. Values: {@code deepgram}, {@code assemblyai}, {@code on}/{@code true} (the stack's
 * {@link BridgeSettings#defaultProvider()}), {@code off}/{@code false}/empty (stop). On start the bridge runs
 * {@code uuid_setvar <uuid> enable_file_write_buffering false} and
 * {@code uuid_record <uuid> start <streamsDir>/<uuid>.r16}, tails the file and streams it; on stop it runs
 * {@code uuid_record <uuid> stop <file>}; on {@code CHANNEL_HANGUP_COMPLETE} FreeSWITCH has closed the file
 * already. Either way the providers get their close messages, the file is removed and, at hangup, the
 * transcript is uploaded ({@link #awaitTranscript}).
 *
 * <p>Thread-safety: {@link #onEvent} only queues work (it never blocks the ESL delivery thread); ESL commands
 * and state changes run on one control thread, uploads and publishes on one I/O thread, audio on the
 * scheduler. Keys are read from files at each stream start and never logged.
 */
public final class StreamBridge implements AutoCloseable {

    /** The ESL events the bridge needs; AgentMain's subscription must include them. */
    public static final List<String> EVENTS = List.of("CHANNEL_PARK", "CHANNEL_HANGUP_COMPLETE", "API");

    /** How long a verified transcript stays known to {@link #awaitTranscript} (bounds the map). */
    static final Duration TRANSCRIPT_KEPT = Duration.ofMinutes(30);

    /** The channel variable of the control message. */
    public static final String CONTROL_VAR = "mp_stream_to_ai";

    /**
     * A transcript verified in the bucket, for the evidence manifest.
     *
     * @param bucket as GCS reported it
     * @param object {@code org/{org}/recordings/{call}/{rec}.transcript.jsonl}
     * @param sha256Hex of the local file's bytes (GCS verified the md5)
     */
    public record StoredTranscript(String bucket, String object, long generation, long sizeBytes, String md5Base64,
                                   String crc32cBase64, String sha256Hex) {}

    private final BufferBudget budget;
    private final BridgeSettings settings;
    private final EslApi esl;
    private final ObjectStore store;
    private final EventPublisher publisher;
    private final JsonLog log;
    private final StreamObserver observer;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService control;
    private final ExecutorService io;
    private final ExecutorService httpExecutor;
    private final HttpClient http;
    private final Map<String, CallInfo> calls = new ConcurrentHashMap<>();
    private final Map<String, String> requested = new ConcurrentHashMap<>();
    private final Map<String, CallStream> streams = new ConcurrentHashMap<>();
    /** Streams whose call left {@link #streams} before they finished draining (a switch of provider). */
    private final Map<CallStream, Boolean> ending = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<StoredTranscript>> transcripts = new ConcurrentHashMap<>();
    /** Each running stream's end handling (streamEnded on the control thread). */
    private final Map<CallStream, CompletableFuture<Void>> handled = new ConcurrentHashMap<>();
    private final Map<Provider, Refused> refused = new EnumMap<>(Provider.class);
    private final Map<Provider, AtomicInteger> active = new EnumMap<>(Provider.class);
    private volatile boolean closed;

    private record Refused(String keySha256, Instant at, Instant until, int status) {}

    /**
     * @param settings paths, providers, bounds
     * @param esl the ESL client's api call ({@code eslClient::api})
     * @param store where the transcript object goes (the recordings bucket)
     * @param publisher the events topic (final turns, stream failures, transcript evidence)
     * @param log the agent's structured log
     * @param observer metrics
     */
    public StreamBridge(BridgeSettings settings, EslApi esl, ObjectStore store, EventPublisher publisher, JsonLog log,
                        StreamObserver observer) {
        this(settings, esl, store, publisher, log, observer, Clock.systemUTC());
    }

    StreamBridge(BridgeSettings settings, EslApi esl, ObjectStore store, EventPublisher publisher, JsonLog log,
                 StreamObserver observer, Clock clock) {
        this(settings, esl, store, publisher, log, observer, clock, new BufferBudget(BufferBudget.DEFAULT_BYTES));
    }

    /** With the node-wide bound on buffered audio given ({@link BufferBudget#DEFAULT_BYTES} otherwise). */
    StreamBridge(BridgeSettings settings, EslApi esl, ObjectStore store, EventPublisher publisher, JsonLog log,
                 StreamObserver observer, Clock clock, BufferBudget budget) {
        this.budget = budget;
        this.settings = settings;
        this.esl = esl;
        this.store = store;
        this.publisher = publisher;
        this.log = log;
        this.observer = observer;
        this.clock = clock;
        this.scheduler = Executors.newScheduledThreadPool(2, daemon("bridge-audio"));
        this.control = Executors.newSingleThreadExecutor(daemon("bridge-control"));
        this.io = Executors.newSingleThreadExecutor(daemon("bridge-io"));
        this.httpExecutor = Executors.newFixedThreadPool(2, daemon("bridge-ws"));
        HttpClient.Builder b = HttpClient.newBuilder().executor(httpExecutor).connectTimeout(Duration.ofSeconds(10));
        if (settings.tls() != null) {
            b.sslContext(settings.tls());
        }
        this.http = b.build();
        for (Provider p : Provider.values()) {
            active.put(p, new AtomicInteger());
        }
        // One ticker for every stream: a periodic task per stream costs the scheduler's queue 50 operations a
        // second each; one pass over the map does the same work without them.
        long period = settings.frame().toMillis();
        scheduler.scheduleAtFixedRate(this::tickAll, period, period, TimeUnit.MILLISECONDS);
    }

    private void tickAll() {
        long now = System.nanoTime();
        for (CallStream s : streams.values()) {
            s.tick(now);
        }
        for (CallStream s : ending.keySet()) {
            if (s.stopped()) {
                ending.remove(s);
            } else {
                s.tick(now);
            }
        }
    }

    /** Every ESL event the agent receives; returns at once. */
    public void onEvent(EslEvent event) {
        if (closed) {
            return;
        }
        control.execute(() -> {
            try {
                handle(event);
            } catch (RuntimeException e) {
                log.error("stream_event_failed", Map.of("event_name", event.name(), "error", describe(e)));
            }
        });
    }

    /**
     * Picks up the streams of a previous agent process: for each stream the bridge had started (a state file in
     * {@code streamsDir}), a call still up ({@code uuid_exists}) is streamed again from the file's current end
     * (what was written while no agent ran is not sent: counted as lost, reason restart); a call that ended
     * meanwhile gets its transcript uploaded. Call once ESL is connected.
     *
     * @return streams resumed
     * @throws EslException ESL is not connected (call again later)
     */
    public int resume() throws EslException {
        int[] n = {0};
        EslException[] failure = {null};
        try {
            control.submit(() -> {
                try {
                    n[0] = resumeAll();
                } catch (EslException e) {
                    failure[0] = e;
                }
                return null;
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("resume failed: " + describe(e.getCause()), e.getCause());
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return n[0];
    }

    /**
     * The verified transcript of a recording, once its call ended and the upload was verified; empty at once when
     * this agent ran (or resumed) no stream for that recording, or its upload failed; empty when none comes within
     * {@code timeout}. Kept {@link #TRANSCRIPT_KEPT} after verification (a manifest retried later still finds it).
     */
    public Optional<StoredTranscript> awaitTranscript(String callSid, String recordingId, Duration timeout)
            throws InterruptedException {
        CompletableFuture<StoredTranscript> f = transcripts.get(callSid + "/" + recordingId);
        if (f == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(f.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            return Optional.empty();
        }
    }

    /** Reads of the taps of the streams running now (tests). */
    long tapReads() {
        return streams.values().stream().mapToLong(CallStream::tapReads).sum();
    }

    /** Streams running now. */
    public int activeStreams() {
        return streams.size();
    }

    /**
     * Ends every stream (providers get their close messages within {@link BridgeSettings#closeTimeout()}) and stops
     * the threads. FreeSWITCH's taps keep running and the state files stay, so the next agent resumes them.
     */
    @Override
    public void close() {
        closed = true;
        List<CompletableFuture<?>> ends = streams.values().stream().<CompletableFuture<?>>map(s -> {
            s.end();
            CompletableFuture<Void> h = handled.get(s);
            return h != null ? h : s.finished();
        }).toList();
        try {
            CompletableFuture.allOf(ends.toArray(CompletableFuture[]::new))
                    .get(settings.closeTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // the deadline aborts what is left
        }
        control.shutdown();
        io.shutdown();
        try {
            control.awaitTermination(2, TimeUnit.SECONDS);
            io.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scheduler.shutdownNow();
        httpExecutor.shutdownNow();
    }

    // ---- control thread ----

    private void handle(EslEvent e) {
        String uuid = e.header("Unique-ID");
        switch (e.name()) {
            case "CHANNEL_PARK" -> remember(e);
            case "CHANNEL_HANGUP_COMPLETE" -> {
                if (uuid != null) {
                    hangup(uuid);
                }
                return;
            }
            case "API" -> {
                api(e.header("API-Command"), e.header("API-Command-Argument"));
                return;
            }
            default -> { }
        }
        String v = e.header("variable_" + CONTROL_VAR);
        if (uuid != null && v != null) {
            remember(e);
            control(uuid, v);
        }
    }

    private void remember(EslEvent e) {
        String uuid = e.header("Unique-ID");
        String org = e.header("variable_mp_organization_id");
        String sid = e.header("variable_mp_call_sid");
        String rec = e.header("variable_mp_recording_id");
        if (uuid != null && org != null && sid != null && rec != null && !calls.containsKey(uuid)) {
            try {
                calls.put(uuid, new CallInfo(uuid, org, sid, rec));
            } catch (IllegalArgumentException ex) {
                log.warn("stream_call_ignored", Map.of("call_uuid", String.valueOf(uuid), "error", ex.getMessage()));
            }
        }
    }

    /** {@code uuid_setvar <uuid> mp_stream_to_ai [value]} and {@code uuid_setvar_multi <uuid> a=b;c=d}. */
    private void api(String command, String arg) {
        if (command == null || arg == null) {
            return;
        }
        String[] w = arg.strip().split("\\s+", 3);
        if (command.equals("uuid_setvar") && w.length >= 2 && w[1].equals(CONTROL_VAR)) {
            control(w[0], w.length == 3 ? w[2] : "");
        } else if (command.equals("uuid_setvar_multi") && w.length >= 2) {
            String rest = arg.strip().substring(w[0].length()).strip();
            for (String kv : rest.split(";")) {
                int eq = kv.indexOf('=');
                if (eq > 0 && kv.substring(0, eq).strip().equals(CONTROL_VAR)) {
                    control(w[0], kv.substring(eq + 1).strip());
                }
            }
        }
    }

    private void control(String uuid, String value) {
        if (!CallInfo.validUuid(uuid)) {
            log.warn("stream_rejected", Map.of("call_uuid", String.valueOf(uuid), "error", "not a channel uuid"));
            return;
        }
        String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        String previous = requested.put(uuid, v);
        if (v.equals(previous)) {
            return; // the same value on a later event: nothing changed
        }
        switch (v) {
            case "", "off", "false", "none" -> stop(uuid, "stopped");
            case "on", "true" -> {
                if (settings.defaultProvider() == null) {
                    log.error("stream_rejected", Map.of("call_uuid", uuid, "error", CONTROL_VAR + " is '" + value
                            + "' but the stack names no default provider; use deepgram or assemblyai"));
                    return;
                }
                start(uuid, settings.defaultProvider(), 0, false);
            }
            default -> {
                Provider p;
                try {
                    p = Provider.parse(v);
                } catch (IllegalArgumentException ex) {
                    log.error("stream_rejected", Map.of("call_uuid", uuid, "error", ex.getMessage()));
                    return;
                }
                start(uuid, p, 0, false);
            }
        }
    }

    private CallInfo callInfo(String uuid) throws EslException {
        CallInfo c = calls.get(uuid);
        if (c != null) {
            return c;
        }
        c = new CallInfo(uuid, getvar(uuid, "mp_organization_id"), getvar(uuid, "mp_call_sid"),
                getvar(uuid, "mp_recording_id"));
        calls.put(uuid, c);
        return c;
    }

    private String getvar(String uuid, String var) throws EslException {
        String r = esl.api("uuid_getvar " + uuid + " " + var).strip();
        return r.startsWith("-ERR") || r.equals("_undef_") ? null : r;
    }

    private Path tapFile(String uuid) {
        return settings.streamsDir().resolve(uuid + ".r16");
    }

    private Path stateFile(String uuid) {
        return settings.streamsDir().resolve(uuid + ".json");
    }

    private TranscriptFile transcriptFile(CallInfo c) {
        return new TranscriptFile(settings.recordingsDir().resolve(c.organizationId()).resolve(c.callSid())
                .resolve(c.recordingId() + ".transcript.jsonl"));
    }

    private void start(String uuid, Provider provider, long resumeAt, boolean resuming) {
        CallStream running = streams.get(uuid);
        if (running != null) {
            if (running.provider == provider) {
                return;
            }
            stop(uuid, "switched");
        }
        CallInfo call;
        try {
            call = callInfo(uuid);
        } catch (EslException | IllegalArgumentException e) {
            log.error("stream_start_failed", Map.of("call_uuid", uuid, "provider", provider.id(), "error",
                    "the call's ids could not be read: " + describe(e)));
            return;
        }
        Map<String, Object> f = new LinkedHashMap<>(call.logFields());
        f.put("provider", provider.id());
        Path keyFile = settings.secretsDir().resolve(provider.id() + "-api-key");
        String key;
        try {
            key = Files.readString(keyFile, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            f.put("key_file", keyFile.toString());
            f.put("error", "the " + provider.id() + " key file is missing or unreadable (boot writes it when the secret "
                    + "exists): " + e.getClass().getSimpleName());
            log.error("stream_start_failed", f);
            return;
        }
        if (key.isEmpty() || !key.chars().allMatch(ch -> ch > ' ' && ch < 127)) {
            f.put("key_file", keyFile.toString());
            f.put("error", "the key file must hold one token of printable ASCII without spaces (the content is not shown)");
            log.error("stream_start_failed", f);
            return;
        }
        String keySha = sha256(key);
        Refused r;
        synchronized (refused) {
            r = refused.get(provider);
        }
        if (r != null && r.keySha256.equals(keySha) && clock.instant().isBefore(r.until)) {
            f.put("status", r.status);
            f.put("error", "this " + provider.id() + " key was refused at " + r.at + "; not tried again before " + r.until
                    + " or until the key file changes");
            log.error("stream_auth_refused", f);
            publishFailure(call, provider, "auth_refused", r.status);
            return;
        }
        Path tap = tapFile(uuid);
        long t0 = System.nanoTime(); // before FreeSWITCH is asked: its first frame cannot be earlier
        try {
            Files.createDirectories(settings.streamsDir());
            if (!resuming) {
                Files.deleteIfExists(tap);
                reply(esl.api("uuid_setvar " + uuid + " enable_file_write_buffering false"), "uuid_setvar");
                reply(esl.api("uuid_record " + uuid + " start " + tap), "uuid_record start");
            }
            JsonObject state = call.toJson();
            state.addProperty("provider", provider.id());
            state.addProperty("started_at", clock.instant().toString());
            Files.writeString(stateFile(uuid), state.toString());
        } catch (IOException e) { // EslException included
            f.put("error", describe(e));
            log.error("stream_start_failed", f);
            return;
        }
        expectTranscript(call);
        CallStream s = new CallStream(call, provider, tap, resumeAt, t0, key, settings, http, scheduler, transcriptFile(call),
                observer, log, clock, this::publishTurn, budget);
        CallStream previous = streams.put(uuid, s);
        if (previous != null) {
            ending.put(previous, true); // still draining to its provider: keep ticking it
        }
        observer.streamsActive(provider, active.get(provider).incrementAndGet());
        f.put("file", tap.toString());
        f.put("from_offset", s.startOffset());
        log.info(resuming ? "stream_resumed" : "stream_started", f);
        // close() waits for this (not for finished()): it must not shut the control thread down before the end of
        // each stream is handled, or the hand-off to it is refused and the stream's end never logged.
        CompletableFuture<Void> ending = s.finished().thenAcceptAsync(ended -> streamEnded(s, ended, keySha), control);
        handled.put(s, ending);
        ending.whenComplete((v, err) -> handled.remove(s));
        s.start();
    }

    private static void reply(String body, String what) throws EslException {
        if (body == null || !body.strip().startsWith("+OK")) {
            throw new EslException(EslException.Kind.PROTOCOL, what + " answered '"
                    + (body == null ? "" : body.strip()) + "'");
        }
    }

    private void stop(String uuid, String why) {
        CallStream s = streams.get(uuid);
        if (s == null) {
            return;
        }
        if (!why.equals("hangup")) {
            try {
                String r = esl.api("uuid_record " + uuid + " stop " + s.file);
                if (!r.strip().startsWith("+OK")) {
                    log.warn("stream_stop_failed", Map.of("call_uuid", uuid, "error", "uuid_record stop answered '" + r.strip() + "'"));
                }
            } catch (EslException e) {
                log.warn("stream_stop_failed", Map.of("call_uuid", uuid, "error", describe(e)));
            }
        }
        s.end();
    }

    private void streamEnded(CallStream s, CallStream.Ended ended, String keySha) {
        streams.remove(s.call.uuid(), s);
        observer.streamsActive(s.provider, active.get(s.provider).decrementAndGet());
        observer.streamEnded(s.provider, ended.outcome());
        Map<String, Object> f = new LinkedHashMap<>(s.call.logFields());
        f.put("provider", s.provider.id());
        f.put("outcome", ended.outcome());
        if (closed) {
            log.info("stream_detached", f); // agent shutdown: the tap and the state file stay for the next agent
            return;
        }
        if (!ended.outcome().equals("completed")) {
            f.put("error", ended.detail());
            if (ended.worst() == ProviderSession.Outcome.AUTH_REFUSED) {
                f.put("status", ended.status());
                Instant now = clock.instant();
                synchronized (refused) {
                    refused.put(s.provider, new Refused(keySha, now, now.plus(settings.refusedKeyRetryAfter()), ended.status()));
                }
                log.error("stream_auth_refused", f);
                publishFailure(s.call, s.provider, "auth_refused", ended.status());
            } else {
                log.error("stream_failed", f);
                publishFailure(s.call, s.provider, "failed", ended.status());
            }
            if (calls.containsKey(s.call.uuid())) {
                try {
                    esl.api("uuid_record " + s.call.uuid() + " stop " + s.file); // the call is up: stop the tap
                } catch (EslException e) {
                    log.warn("stream_stop_failed", Map.of("call_uuid", s.call.uuid(), "error", describe(e)));
                }
            }
        } else {
            log.info("stream_stopped", f);
        }
        try {
            Files.deleteIfExists(s.file);
        } catch (IOException e) {
            log.warn("stream_cleanup_failed", Map.of("path", s.file.toString(), "error", describe(e)));
        }
    }

    private void hangup(String uuid) {
        CallStream s = streams.get(uuid);
        CallInfo c = calls.remove(uuid);
        requested.remove(uuid);
        if (s != null) {
            stop(uuid, "hangup");
            s.finished().whenCompleteAsync((ended, err) -> finishCall(s.call), control);
        } else if (Files.exists(stateFile(uuid)) && c != null) {
            finishCall(c);
        }
    }

    private CompletableFuture<StoredTranscript> expectTranscript(CallInfo c) {
        String k = c.callSid() + "/" + c.recordingId();
        CompletableFuture<StoredTranscript> f = transcripts.get(k);
        if (f == null || f.isDone()) { // a new stream of a recording id seen before: its own transcript
            f = new CompletableFuture<>();
            transcripts.put(k, f);
        }
        return f;
    }

    /** After the call: upload the transcript, publish its evidence event, drop the state file. */
    private void finishCall(CallInfo c) {
        TranscriptFile t = transcriptFile(c);
        String k = c.callSid() + "/" + c.recordingId();
        CompletableFuture<StoredTranscript> pending = transcripts.computeIfAbsent(k, x -> new CompletableFuture<>());
        io.execute(() -> {
            try {
                if (!Files.exists(t.path())) {
                    t.append(new JsonObject()); // a stream ran and nobody spoke: the evidence still says so
                }
                Optional<StoredTranscript> stored = upload(c, t);
                if (stored.isPresent()) {
                    Files.deleteIfExists(t.path());
                    Files.deleteIfExists(stateFile(c.uuid()));
                    pending.complete(stored.get());
                    publishEvidence(c, stored.get());
                } else {
                    pending.completeExceptionally(new IOException("transcript upload failed (logged)"));
                }
            } catch (IOException e) {
                pending.completeExceptionally(e);
                Map<String, Object> f = new LinkedHashMap<>(c.logFields());
                f.put("error", describe(e));
                log.error("transcript_upload_failed", f);
            } finally {
                try {
                    scheduler.schedule(() -> transcripts.remove(k, pending), TRANSCRIPT_KEPT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException closing) {
                    // the bridge is closing: the map goes with it
                }
            }
        });
    }

    private Optional<StoredTranscript> upload(CallInfo c, TranscriptFile t) throws IOException {
        ObjectStore.LocalDigest d = t.digest();
        String name = c.transcriptObject();
        Map<String, Object> f = new LinkedHashMap<>(c.logFields());
        f.put("object", name);
        IOException last = null;
        for (int attempt = 1; attempt <= 3; attempt++) {
            try {
                ObjectStore.StoredObject o;
                try {
                    o = store.createIfAbsent(name, t.path(), "application/x-ndjson", d);
                } catch (ObjectStore.AlreadyExists e) {
                    Optional<ObjectStore.StoredObject> got = store.stat(name);
                    if (got.isEmpty()) {
                        throw new IOException("object " + name + " reported as existing but not found");
                    }
                    o = got.get();
                }
                if (o.size() != d.size() || !d.md5Base64().equals(o.md5Base64())) {
                    f.put("error", "conflict: gcs md5=" + o.md5Base64() + " size=" + o.size() + ", local md5="
                            + d.md5Base64() + " size=" + d.size() + "; the local transcript is kept");
                    log.error("transcript_upload_failed", f);
                    return Optional.empty();
                }
                f.put("size_bytes", d.size());
                f.put("sha256", d.sha256Hex());
                f.put("generation", Long.toString(o.generation()));
                f.put("attempts", attempt);
                log.info("transcript_uploaded", f);
                return Optional.of(new StoredTranscript(o.bucket(), name, o.generation(), d.size(), d.md5Base64(),
                        d.crc32cBase64(), d.sha256Hex()));
            } catch (ObjectStore.Forbidden e) {
                f.put("error", describe(e));
                log.error("transcript_upload_failed", f);
                return Optional.empty();
            } catch (IOException e) {
                last = e;
                sleep(Duration.ofMillis(200L * attempt * attempt));
            }
        }
        f.put("error", describe(last));
        f.put("attempts", 3);
        log.error("transcript_upload_failed", f);
        return Optional.empty();
    }

    private int resumeAll() throws EslException {
        if (!Files.isDirectory(settings.streamsDir())) {
            return 0;
        }
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(settings.streamsDir(), "*.json")) {
            for (Path p : ds) {
                CallInfo c;
                Provider provider;
                try {
                    JsonObject o = JsonParser.parseString(Files.readString(p)).getAsJsonObject();
                    c = CallInfo.fromJson(o);
                    provider = Provider.parse(o.get("provider").getAsString());
                } catch (IOException | RuntimeException e) {
                    log.warn("stream_state_ignored", Map.of("path", p.toString(), "error", describe(e)));
                    continue;
                }
                Path tap = tapFile(c.uuid());
                long size;
                long lastFinal;
                try {
                    size = AudioTailer.alignedSize(tap, settings.blockAlign());
                    lastFinal = transcriptFile(c).lastFinalEndMs();
                } catch (IOException e) {
                    log.warn("stream_state_ignored", Map.of("path", p.toString(), "error", describe(e)));
                    continue;
                }
                long bytesPerMs = settings.sampleRate() / 1000L * settings.blockAlign();
                long lost = Math.max(0, size - Math.max(0, lastFinal) * bytesPerMs);
                boolean up = esl.api("uuid_exists " + c.uuid()).strip().equals("true");
                if (lost > 0) {
                    observer.audioLost(provider, "restart", lost);
                }
                if (up && Files.exists(tap)) {
                    calls.put(c.uuid(), c);
                    requested.put(c.uuid(), provider.id());
                    start(c.uuid(), provider, size, true);
                    n++;
                } else {
                    try {
                        Files.deleteIfExists(tap);
                    } catch (IOException e) {
                        log.warn("stream_cleanup_failed", Map.of("path", tap.toString(), "error", describe(e)));
                    }
                    observer.streamEnded(provider, "abandoned");
                    Map<String, Object> f = new LinkedHashMap<>(c.logFields());
                    f.put("provider", provider.id());
                    f.put("lost_bytes", lost);
                    log.warn("stream_abandoned", f);
                    finishCall(c);
                }
            }
        } catch (EslException e) {
            throw e;
        } catch (IOException e) {
            log.error("stream_resume_failed", Map.of("path", settings.streamsDir().toString(), "error", describe(e)));
        }
        return n;
    }

    // ---- events ----

    private void publishTurn(CallStream.Turn t) {
        JsonObject o = new JsonObject();
        o.addProperty("type", "transcript.turn");
        o.addProperty("organization_id", t.call().organizationId());
        o.addProperty("call_sid", t.call().callSid());
        o.addProperty("recording_id", t.call().recordingId());
        o.addProperty("call_uuid", t.call().uuid());
        o.addProperty("channel", t.channel());
        o.addProperty("speaker", t.speaker());
        o.addProperty("text", t.text());
        o.addProperty("start_ms", t.startMs());
        o.addProperty("end_ms", t.endMs());
        o.addProperty("provider", t.provider().id());
        o.addProperty("is_final", true);
        publish(t.call(), "transcript.turn", t.provider(), o);
    }

    private void publishFailure(CallInfo c, Provider p, String reason, int status) {
        JsonObject o = new JsonObject();
        o.addProperty("type", "transcript.stream_failed");
        c.logFields().forEach(o::addProperty);
        o.addProperty("provider", p.id());
        o.addProperty("reason", reason);
        o.addProperty("status", status);
        publish(c, "transcript.stream_failed", p, o);
    }

    private void publishEvidence(CallInfo c, StoredTranscript t) {
        JsonObject o = new JsonObject();
        o.addProperty("schema", "mediaplane.transcript-evidence.v1");
        c.logFields().forEach(o::addProperty);
        o.addProperty("bucket", t.bucket());
        o.addProperty("object", t.object());
        o.addProperty("recording_object", c.recordingObject());
        o.addProperty("generation", Long.toString(t.generation()));
        o.addProperty("md5Hash", t.md5Base64());
        o.addProperty("crc32c", t.crc32cBase64());
        o.addProperty("sha256", t.sha256Hex());
        o.addProperty("size_bytes", t.sizeBytes());
        publish(c, "transcript.evidence", null, o);
    }

    private void publish(CallInfo c, String type, Provider p, JsonObject body) {
        byte[] data = body.toString().getBytes(StandardCharsets.UTF_8);
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("event_type", type);
        attrs.put("organization_id", c.organizationId());
        attrs.put("call_sid", c.callSid());
        attrs.put("recording_id", c.recordingId());
        if (p != null) {
            attrs.put("provider", p.id());
        }
        Runnable send = () -> {
            IOException last = null;
            for (int attempt = 1; attempt <= 3; attempt++) {
                try {
                    publisher.publish(data, attrs);
                    return;
                } catch (IOException e) {
                    last = e;
                    sleep(Duration.ofMillis(200L * attempt * attempt));
                }
            }
            Map<String, Object> f = new LinkedHashMap<>(c.logFields());
            f.put("event_type", type);
            f.put("error", describe(last));
            log.error("transcript_publish_failed", f);
        };
        try {
            io.execute(send);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            send.run(); // close() is draining the I/O thread: the evidence of a transcript uploaded just now still goes
        }
    }

    // ---- helpers ----

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String describe(Throwable t) {
        if (t == null) {
            return "unknown";
        }
        if (t instanceof NoSuchFileException) {
            return "no such file " + t.getMessage();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
