package dev.mediaplane.ops.synthetic;

import dev.mediaplane.esl.EslConnection;
import dev.mediaplane.esl.EslCredentials;
import dev.mediaplane.esl.EslException;
import dev.mediaplane.ops.smoke.RecordingCheck;
import dev.mediaplane.ops.smoke.RecordingClients;
import dev.mediaplane.ops.smoke.TestCall;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Synthetic calls at a rate: the smoke test's call ({@link TestCall}) placed every {@code 1/rate} seconds
 * for a duration, round robin over the nodes, each checked like smoke's (object, manifest, event), and
 * summed up as answer rate, post-dial delay, packet loss and recording completeness. Calls carry the
 * organization id {@value #ORG}, so every recording, event and log line of them is recognisable.
 */
public final class Synthetic {

    /** Most calls one run places (the events and figures of each are kept until the end). */
    public static final int MAX_CALLS = 50_000;

    private static final long PULL_EVERY_NANOS = 5_000_000_000L;

    /** The organization id of synthetic calls. */
    public static final String ORG = dev.mediaplane.render.NodeContract.SYNTHETIC_ORGANIZATION;

    /** One node calls are placed on: its name and its ESL login (its internal address). */
    public record Node(String name, EslCredentials login) {}

    /**
     * @param perSecond calls per second over all nodes
     * @param duration calls are started during this long
     * @param hold each call's time up after the answer
     * @param answerTimeout a call not answered within this fails
     * @param eventTimeout after the last call ended, how long its evidence event may take
     * @param sipPort trunk.sipTlsPort
     */
    public record Settings(double perSecond, Duration duration, Duration hold, Duration answerTimeout, Duration eventTimeout,
                           int sipPort, Duration eslTimeout) {
        /** How many calls: one every 1/rate seconds while the duration lasts, at least one. */
        public int calls() {
            return (int) Math.max(1, Math.floor(duration.toMillis() / 1000.0 * perSecond + 1e-9));
        }

        public Duration interval() {
            return Duration.ofNanos((long) (1e9 / perSecond));
        }
    }

    /** One synthetic call's record. */
    public record Call(String node, TestCall.Outcome outcome, String error, RecordingCheck.Verdict recording,
                       RecordingCheck.Verdict event) {
        public boolean answered() {
            return outcome != null && outcome.answered();
        }

        public boolean complete() {
            return recording != null && recording.pass() && event != null && event.pass();
        }
    }

    /** The figures. */
    public record Report(List<Call> calls, int placed, int answered, List<Long> pddMs, long sent, long received,
                         int complete, List<String> notes) {
        public double answerRate() {
            return placed == 0 ? 0 : (double) answered / placed;
        }

        public double lossPercent() {
            return sent <= 0 ? 0 : 100.0 * Math.max(0, sent - received) / sent;
        }

        /** Complete recordings over answered calls (an unanswered call has no recording to expect). */
        public double completeness() {
            return answered == 0 ? 0 : (double) complete / answered;
        }

        /** Nearest-rank percentile of the post-dial delays; null without samples. */
        public Long pdd(double percentile) {
            if (pddMs.isEmpty()) {
                return null;
            }
            List<Long> s = new ArrayList<>(pddMs);
            Collections.sort(s);
            int rank = (int) Math.ceil(percentile / 100.0 * s.size());
            return s.get(Math.max(0, Math.min(s.size() - 1, rank - 1)));
        }
    }

    /** Progress: placed, answered and ended so far, of the total. */
    public interface Listener {
        void progress(int placed, int answered, int ended, int total);
    }

    private final Settings settings;
    private final RecordingClients clients;
    private final RecordingCheck.Setup setup;

    public Synthetic(Settings settings, RecordingClients clients, RecordingCheck.Setup setup) {
        this.settings = settings;
        this.clients = clients;
        this.setup = setup;
    }

    /**
     * Runs: the subscription first (no call is placed that could not be checked), a line per node, the calls
     * on schedule, then the recordings.
     *
     * @throws IOException the subscription could not be created (quoting Google)
     * @throws EslException a node's login or subscription failed
     */
    public Report run(List<Node> nodes, Listener listener) throws IOException, InterruptedException {
        int total = settings.calls();
        String run = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC).format(Instant.now()) + "-"
                + UUID.randomUUID().toString().substring(0, 6);
        List<String> notes = new ArrayList<>();
        List<TestCall> lines = new ArrayList<>();
        int concurrency = (int) Math.min(500, Math.ceil(settings.perSecond()
                * (settings.hold().plus(settings.answerTimeout()).toMillis() / 1000.0 + 15)) + 1);
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "synthetic-call");
            t.setDaemon(true);
            return t;
        });
        RecordingCheck rec = RecordingCheck.open(clients, setup);
        try {
            EslConnection.Settings esl = new EslConnection.Settings(settings.eslTimeout(),
                    settings.eslTimeout().plus(settings.answerTimeout()), EslConnection.Settings.defaults().maxFrameBytes());
            for (Node n : nodes) {
                lines.add(TestCall.open(ORG, n.login(), esl));
            }
            AtomicInteger answered = new AtomicInteger();
            AtomicInteger ended = new AtomicInteger();
            List<Future<Call>> futures = new ArrayList<>();
            java.util.concurrent.atomic.AtomicReference<EslException> refused = new java.util.concurrent.atomic.AtomicReference<>();
            long start = System.nanoTime();
            long lastPull = start;
            for (int k = 0; k < total && refused.get() == null; k++) {
                long due = start + k * settings.interval().toNanos();
                // Pull while waiting: the subscription keeps unacknowledged events 10 minutes only.
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    if (System.nanoTime() - lastPull > PULL_EVERY_NANOS) {
                        rec.pull();
                        lastPull = System.nanoTime();
                        continue;
                    }
                    long nap = Math.min(wait, PULL_EVERY_NANOS);
                    Thread.sleep(nap / 1_000_000, (int) (nap % 1_000_000));
                }
                Node node = nodes.get(k % nodes.size());
                TestCall line = lines.get(k % nodes.size());
                TestCall.Ids ids = new TestCall.Ids(ORG, "syn-" + run + "-" + (k + 1), "rec-" + run + "-" + (k + 1));
                TestCall.Spec spec = new TestCall.Spec(node.login().host(), settings.sipPort(), settings.hold(),
                        settings.answerTimeout(), false);
                futures.add(pool.submit(() -> {
                    Call c;
                    try {
                        TestCall.Outcome o = line.place(ids, spec);
                        if (o.answered()) {
                            answered.incrementAndGet();
                        }
                        c = new Call(node.name(), o, null, null, null);
                    } catch (EslException e) {
                        if (dev.mediaplane.ops.node.NodeControl.permissionDenied(e)) {
                            refused.compareAndSet(null, e); // the login cannot place calls: no point in placing more
                        }
                        c = new Call(node.name(), new TestCall.Outcome(ids, null, null, false, e.getMessage(), null, -1, -1, -1, null),
                                e.getMessage(), null, null);
                    }
                    ended.incrementAndGet();
                    return c;
                }));
                listener.progress(k + 1, answered.get(), ended.get(), total);
            }
            List<Call> placed = new ArrayList<>();
            for (Future<Call> f : futures) {
                while (true) {
                    try {
                        placed.add(f.get(1, java.util.concurrent.TimeUnit.SECONDS));
                        break;
                    } catch (java.util.concurrent.TimeoutException e) {
                        listener.progress(total, answered.get(), ended.get(), total);
                        if (System.nanoTime() - lastPull > PULL_EVERY_NANOS) {
                            rec.pull();
                            lastPull = System.nanoTime();
                        }
                    } catch (ExecutionException e) {
                        throw new IllegalStateException(e.getCause());
                    }
                }
            }
            listener.progress(total, answered.get(), ended.get(), total);
            if (refused.get() != null) {
                throw refused.get();
            }
            Set<String> want = new HashSet<>();
            placed.stream().filter(Call::answered).forEach(c -> want.add(c.outcome().ids().callSid()));
            long deadline = System.nanoTime() + settings.eventTimeout().toNanos();
            while (!want.isEmpty()) {
                rec.pull();
                if (rec.haveAll(want) || System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(250);
            }
            List<Call> calls = new ArrayList<>();
            List<Long> pdd = new ArrayList<>();
            long sent = 0;
            long received = 0;
            int complete = 0;
            for (Call c : placed) {
                if (!c.answered()) {
                    calls.add(c);
                    continue;
                }
                TestCall.Outcome o = c.outcome();
                if (o.pddMs() != null) {
                    pdd.add(o.pddMs());
                }
                if (o.sent() >= 0 && o.received() >= 0) {
                    sent += o.sent();
                    received += o.received();
                }
                Call v = new Call(c.node(), o, c.error(), rec.verifyObject(o.ids()), rec.verifyEvent(o.ids()));
                if (v.complete()) {
                    complete++;
                }
                calls.add(v);
            }
            int answeredCalls = (int) placed.stream().filter(Call::answered).count();
            return new Report(calls, placed.size(), answeredCalls, pdd, sent, received, complete, notes);
        } finally {
            pool.shutdownNow();
            lines.forEach(TestCall::close);
            String why = rec.deleteSubscription();
            if (why != null) {
                notes.add(why);
            }
            rec.close();
        }
    }

    /** Per node: placed, answered, complete. */
    public static Map<String, int[]> byNode(Report r) {
        Map<String, int[]> m = new LinkedHashMap<>();
        for (Call c : r.calls()) {
            int[] v = m.computeIfAbsent(c.node(), k -> new int[3]);
            v[0]++;
            v[1] += c.answered() ? 1 : 0;
            v[2] += c.complete() ? 1 : 0;
        }
        return m;
    }
}
