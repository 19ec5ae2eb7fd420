package dev.mediaplane.agent.bridge;

import dev.mediaplane.agent.JsonLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One provider session of a stream: a websocket that reconnects with backoff and re-sends the audio the
 * provider has not acknowledged yet. "Acknowledged" is what a final result covers: audio up to the end of the
 * latest final result of every channel of the session is never re-sent; everything after it is kept (up to
 * {@link BridgeSettings#maxBuffered()}) and re-sent on the next connection, so the provider transcribes it
 * again. Offsets are bytes of this session's audio since the stream's first byte; a reconnect restarts the
 * provider's clock at zero, so results are mapped back through the runs of audio each connection was sent.
 *
 * <p>Every send goes through one chain (the JDK websocket allows one outstanding send), in order: audio,
 * then the close messages once the stream ended and all audio is out.
 */
final class ProviderSession {

    /** Where a session's results and end go. Called on HTTP client threads; must not block. */
    interface Sink {
        /** A result, with start/end already in stream milliseconds and the tap's channel. */
        void result(ProviderSession session, int streamChannel, ProviderProtocol.Result result);

        void ended(ProviderSession session, Outcome outcome, String detail, int status);
    }

    enum Outcome { COMPLETED, AUTH_REFUSED, FAILED }

    private enum State { CONNECTING, OPEN, BACKOFF, DONE }

    record Chunk(long offset, byte[] data) {
        long end() {
            return offset + data.length;
        }
    }

    private final ProviderProtocol protocol;
    private final BridgeSettings settings;
    private final HttpClient http;
    private final ScheduledExecutorService scheduler;
    private final String key;
    private final int[] streamChannels;
    private final int bytesPerMs;
    private final long maxBytes;
    private final BufferBudget budget;
    private final StreamObserver observer;
    private final JsonLog log;
    private final Map<String, String> ids;
    private final Sink sink;
    private final Random random = new Random();
    final String name;

    private final ArrayDeque<Chunk> unsent = new ArrayDeque<>();
    private final ArrayDeque<Chunk> unacked = new ArrayDeque<>();
    private final ArrayDeque<String> texts = new ArrayDeque<>();
    /** Sent, not acknowledged, pushed out of the bound: lost only if the connection drops before an ack covers it. */
    private final ArrayDeque<long[]> discarded = new ArrayDeque<>();
    private long queuedBytes;
    private final long[] finalEnd;
    private long ackOffset;
    private long expectedNext;
    private State state = State.CONNECTING;
    private WebSocket ws;
    private int generation;
    private int connects;
    private int failures;
    private boolean sending;
    private boolean pumping;
    private boolean again;
    private boolean ending;
    private boolean closeQueued;
    private long providerBytes;
    private final List<long[]> runs = new ArrayList<>();
    private long lastSendNanos = System.nanoTime();

    ProviderSession(String name, ProviderProtocol protocol, BridgeSettings settings, HttpClient http,
                    ScheduledExecutorService scheduler, String key, int[] streamChannels, long startOffset,
                    StreamObserver observer, JsonLog log, Map<String, String> ids, Sink sink, BufferBudget budget) {
        this.name = name;
        this.budget = budget;
        this.protocol = protocol;
        this.settings = settings;
        this.http = http;
        this.scheduler = scheduler;
        this.key = key;
        this.streamChannels = streamChannels.clone();
        this.bytesPerMs = settings.sampleRate() / 1000 * 2 * streamChannels.length;
        this.maxBytes = settings.maxBuffered().toMillis() * bytesPerMs;
        this.observer = observer;
        this.log = log;
        this.ids = ids;
        this.sink = sink;
        this.finalEnd = new long[streamChannels.length];
        Arrays.fill(finalEnd, startOffset);
        this.ackOffset = startOffset;
        this.expectedNext = startOffset;
        budget.join();
    }

    /** Bytes of this session's audio per millisecond. */
    int bytesPerMs() {
        return bytesPerMs;
    }

    void start() {
        connect();
    }

    /**
     * Queues audio; past the session's bound, or past the node's {@link BufferBudget} while this session holds more than
     * its share, the oldest retained audio goes (unacknowledged first, then unsent, counted).
     */
    void offer(Chunk c) {
        synchronized (this) {
            if (state == State.DONE) {
                return;
            }
            unsent.add(c);
            queuedBytes += c.data.length;
            budget.add(c.data.length);
            long dropped = 0;
            while ((queuedBytes > maxBytes || budget.over(queuedBytes)) && unacked.size() + unsent.size() > 1) {
                boolean neverSent = unacked.isEmpty();
                Chunk old = neverSent ? unsent.poll() : unacked.poll();
                queuedBytes -= old.data.length;
                budget.add(-old.data.length);
                if (neverSent) {
                    dropped += old.data.length;
                } else {
                    discarded.add(new long[] {old.offset, old.end()});
                }
            }
            if (dropped > 0) {
                observer.audioLost(protocol.provider(), "overflow", dropped);
            }
        }
        pump();
    }

    /** All audio is queued: send it, then the provider's close messages. */
    void finish() {
        synchronized (this) {
            ending = true;
        }
        pump();
    }

    /** Idle keep-alive. */
    void tick(long nowNanos) {
        String ka = protocol.keepAlive();
        boolean queued = false;
        synchronized (this) {
            if (ka != null && state == State.OPEN && !sending && unsent.isEmpty() && texts.isEmpty() && !closeQueued
                    && nowNanos - lastSendNanos > settings.keepAlive().toNanos()) {
                texts.add(ka);
                queued = true;
            }
        }
        if (queued) {
            pump();
        }
    }

    /** Ends the session now (close deadline, bridge shutdown); audio not yet acknowledged is counted as lost. */
    void abort(String why) {
        WebSocket w;
        long lost;
        synchronized (this) {
            if (state == State.DONE) {
                return;
            }
            w = ws;
            lost = 0;
            for (Chunk c : unsent) {
                lost += c.data.length;
            }
        }
        if (lost > 0) {
            observer.audioLost(protocol.provider(), "close", lost);
        }
        if (w != null) {
            w.abort();
        }
        end(Outcome.FAILED, why, 0);
    }

    private void connect() {
        int gen;
        synchronized (this) {
            if (state == State.DONE) {
                return;
            }
            state = State.CONNECTING;
            gen = ++generation;
        }
        URI uri = protocol.uri(settings.sampleRate(), streamChannels.length);
        Conn conn = new Conn(gen);
        http.newWebSocketBuilder()
                .header("Authorization", protocol.authorization(key))
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(uri, conn)
                .whenComplete((w, err) -> {
                    if (err != null) {
                        connectFailed(gen, err);
                    } else {
                        opened(gen, w);
                    }
                });
    }

    private void opened(int gen, WebSocket w) {
        long lost = 0;
        boolean reconnect;
        synchronized (this) {
            if (state == State.DONE || gen != generation) {
                w.abort();
                return;
            }
            ws = w;
            state = State.OPEN;
            reconnect = connects++ > 0;
            // Everything not acknowledged goes again, from the oldest audio still held.
            while (!unacked.isEmpty()) {
                unsent.addFirst(unacked.pollLast());
            }
            long from = unsent.isEmpty() ? expectedNext : unsent.peek().offset;
            for (long[] d : discarded) {
                lost += d[1] - Math.max(d[0], ackOffset);
            }
            discarded.clear();
            ackOffset = Math.max(ackOffset, Math.min(from, expectedNext));
            for (int i = 0; i < finalEnd.length; i++) {
                finalEnd[i] = Math.max(finalEnd[i], ackOffset);
            }
            expectedNext = from;
            providerBytes = 0;
            runs.clear();
            runs.add(new long[] {0, from});
            texts.clear();
            closeQueued = false;
            lastSendNanos = System.nanoTime();
        }
        if (reconnect) {
            observer.reconnected(protocol.provider());
            if (lost > 0) {
                observer.audioLost(protocol.provider(), "reconnect", lost);
            }
            log.info("stream_reconnected", fields("lost_bytes", lost));
        }
        pump();
    }

    private void connectFailed(int gen, Throwable err) {
        Throwable t = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        synchronized (this) {
            if (state == State.DONE || gen != generation) {
                return;
            }
        }
        if (t instanceof WebSocketHandshakeException h) {
            int status = h.getResponse().statusCode();
            if (status == 401 || status == 403) {
                end(Outcome.AUTH_REFUSED, "the provider refused the key (HTTP " + status + " on the websocket upgrade)", status);
                return;
            }
            if (status == 400) {
                end(Outcome.FAILED, "the provider refused the request (HTTP 400 on the websocket upgrade): check the "
                        + protocol.provider().id() + " options", status);
                return;
            }
            dropped(gen, "HTTP " + status + " on the websocket upgrade");
            return;
        }
        dropped(gen, t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage()));
    }

    /** The connection went away (or never came): back off and connect again. */
    private void dropped(int gen, String reason) {
        Duration wait;
        int attempt;
        synchronized (this) {
            if (state == State.DONE || gen != generation) {
                return;
            }
            state = State.BACKOFF;
            ws = null;
            sending = false;
            attempt = ++failures;
            wait = settings.backoff().delay(attempt, random.nextDouble());
        }
        log.warn("stream_reconnecting", fields("attempt", attempt, "delay_ms", wait.toMillis(), "reason", reason));
        scheduler.schedule(this::connect, wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void end(Outcome outcome, String detail, int status) {
        synchronized (this) {
            if (state == State.DONE) {
                return;
            }
            state = State.DONE;
            generation++;
            unsent.clear();
            unacked.clear();
            budget.leave(queuedBytes);
            queuedBytes = 0;
        }
        sink.ended(this, outcome, detail, status);
    }

    private void pump() {
        synchronized (this) {
            if (pumping) {
                again = true;
                return;
            }
            pumping = true;
        }
        while (true) {
            CompletableFuture<WebSocket> cf;
            int gen;
            synchronized (this) {
                again = false;
                gen = generation;
                cf = sendNextLocked();
                if (cf == null) {
                    pumping = false;
                    return;
                }
            }
            cf.whenComplete((w, err) -> {
                synchronized (this) {
                    if (gen == generation) {
                        sending = false;
                    }
                }
                if (err == null) {
                    pump();
                }
                // a failed send: the listener's onError/onClose follows and reconnects
            });
            synchronized (this) {
                if (!again) {
                    pumping = false;
                    return;
                }
            }
        }
    }

    private CompletableFuture<WebSocket> sendNextLocked() {
        if (state != State.OPEN || sending || ws == null) {
            return null;
        }
        if (!texts.isEmpty()) {
            sending = true;
            lastSendNanos = System.nanoTime();
            return ws.sendText(texts.poll(), true);
        }
        Chunk c = unsent.poll();
        if (c != null) {
            if (c.offset != expectedNext) {
                runs.add(new long[] {providerBytes, c.offset}); // a gap: audio dropped by the bound
            }
            unacked.add(c);
            providerBytes += c.data.length;
            expectedNext = c.end();
            sending = true;
            lastSendNanos = System.nanoTime();
            observer.audioSent(protocol.provider(), c.data.length, c.data.length / (double) bytesPerMs / 1000.0);
            return ws.sendBinary(ByteBuffer.wrap(c.data), true);
        }
        if (ending && !closeQueued) {
            closeQueued = true;
            texts.addAll(protocol.closeMessages());
            return sendNextLocked();
        }
        return null;
    }

    /** Provider milliseconds of the current connection -> stream offset of this session. */
    private long toStreamOffset(long providerMs) {
        long pb = providerMs * bytesPerMs;
        long[] run = runs.get(0);
        for (long[] r : runs) {
            if (r[0] <= pb) {
                run = r;
            }
        }
        return run[1] + (pb - run[0]);
    }

    private void onMessage(int gen, String text) {
        ProviderProtocol.Parsed p;
        try {
            p = protocol.parse(text);
        } catch (RuntimeException e) {
            log.warn("stream_bad_message", fields("error", e.getClass().getSimpleName()));
            return;
        }
        List<Object[]> out = new ArrayList<>();
        boolean complete = false;
        synchronized (this) {
            if (gen != generation) {
                return;
            }
            for (ProviderProtocol.Result r : p.results()) {
                int c = Math.min(Math.max(r.channel(), 0), finalEnd.length - 1);
                long start = toStreamOffset(r.startMs());
                long endOff = toStreamOffset(r.endMs());
                if (r.isFinal()) {
                    failures = 0; // the provider is working: a later drop starts the backoff afresh
                    finalEnd[c] = Math.max(finalEnd[c], endOff);
                    long ack = Arrays.stream(finalEnd).min().orElse(endOff);
                    if (ack > ackOffset) {
                        ackOffset = ack;
                        while (!unacked.isEmpty() && unacked.peek().end() <= ack) {
                            int acked = unacked.poll().data.length;
                            queuedBytes -= acked;
                            budget.add(-acked);
                        }
                        while (!discarded.isEmpty() && discarded.peek()[1] <= ack) {
                            discarded.poll();
                        }
                    }
                }
                out.add(new Object[] {streamChannels[c], new ProviderProtocol.Result(c, start / bytesPerMs,
                        endOff / bytesPerMs, r.text(), r.isFinal(), r.speechFinal())});
            }
            if (p.terminal() && ending && closeQueued) {
                complete = true;
            }
        }
        for (Object[] o : out) {
            sink.result(this, (Integer) o[0], (ProviderProtocol.Result) o[1]);
        }
        if (p.error() != null) {
            log.warn("stream_provider_error", fields("error", p.error()));
        }
        if (complete) {
            WebSocket w;
            synchronized (this) {
                w = ws;
            }
            end(Outcome.COMPLETED, "closed", 0);
            if (w != null) {
                w.sendClose(WebSocket.NORMAL_CLOSURE, "").exceptionally(e -> null);
            }
        }
    }

    private void onClosed(int gen, int code, String reason) {
        boolean completed;
        synchronized (this) {
            if (gen != generation) {
                return;
            }
            completed = ending && closeQueued && unsent.isEmpty();
        }
        if (completed) {
            end(Outcome.COMPLETED, "closed by the provider (" + code + ")", 0);
        } else if (code == 4001 || code == 1008) {
            end(Outcome.AUTH_REFUSED, "the provider closed the session as not authorized (" + code + ")", code);
        } else {
            dropped(gen, "closed by the provider (" + code + (reason == null || reason.isEmpty() ? "" : " " + reason) + ")");
        }
    }

    private Map<String, Object> fields(Object... kv) {
        Map<String, Object> m = new java.util.LinkedHashMap<>(ids);
        m.put("provider", protocol.provider().id());
        m.put("session", name);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** The listener of one connection attempt; callbacks of an older connection are ignored. */
    private final class Conn implements WebSocket.Listener {
        private final int gen;
        private final StringBuilder text = new StringBuilder();

        Conn(int gen) {
            this.gen = gen;
        }

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String s = text.toString();
                text.setLength(0);
                onMessage(gen, s);
            }
            w.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
            w.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket w, int statusCode, String reason) {
            onClosed(gen, statusCode, reason);
            return null;
        }

        @Override
        public void onError(WebSocket w, Throwable error) {
            dropped(gen, error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage()));
        }
    }
}
