package dev.mediaplane.esl;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A long-lived ESL client for the node agent: keeps one {@link EslConnection} up, re-subscribing
 * after every reconnect, and hands events to an {@link EventListener} through a bounded queue
 * (see {@link EventQueue} for the overflow policy). Reconnects back off exponentially with jitter;
 * an auth or ACL refusal backs off the same way, so a wrong password never becomes a retry storm.
 * The failure count resets only after a connection stayed up {@link Backoff#stableAfter}.
 *
 * <p>Events in the gap between a drop and the next subscription are not replayed by FreeSWITCH
 * (each listener has its own queue, freed when it goes); callers reconcile from disk.
 * A frame cut by a drop is never delivered: only whole frames are decoded.
 */
public final class EslClient implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EslClient.class.getName());

    /** Connection states, reported to {@link StateListener}s. */
    public enum State {
        /** Connecting and logging in (first time or after a backoff). */
        CONNECTING,
        /** Logged in and subscribed: events flow. */
        CONNECTED,
        /** The last attempt or connection failed; waiting out the backoff. */
        DISCONNECTED,
        /** FreeSWITCH refused the credentials or this address; retried with backoff. */
        REFUSED,
        /** {@link #close()} was called. */
        CLOSED
    }

    /** Receives events on the client's single delivery thread, in arrival order. */
    public interface EventListener {
        void onEvent(EslEvent event);

        /**
         * A must-deliver event that could not be queued within the back-pressure bound (it was also
         * counted and logged). Runs on the reader thread: record it and return.
         */
        default void lost(EslEvent event) {}
    }

    /** Told of every state change, with the failure that caused it (null when none). */
    @FunctionalInterface
    public interface StateListener {
        void stateChanged(State state, EslException cause);
    }

    /** Waits between attempts; tests substitute one that does not really sleep. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /**
     * The clock, sleeper and randomness of the reconnect loop.
     *
     * @param sleeper waits out the backoff; default Thread.sleep
     * @param random jitter source in [0, 1); default java.util.Random
     * @param nanoTime monotonic clock for {@link Backoff#stableAfter}; default System.nanoTime
     */
    public record Timing(Sleeper sleeper, DoubleSupplier random, LongSupplier nanoTime) {
        public static Timing system() {
            Random r = new Random();
            return new Timing(d -> Thread.sleep(d.toMillis()), r::nextDouble, System::nanoTime);
        }
    }

    /**
     * Reconnect backoff: the n-th consecutive failure waits min(max, initial * 2^(n-1)), of which a
     * random fraction up to {@code jitter} is taken off so a fleet does not reconnect in step.
     *
     * @param initial wait after the first failure; default 500 ms
     * @param max cap on any wait; default 30 s
     * @param jitter 0..1, share of the wait that is random; default 0.5
     * @param stableAfter a connection up this long resets the failure count; default 30 s
     */
    public record Backoff(Duration initial, Duration max, double jitter, Duration stableAfter) {
        public Backoff {
            EslConnection.Settings.requirePositive("backoff.initial", initial);
            EslConnection.Settings.requirePositive("backoff.max", max);
            EslConnection.Settings.requirePositive("backoff.stableAfter", stableAfter);
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("backoff.max must be >= backoff.initial (" + initial + "), got " + max);
            }
            if (!(jitter >= 0 && jitter <= 1)) {
                throw new IllegalArgumentException("backoff.jitter must be 0..1, got " + jitter);
            }
        }

        public static Backoff defaults() {
            return new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), 0.5, Duration.ofSeconds(30));
        }

        /** The wait after {@code failures} (>= 1) consecutive failures, given a random draw in [0, 1). */
        public Duration delay(int failures, double random) {
            long cap = max.toNanos();
            long d = initial.toNanos();
            for (int i = 1; i < failures && d < cap; i++) {
                d = Math.min(cap, d * 2);
            }
            d = Math.min(cap, d);
            return Duration.ofNanos(d - (long) (d * jitter * random));
        }
    }

    /**
     * What to subscribe to after each login.
     *
     * @param format plain or json; both decode to the same {@link EslEvent}
     * @param events event names as FreeSWITCH spells them (CUSTOM subclasses follow CUSTOM)
     * @param filters {@code filter <header> <value>} pairs; none by default, i.e. every subscribed event
     */
    public record Subscription(EslConnection.Format format, List<String> events, List<Map.Entry<String, String>> filters) {
        public Subscription {
            events = List.copyOf(events);
            filters = List.copyOf(filters);
            if (events.isEmpty()) {
                throw new IllegalArgumentException("subscription needs at least one event name");
            }
            for (String e : events) {
                if (e.isBlank() || e.chars().anyMatch(c -> c <= ' ')) {
                    throw new IllegalArgumentException("event name must be one word, got '" + e + "'");
                }
            }
        }

        public static Subscription of(EslConnection.Format format, String... events) {
            return new Subscription(format, List.of(events), List.of());
        }
    }

    /**
     * Client settings.
     *
     * @param connection per-connection timeouts and frame limit; default {@link EslConnection.Settings#defaults()}
     * @param backoff reconnect backoff; default {@link Backoff#defaults()}
     * @param queueCapacity events held for a slow listener; default 10000
     * @param reserve slots droppable events may not take, kept for must-deliver ones; default 2500
     * @param backPressure how long the reader waits for a slot for a must-deliver event; default 2 s
     * @param mustDeliver event names never dropped silently; default RECORD_STOP, CHANNEL_HANGUP_COMPLETE
     */
    public record Options(EslConnection.Settings connection, Backoff backoff, int queueCapacity, int reserve,
                          Duration backPressure, Set<String> mustDeliver) {
        public Options {
            if (queueCapacity < 1) {
                throw new IllegalArgumentException("queueCapacity must be >= 1, got " + queueCapacity);
            }
            if (reserve < 0 || reserve >= queueCapacity) {
                throw new IllegalArgumentException("reserve must be 0.." + (queueCapacity - 1) + ", got " + reserve);
            }
            EslConnection.Settings.requirePositive("backPressure", backPressure);
            mustDeliver = Set.copyOf(mustDeliver);
        }

        public static Options defaults() {
            return new Options(EslConnection.Settings.defaults(), Backoff.defaults(), 10_000, 2_500,
                    Duration.ofSeconds(2), Set.of("RECORD_STOP", "CHANNEL_HANGUP_COMPLETE"));
        }

        public Options withBackoff(Backoff b) {
            return new Options(connection, b, queueCapacity, reserve, backPressure, mustDeliver);
        }

        public Options withConnection(EslConnection.Settings c) {
            return new Options(c, backoff, queueCapacity, reserve, backPressure, mustDeliver);
        }

        public Options withQueue(int capacity, int reserveSlots, Duration wait) {
            return new Options(connection, backoff, capacity, reserveSlots, wait, mustDeliver);
        }
    }

    /**
     * Counters for metrics and health.
     *
     * @param delivered events handed to the listener
     * @param dropped droppable events dropped because the queue's free headroom was gone
     * @param lost must-deliver events that found no slot within the back-pressure bound
     * @param backPressureWaits times the reader waited for a slot
     * @param malformed events skipped because their body did not decode
     * @param connects successful logins (the first one included)
     * @param failures failed attempts and dropped connections
     * @param queued events waiting for the listener now
     */
    public record Stats(long delivered, long dropped, long lost, long backPressureWaits, long malformed,
                        long connects, long failures, int queued) {}

    private final EslCredentials credentials;
    private final Subscription subscription;
    private final Options options;
    private final Timing timing;
    private final EventQueue queue;
    private final List<StateListener> stateListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong malformedBefore = new AtomicLong();
    private final Thread supervisor;
    private volatile EslConnection current;
    private volatile State state = State.CONNECTING;
    private volatile boolean closed;
    private volatile CountDownLatch connected = new CountDownLatch(1);

    public EslClient(EslCredentials credentials, Subscription subscription, EventListener listener, Options options) {
        this(credentials, subscription, listener, options, Timing.system());
    }

    public EslClient(EslCredentials credentials, Subscription subscription, EventListener listener, Options options,
                     Timing timing) {
        this.credentials = credentials;
        this.subscription = subscription;
        this.options = options;
        this.timing = timing;
        this.queue = new EventQueue(options.queueCapacity(), options.reserve(), options.backPressure(),
                options.mustDeliver(), listener);
        this.supervisor = new Thread(this::run, "esl-supervisor-" + credentials.host() + ":" + credentials.port());
        supervisor.setDaemon(true);
    }

    /** Adds a state listener; it is told the current state at once. Call before {@link #start()} to see every change. */
    public void addStateListener(StateListener l) {
        stateListeners.add(l);
        l.stateChanged(state, null);
    }

    /** Starts connecting in the background. */
    public EslClient start() {
        supervisor.start();
        return this;
    }

    public State state() {
        return state;
    }

    /** Waits until connected and subscribed; false on timeout. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return connected.await(timeout.toMillis(), TimeUnit.MILLISECONDS) && state == State.CONNECTED;
    }

    /** {@link EslConnection#api} on the current connection. */
    public String api(String command) throws EslException {
        return connection().api(command);
    }

    /** {@link EslConnection#bgapi} on the current connection; the result fails if the connection drops first. */
    public EslConnection.BackgroundJob bgapi(String command) throws EslException {
        return connection().bgapi(command);
    }

    public Stats stats() {
        EslConnection c = current;
        return new Stats(queue.delivered(), queue.dropped(), queue.lost(), queue.waits(),
                malformedBefore.get() + (c == null ? 0 : c.malformedEvents()), connects.get(), failures.get(), queue.queued());
    }

    @Override
    public void close() {
        closed = true;
        supervisor.interrupt();
        EslConnection c = current;
        if (c != null) {
            c.close();
        }
        queue.stop();
        setState(State.CLOSED, null);
    }

    private EslConnection connection() throws EslException {
        EslConnection c = current;
        if (c == null || !c.isOpen()) {
            throw new EslException(EslException.Kind.NOT_CONNECTED, "not connected to FreeSWITCH at "
                    + credentials.host() + ":" + credentials.port() + " (state " + state + ")");
        }
        return c;
    }

    private void run() {
        int consecutive = 0;
        while (!closed) {
            setState(State.CONNECTING, null);
            EslException cause;
            long upSince = -1;
            try {
                EslConnection c = EslConnection.open(credentials, options.connection(), queue::offer);
                try {
                    c.subscribe(subscription.format(), subscription.events(), subscription.filters());
                } catch (EslException e) {
                    c.close();
                    throw e;
                }
                current = c;
                if (closed) {
                    c.close(); // close() ran while we were logging in and saw no connection to close
                }
                connects.incrementAndGet();
                upSince = timing.nanoTime().getAsLong();
                setState(State.CONNECTED, null);
                connected.countDown();
                cause = c.closedFuture().join();
                current = null;
                malformedBefore.addAndGet(c.malformedEvents());
            } catch (EslException e) {
                cause = e;
            }
            if (closed) {
                break;
            }
            failures.incrementAndGet();
            connected = new CountDownLatch(1);
            boolean stable = upSince >= 0
                    && timing.nanoTime().getAsLong() - upSince >= options.backoff().stableAfter().toNanos();
            consecutive = stable ? 1 : consecutive + 1;
            boolean refused = cause.kind() == EslException.Kind.AUTH_REJECTED || cause.kind() == EslException.Kind.ACL_REJECTED;
            setState(refused ? State.REFUSED : State.DISCONNECTED, cause);
            Duration wait = options.backoff().delay(consecutive, timing.random().getAsDouble());
            LOG.log(refused ? Level.SEVERE : Level.WARNING, cause.getMessage() + "; reconnecting in " + wait.toMillis()
                    + " ms (attempt " + consecutive + ")");
            try {
                timing.sleeper().sleep(wait);
            } catch (InterruptedException e) {
                break;
            }
        }
    }

    private void setState(State s, EslException cause) {
        if (state == State.CLOSED) {
            return;
        }
        state = s;
        for (StateListener l : stateListeners) {
            try {
                l.stateChanged(s, cause);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "state listener failed", e);
            }
        }
    }
}
