package dev.mediaplane.esl;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The bounded hand-off between the socket reader and the (possibly slow) listener, in arrival
 * order. Droppable events only take a slot while at least {@code reserve} slots stay free, so a
 * metrics flood cannot crowd out recordings; when that headroom is gone they are dropped and
 * counted. A must-deliver event waits for a slot at most {@code backPressure}; if the listener is
 * still stuck it is counted, logged at SEVERE with its identifying headers and handed to
 * {@link EslClient.EventListener#lost}, and further must-deliver events skip the wait until one
 * fits again, so the reader (and so FreeSWITCH's own per-listener queue) stalls once, not once per
 * event.
 */
final class EventQueue {

    private static final Logger LOG = Logger.getLogger(EventQueue.class.getName());

    private final ArrayBlockingQueue<EslEvent> queue;
    private final int capacity;
    private final int reserve;
    private final Duration backPressure;
    private final Set<String> mustDeliver;
    private final EslClient.EventListener listener;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong waits = new AtomicLong();
    private volatile boolean saturated;
    private final Thread worker;

    EventQueue(int capacity, int reserve, Duration backPressure, Set<String> mustDeliver, EslClient.EventListener listener) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.capacity = capacity;
        this.reserve = reserve;
        this.backPressure = backPressure;
        this.mustDeliver = Set.copyOf(mustDeliver);
        this.listener = listener;
        this.worker = new Thread(this::drain, "esl-events");
        worker.setDaemon(true);
        worker.start();
    }

    /** Called on the reader thread only, so the size check and the insert cannot race with another producer. */
    void offer(EslEvent e) {
        if (!mustDeliver.contains(e.name())) {
            if (capacity - queue.size() <= reserve || !queue.offer(e)) {
                long n = dropped.incrementAndGet();
                if (Long.bitCount(n) == 1) { // 1, 2, 4, 8, ...: visible without flooding the journal
                    LOG.warning("dropped " + n + " droppable event(s) so far (latest " + e.name()
                            + "): the event listener is slower than FreeSWITCH");
                }
            }
            return;
        }
        if (queue.offer(e)) {
            saturated = false;
            return;
        }
        boolean queued = false;
        if (!saturated) {
            waits.incrementAndGet();
            try {
                queued = queue.offer(e, backPressure.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
        if (queued) {
            saturated = false;
            return;
        }
        saturated = true;
        lost.incrementAndGet();
        LOG.severe("LOST must-deliver event " + e.name() + " Unique-ID=" + e.header("Unique-ID")
                + " Record-File-Path=" + e.header("Record-File-Path") + ": the listener took no event for "
                + backPressure.toMillis() + " ms with " + capacity + " queued; reconcile from disk");
        try {
            listener.lost(e);
        } catch (RuntimeException ex) {
            LOG.log(Level.SEVERE, "EventListener.lost threw", ex);
        }
    }

    private void drain() {
        while (true) {
            EslEvent e;
            try {
                e = queue.take();
            } catch (InterruptedException ie) {
                return;
            }
            try {
                listener.onEvent(e);
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, "event listener failed on " + e, ex);
            }
            delivered.incrementAndGet();
        }
    }

    void stop() {
        worker.interrupt();
    }

    long delivered() {
        return delivered.get();
    }

    long dropped() {
        return dropped.get();
    }

    long lost() {
        return lost.get();
    }

    long waits() {
        return waits.get();
    }

    int queued() {
        return queue.size();
    }
}
