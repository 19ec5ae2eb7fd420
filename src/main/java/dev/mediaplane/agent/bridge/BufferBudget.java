package dev.mediaplane.agent.bridge;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node-wide bound on audio the bridge holds for providers (unsent plus sent-not-acknowledged), beside each
 * session's own {@link BridgeSettings#maxBuffered()}.
 *
 * <p>The per-session bound alone does not bound the agent: a provider outage makes every session buffer at once,
 * and 200 stereo 8 kHz streams x 30 s is 192 MB, past the agent's {@code -Xmx128m} (the unit exits on
 * OutOfMemoryError, taking recording uploads down with it). So when the sessions together hold more than the
 * budget, a session holding more than its fair share (budget / live sessions) gives up its oldest audio on its
 * next offer, counted like the per-session bound's drops. Sessions at or under their share never drop for the
 * budget, so a new call is not starved by old ones, and the total exceeds the budget by at most one chunk per
 * session.
 */
final class BufferBudget {

    /** 32 MiB: 17 minutes of stereo 8 kHz audio in all, 5 s a session at 200 sessions, 30 s up to 34. */
    static final long DEFAULT_BYTES = 32L << 20;

    private final long capBytes;
    private final AtomicLong used = new AtomicLong();
    private final AtomicInteger sessions = new AtomicInteger();

    BufferBudget(long capBytes) {
        if (capBytes <= 0) {
            throw new IllegalArgumentException("bridge buffer budget must be positive bytes, got " + capBytes);
        }
        this.capBytes = capBytes;
    }

    void join() {
        sessions.incrementAndGet();
    }

    /** A session ends, giving back what it still held. */
    void leave(long held) {
        used.addAndGet(-held);
        sessions.decrementAndGet();
    }

    void add(long bytes) {
        used.addAndGet(bytes);
    }

    /** Whether a session holding {@code held} bytes must drop its oldest audio for the node's sake. */
    boolean over(long held) {
        return used.get() > capBytes && held > capBytes / Math.max(1, sessions.get());
    }

    long used() {
        return used.get();
    }
}
