package dev.mediaplane.agent.bridge;

import com.google.gson.JsonObject;
import dev.mediaplane.agent.JsonLog;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One call's stream: the tailer of {@code <uuid>.r16}, the provider sessions it feeds (one stereo Deepgram
 * session, or one AssemblyAI session per channel), and the transcript lines. The bridge's ticker calls
 * {@link #tick(long)} every frame; the tap is read only when the next message can be complete (see
 * {@link #tick(long)}); {@link #end()} drains the file, sends the providers' close messages and completes
 * {@link #finished()} once every session ended (or the close deadline passed).
 */
final class CallStream implements ProviderSession.Sink {

    /** How a stream ended. */
    record Ended(String outcome, ProviderSession.Outcome worst, String detail, int status) {}

    /** A final result, for the events topic. */
    record Turn(CallInfo call, Provider provider, int channel, String speaker, String text, long startMs, long endMs) {}

    final CallInfo call;
    final Provider provider;
    final Path file;
    private final BridgeSettings settings;
    private final ProviderProtocol protocol;
    private final ScheduledExecutorService scheduler;
    private final TranscriptFile transcript;
    private final StreamObserver observer;
    private final JsonLog log;
    private final Clock clock;
    private final Consumer<Turn> turns;
    private final AudioTailer tailer;
    private final List<ProviderSession> sessions = new ArrayList<>();
    private final List<ChunkBuilder> builders = new ArrayList<>();
    private final AtomicInteger open = new AtomicInteger();
    private final CompletableFuture<Ended> finished = new CompletableFuture<>();
    private final Map<String, Object> ids;
    private volatile boolean stopped;
    private volatile boolean ending;
    private volatile ProviderSession.Outcome worst = ProviderSession.Outcome.COMPLETED;
    private volatile String worstDetail = "";
    private volatile int worstStatus;
    private volatile boolean drained;
    /** The ticker's: no read of the tap before this (the next message cannot be complete earlier). */
    private long nextPollNanos;
    private final long frameNanos;
    /** One sink for every poll (a lambda per tick would be an allocation per stream every 20 ms). */
    private final AudioTailer.FrameSink toBuilders = (offset, buf, from, length) -> {
        for (int i = 0; i < builders.size(); i++) {
            builders.get(i).add(offset, buf, from, length);
        }
    };

    CallStream(CallInfo call, Provider provider, Path file, long startOffset, long t0Nanos, String key,
               BridgeSettings settings,
               HttpClient http, ScheduledExecutorService scheduler, TranscriptFile transcript, StreamObserver observer,
               JsonLog log, Clock clock, Consumer<Turn> turns, BufferBudget budget) {
        this.call = call;
        this.provider = provider;
        this.file = file;
        this.settings = settings;
        this.protocol = ProviderProtocol.of(provider, settings);
        this.scheduler = scheduler;
        this.transcript = transcript;
        this.observer = observer;
        this.log = log;
        this.clock = clock;
        this.turns = turns;
        this.ids = new LinkedHashMap<>(call.logFields());
        long frameNanos = settings.frame().toNanos();
        this.frameNanos = frameNanos;
        this.nextPollNanos = t0Nanos; // nanoTime values compare by difference only: no MIN_VALUE sentinel
        int maxBurst = (int) (1_000_000_000L / frameNanos); // at most one second of backlog at once
        int lead = (int) (100_000_000L / frameNanos); // 100 ms ahead of our clock: drift, jitter-buffer bursts
        this.tailer = new AudioTailer(file, settings.frameBytes(), settings.blockAlign(), frameNanos, maxBurst, lead,
                startOffset, t0Nanos);
        long start = tailer.position();
        Map<String, String> sessionIds = call.logFields();
        if (protocol.monoPerChannel()) {
            for (int c = 0; c < settings.channels(); c++) {
                ProviderSession s = new ProviderSession("ch" + c, protocol, settings, http, scheduler, key, new int[] {c},
                        start / settings.channels(), observer, log, sessionIds, this, budget);
                sessions.add(s);
                builders.add(new ChunkBuilder(s, c, settings.channels()));
            }
        } else {
            int[] all = new int[settings.channels()];
            Arrays.setAll(all, i -> i);
            ProviderSession s = new ProviderSession("all", protocol, settings, http, scheduler, key, all, start, observer,
                    log, sessionIds, this, budget);
            sessions.add(s);
            builders.add(new ChunkBuilder(s, -1, settings.channels()));
        }
        open.set(sessions.size());
    }

    /** Reads of the tap so far. */
    long tapReads() {
        return tailer.reads();
    }

    /** The byte offset the stream started (or resumed) at. */
    long startOffset() {
        return tailer.position();
    }

    /** Connects the sessions; the bridge's one ticker then calls {@link #tick()} every frame. */
    void start() {
        sessions.forEach(ProviderSession::start);
    }

    boolean stopped() {
        return stopped;
    }

    CompletableFuture<Ended> finished() {
        return finished;
    }

    /** The call hung up or the stream was stopped (FreeSWITCH closed the file): drain, close, finish. */
    void end() {
        if (ending) {
            return;
        }
        ending = true;
        scheduler.schedule(() -> {
            for (ProviderSession s : sessions) {
                s.abort("the provider did not finish within " + settings.closeTimeout().toMillis() + " ms");
            }
        }, settings.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * One tick of the bridge's ticker (every frame, {@code now} taken once for all streams). The tap is read once
     * per message, not once per frame: after a read that handed out frames, the next read waits until the frames
     * still missing from the next message can have been written (20 ms each, less half a tick so that the tick
     * they are due at is not missed). A message is still sent at the first tick after its last frame was written,
     * as with a read every tick; a read that finds nothing (the writer is late, or has not started) is tried
     * again on the next tick. At 80 ms messages that is a quarter of the reads and session ticks.
     */
    void tick(long now) {
        if (stopped) {
            return;
        }
        try {
            if (ending) {
                if (!drained) {
                    drained = true;
                    tailer.drain(toBuilders);
                    builders.forEach(ChunkBuilder::flushPadded);
                    sessions.forEach(ProviderSession::finish);
                }
                return;
            }
            if (now - nextPollNanos < 0) {
                return;
            }
            int n = tailer.poll(now, toBuilders);
            for (int i = 0; i < sessions.size(); i++) {
                sessions.get(i).tick(now);
            }
            if (n > 0) {
                int need = Integer.MAX_VALUE;
                for (int i = 0; i < builders.size(); i++) {
                    need = Math.min(need, builders.get(i).framesToFill());
                }
                nextPollNanos = now + need * frameNanos - frameNanos / 2;
            }
        } catch (IOException | RuntimeException e) {
            log.error("stream_read_failed", fields("error", e.getClass().getSimpleName() + ": " + e.getMessage()));
            worst = ProviderSession.Outcome.FAILED;
            worstDetail = "reading " + file + " failed";
            sessions.forEach(s -> s.abort("the tap could not be read"));
        }
    }

    @Override
    public void result(ProviderSession session, int streamChannel, ProviderProtocol.Result r) {
        observer.result(provider, r.isFinal());
        String speaker = speaker(streamChannel);
        JsonObject o = new JsonObject();
        o.addProperty("provider", provider.id());
        o.addProperty("session", session.name);
        o.addProperty("channel", streamChannel);
        o.addProperty("speaker", speaker);
        o.addProperty("is_final", r.isFinal());
        o.addProperty("speech_final", r.speechFinal());
        o.addProperty("start_ms", r.startMs());
        o.addProperty("end_ms", r.endMs());
        o.addProperty("text", r.text());
        o.addProperty("received_at", clock.instant().toString());
        try {
            transcript.append(o);
        } catch (IOException e) {
            log.error("transcript_write_failed", fields("path", transcript.path(), "error", e.getMessage()));
        }
        if (r.isFinal() && !r.text().isBlank()) {
            turns.accept(new Turn(call, provider, streamChannel, speaker, r.text(), r.startMs(), r.endMs()));
        }
    }

    String speaker(int channel) {
        if (settings.channels() == 1) {
            return "mixed";
        }
        return channel == 0 ? "caller" : "callee";
    }

    @Override
    public void ended(ProviderSession session, ProviderSession.Outcome outcome, String detail, int status) {
        if (outcome.ordinal() > worst.ordinal() && worst != ProviderSession.Outcome.AUTH_REFUSED) {
            worst = outcome;
            worstDetail = detail;
            worstStatus = status;
        }
        if (outcome != ProviderSession.Outcome.COMPLETED && !ending) {
            // One refused or broken session ends the stream: the others would transcribe half a call.
            for (ProviderSession s : sessions) {
                if (s != session) {
                    s.abort(detail);
                }
            }
        }
        if (open.decrementAndGet() == 0) {
            stopped = true;
            scheduler.execute(() -> {
                try {
                    tailer.close();
                    transcript.close();
                } catch (IOException e) {
                    log.warn("transcript_write_failed", fields("path", transcript.path(), "error", e.getMessage()));
                }
                String o = switch (worst) {
                    case COMPLETED -> "completed";
                    case AUTH_REFUSED -> "auth_refused";
                    case FAILED -> "failed";
                };
                finished.complete(new Ended(o, worst, worstDetail, worstStatus));
            });
        }
    }

    private Map<String, Object> fields(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>(ids);
        m.put("provider", provider.id());
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Cuts the tap's frames into one session's messages (de-interleaving a channel for mono sessions). */
    private final class ChunkBuilder {
        private final ProviderSession session;
        private final int channel;
        private final int channels;
        private final int messageBytes;
        private final int minBytes;
        private byte[] buf;
        private int len;
        private long offset = -1;
        private byte[] mono;
        private final int builderFrameBytes;

        ChunkBuilder(ProviderSession session, int channel, int channels) {
            this.session = session;
            this.channel = channel;
            this.channels = channels;
            int ms = protocol.messageMillis((int) settings.frame().toMillis());
            this.messageBytes = ms * session.bytesPerMs();
            this.minBytes = protocol.minMessageMillis() * session.bytesPerMs();
            this.buf = new byte[messageBytes];
            this.builderFrameBytes = settings.frameBytes() / (channel < 0 ? 1 : channels);
        }

        /** Tap frames still missing from the message being built (at least 1). */
        int framesToFill() {
            return Math.max(1, (messageBytes - len + builderFrameBytes - 1) / builderFrameBytes);
        }

        /** A frame of the tap ({@code d} is the tailer's buffer: copied, not kept). */
        void add(long frameOffset, byte[] d, int from, int length) {
            long off = channel < 0 ? frameOffset : frameOffset / channels;
            if (offset < 0) {
                offset = off;
            }
            if (channel < 0) {
                append(d, from, length);
            } else {
                int n = length / channels;
                if (mono == null || mono.length < n) {
                    mono = new byte[n];
                }
                for (int i = 0, j = from + channel * 2; i + 1 < n; i += 2, j += 2 * channels) {
                    mono[i] = d[j];
                    mono[i + 1] = d[j + 1];
                }
                append(mono, 0, n);
            }
        }

        private void append(byte[] d, int from, int n) {
            while (n > 0) {
                int take = Math.min(n, messageBytes - len);
                System.arraycopy(d, from, buf, len, take);
                len += take;
                from += take;
                n -= take;
                if (len == messageBytes) {
                    emit(buf);
                    buf = new byte[messageBytes];
                }
            }
        }

        private void emit(byte[] data) {
            session.offer(new ProviderSession.Chunk(offset, data));
            offset += data.length;
            len = 0;
        }

        /** The last message: padded with silence to the provider's minimum. */
        void flushPadded() {
            if (len == 0) {
                return;
            }
            emit(Arrays.copyOf(buf, Math.max(len, minBytes)));
        }
    }
}
