package dev.mediaplane.ops.smoke;

import dev.mediaplane.esl.EslConnection;
import dev.mediaplane.esl.EslCredentials;
import dev.mediaplane.esl.EslException;
import dev.mediaplane.ops.node.NodeControl;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The runbook's post-deploy smoke test, per node: the external profile answers SIP OPTIONS over TLS 1.2+,
 * its certificate is valid for a while yet, the controller's ESL login works and FreeSWITCH reports itself
 * ready; then a test call the way trunk calls come in ({@link TestCall}: the node dials its own external
 * profile over TLS, the public dialplan anchors, records and parks it), and its recording where the node
 * agent puts it ({@link RecordingCheck}: object and manifest in GCS, the event on the events topic, the
 * transcript when the stack streams).
 */
public final class Smoke {

    /** One check's verdict on one node. */
    public record Check(String node, String name, boolean pass, String detail, long millis) {}

    /** What the smoke test does not check, and why; listed in every report. */
    public static final List<String> NOT_CHECKED = List.of(
            "the trunk's own leg (SignalWire to the node's external address, the gateway registration): the test call"
                    + " starts on the node itself, from its internal address",
            "sofia profiles RUNNING and the inbound pause: the controller login may not run sofia or fsctl;"
                    + " the node agent's /ready covers them");

    /** Listed when the test call is off (--no-call). */
    public static final String NO_CALL = "test call, its recording in GCS, its event and transcript: --no-call";

    /** Listed when the stack streams to no provider. */
    public static final String NO_TRANSCRIPT = "transcript: the stack streams to no provider (stream.provider none)";

    /** The organization id of smoke's test calls (the X-Organization-Id header, the object path's {org}). */
    public static final String ORG = dev.mediaplane.render.NodeContract.SMOKE_ORGANIZATION;

    /**
     * @param node instance name, for the report
     * @param sipHost where SIP over TLS is reached (the external address), null to skip with a failure
     * @param verifyName the certificate name to check (SNI), null for the chain only
     */
    public record Target(String node, String sipHost, int sipPort, String verifyName, EslCredentials controller) {}

    /**
     * The test call and its recording checks.
     *
     * @param caller the login placing the call on a node (host and port replaced per node); it must be allowed
     *     originate, uuid_kill and uuid_setvar; null when its password could not be read
     * @param callerUnavailable why there is no caller (the test call then fails with it), else null
     * @param internalSipPort trunk.sipTlsPort on the node's internal address
     * @param hold how long the call stays up
     * @param answerTimeout how long the call may take to be answered
     * @param eventTimeout how long, after the last call, the event may take to arrive (upload and publish)
     * @param stream whether the stack streams (then a transcript is checked)
     * @param recordings where the recording checks look; null: not checked (listed as such)
     */
    public record Call(EslCredentials caller, String callerUnavailable, int internalSipPort, Duration hold, Duration answerTimeout,
                       Duration eventTimeout, boolean stream, RecordingClients clients, RecordingCheck.Setup recordings) {
        public TestCall.Spec spec(String host) {
            return new TestCall.Spec(host, internalSipPort, hold, answerTimeout, stream);
        }
    }

    /**
     * @param timeout per network step
     * @param certMinDays the certificate must stay valid at least this many days more
     */
    public record Settings(SipTlsProbe.Trust trust, Duration timeout, int certMinDays) {}

    private final Settings settings;
    private final java.util.function.Supplier<Instant> clock;
    private final Call call;
    private final List<String> notes = new ArrayList<>();

    /** @param call the test call; null for none (--no-call) */
    public Smoke(Settings settings, java.util.function.Supplier<Instant> clock, Call call) {
        this.settings = settings;
        this.clock = clock;
        this.call = call;
    }

    /** What happened beside the checks (a subscription that could not be deleted). */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /** The ESL and Google calls of the test call, for --dry-run. */
    public static List<String> callPlan(Call call, String internalHost, String login) {
        List<String> p = new ArrayList<>();
        p.add("test-call: userauth " + login + " at " + internalHost + ":" + call.caller().port());
        for (String s : TestCall.plan(call.spec(internalHost), ORG)) {
            p.add("test-call: " + s);
        }
        return p;
    }

    /** Every node's checks, then the recordings of every answered test call. */
    public List<Check> runAll(List<Target> targets, Consumer<Check> each) throws InterruptedException {
        return runAll(targets, each, s -> { });
    }

    /** As {@link #runAll(List, Consumer)}; {@code waiting} hears what is being waited for (the evidence events). */
    public List<Check> runAll(List<Target> targets, Consumer<Check> each, Consumer<String> waiting) throws InterruptedException {
        List<Check> checks = new ArrayList<>();
        Consumer<Check> add = c -> {
            checks.add(c);
            each.accept(c);
        };
        RecordingCheck rec = null;
        String recError = null;
        if (call != null && call.recordings() != null) {
            try {
                rec = RecordingCheck.open(call.clients(), call.recordings());
            } catch (IOException | RuntimeException e) {
                recError = e.getMessage();
            }
        }
        String run = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(java.time.ZoneOffset.UTC)
                .format(clock.get()) + "-" + java.util.UUID.randomUUID().toString().substring(0, 6);
        List<String> nodes = new ArrayList<>();
        List<TestCall.Outcome> calls = new ArrayList<>();
        try {
            int i = 0;
            for (Target t : targets) {
                for (Check c : run(t, x -> { })) {
                    add.accept(c);
                }
                if (call != null) {
                    TestCall.Ids ids = new TestCall.Ids(ORG, "smoke-" + run + "-" + (++i), "rec-" + run + "-" + i);
                    TestCall.Outcome o = testCall(t, ids, add);
                    nodes.add(t.node());
                    calls.add(o);
                }
            }
            if (call == null) {
                return checks;
            }
            if (rec != null) {
                long answered = calls.stream().filter(o -> o != null && o.answered()).count();
                if (answered > 0) {
                    waiting.accept("smoke: waiting up to " + call.eventTimeout().toSeconds() + "s for the evidence event of "
                            + answered + " test call" + (answered == 1 ? "" : "s") + " on " + call.recordings().topic());
                }
                awaitEvents(rec, calls);
            }
            for (int k = 0; k < calls.size(); k++) {
                String node = nodes.get(k);
                TestCall.Outcome o = calls.get(k);
                if (call.recordings() == null) {
                    continue;
                }
                if (o == null || !o.answered()) {
                    String why = "not checked: the test call was not answered";
                    add.accept(new Check(node, "recording-gcs", false, why, 0));
                    add.accept(new Check(node, "recording-event", false, why, 0));
                    if (call.stream()) {
                        add.accept(new Check(node, "transcript", false, why, 0));
                    }
                    continue;
                }
                if (rec == null) {
                    add.accept(new Check(node, "recording-gcs", false, "not checked: " + recError, 0));
                    add.accept(new Check(node, "recording-event", false, recError, 0));
                    if (call.stream()) {
                        add.accept(new Check(node, "transcript", false, "not checked: " + recError, 0));
                    }
                    continue;
                }
                long t0 = System.nanoTime();
                RecordingCheck.Verdict v = rec.verifyObject(o.ids());
                add.accept(new Check(node, "recording-gcs", v.pass(), v.detail(), ms(t0)));
                RecordingCheck.Verdict ev = rec.verifyEvent(o.ids());
                add.accept(new Check(node, "recording-event", ev.pass(), ev.detail(), 0));
                if (call.stream()) {
                    RecordingCheck.Verdict tr = rec.verifyTranscript(o.ids());
                    add.accept(new Check(node, "transcript", tr.pass(), tr.detail(), 0));
                }
            }
            return checks;
        } finally {
            if (rec != null) {
                String why = rec.deleteSubscription();
                if (why != null) {
                    notes.add(why);
                }
                rec.close();
            }
        }
    }

    private void awaitEvents(RecordingCheck rec, List<TestCall.Outcome> calls) throws InterruptedException {
        java.util.Set<String> want = new java.util.HashSet<>();
        for (TestCall.Outcome o : calls) {
            if (o != null && o.answered()) {
                want.add(o.ids().callSid());
            }
        }
        long deadline = System.nanoTime() + call.eventTimeout().toNanos();
        while (!want.isEmpty()) {
            try {
                rec.pull();
            } catch (IOException e) {
                notes.add(e.getMessage());
                return;
            }
            if (rec.haveAll(want) || System.nanoTime() > deadline) {
                return;
            }
            Thread.sleep(250);
        }
    }

    private TestCall.Outcome testCall(Target t, TestCall.Ids ids, Consumer<Check> add) throws InterruptedException {
        long t0 = System.nanoTime();
        if (call.caller() == null) {
            add.accept(new Check(t.node(), "test-call", false, call.callerUnavailable(), 0));
            return null;
        }
        EslCredentials login = new EslCredentials(t.controller().host(), t.controller().port(), call.caller().user(),
                call.caller().password());
        EslConnection.Settings esl = new EslConnection.Settings(settings.timeout(), settings.timeout().plus(call.answerTimeout()),
                EslConnection.Settings.defaults().maxFrameBytes());
        try (TestCall line = TestCall.open(ORG, login, esl)) {
            TestCall.Outcome o = line.place(ids, call.spec(t.controller().host()));
            add.accept(new Check(t.node(), "test-call", o.ok() && o.received() > 0, describe(o), ms(t0)));
            return o;
        } catch (EslException e) {
            String why = NodeControl.permissionDenied(e) ? e.getMessage() + ": the login " + login.user()
                    + " may not run originate, uuid_kill or uuid_setvar (the controller user may not run originate;"
                    + " see docs/operations.md, smoke)"
                    : e.kind() == EslException.Kind.AUTH_REJECTED ? e.getMessage() + ": " + dev.mediaplane.ops.node.EslLogin.refusedHint()
                    : e.getMessage();
            add.accept(new Check(t.node(), "test-call", false, why, ms(t0)));
            return null;
        }
    }

    /** The test call's evidence, one line. */
    public static String describe(TestCall.Outcome o) {
        StringBuilder b = new StringBuilder();
        if (o.failure() != null) {
            b.append(o.failure()).append("; ");
        } else if (o.received() == 0) {
            b.append("no RTP reached the inbound leg; ");
        }
        b.append(o.answered() ? "answered" : "not answered");
        if (o.pddMs() != null) {
            b.append(", post-dial delay ").append(o.pddMs()).append(" ms");
        }
        if (o.sent() >= 0 && o.received() >= 0) {
            b.append(", ").append(o.sent()).append(" RTP packets sent, ").append(o.received()).append(" received (")
                    .append(String.format(java.util.Locale.ROOT, "%.2f", o.sent() == 0 ? 0.0 : 100.0 * o.lost() / o.sent()))
                    .append("% lost, ").append(o.skipped()).append(" reads without a packet)");
        }
        if (o.hangupCause() != null) {
            b.append(", hangup ").append(o.hangupCause());
        }
        b.append(", call_sid ").append(o.ids().callSid());
        return b.toString();
    }

    /** The checks and what each calls, for --dry-run. */
    public static List<String> plan(Target t) {
        return List.of(
                "sip-options-tls: TLS (offering only " + SipTlsProbe.PROTOCOLS + ") to " + t.sipHost() + ":" + t.sipPort()
                        + ", OPTIONS sip:" + t.sipHost() + ":" + t.sipPort() + ";transport=tls, expect 2xx",
                "tls-certificate: the certificate from that handshake valid for the minimum days",
                "esl-login: userauth " + t.controller().user() + " at " + t.controller().host() + ":" + t.controller().port(),
                "freeswitch-ready: api status reports UP and 'is ready'");
    }

    public List<Check> run(Target t, Consumer<Check> each) {
        List<Check> checks = new ArrayList<>();
        Consumer<Check> add = c -> {
            checks.add(c);
            each.accept(c);
        };
        long t0 = System.nanoTime();
        if (t.sipHost() == null) {
            add.accept(new Check(t.node(), "sip-options-tls", false, "no external address known (inventory without natIP;"
                    + " give --sip-address)", 0));
            add.accept(new Check(t.node(), "tls-certificate", false, "no certificate: no TLS handshake", 0));
        } else {
            try {
                SipTlsProbe.Result r = SipTlsProbe.probe(t.sipHost(), t.sipPort(), t.verifyName(), settings.trust(), settings.timeout());
                boolean tlsOk = SipTlsProbe.PROTOCOLS.contains(r.protocol());
                boolean sipOk = r.status() >= 200 && r.status() < 300;
                add.accept(new Check(t.node(), "sip-options-tls", tlsOk && sipOk, r.protocol() + " " + r.cipher() + ", "
                        + (r.status() > 0 ? r.status() + " " + r.reason() : r.reason()) + ", certificate " + r.subject()
                        + (r.verified() ? " (verified)" : " (NOT verified: --no-verify)"), ms(t0)));
                long days = Duration.between(clock.get(), r.notAfter()).toDays();
                add.accept(new Check(t.node(), "tls-certificate", days >= settings.certMinDays(), "expires " + r.notAfter() + " (in "
                        + days + " days; minimum " + settings.certMinDays() + "), SHA-256 " + r.sha256(), 0));
            } catch (IOException e) {
                add.accept(new Check(t.node(), "sip-options-tls", false, e.getMessage(), ms(t0)));
                add.accept(new Check(t.node(), "tls-certificate", false, "no certificate: the TLS handshake failed", 0));
            }
        }
        long t1 = System.nanoTime();
        EslConnection.Settings esl = new EslConnection.Settings(settings.timeout(), settings.timeout(),
                EslConnection.Settings.defaults().maxFrameBytes());
        try (NodeControl node = NodeControl.open(t.controller(), esl)) {
            add.accept(new Check(t.node(), "esl-login", true, "userauth " + t.controller().user() + " accepted at " + node.where(), ms(t1)));
            long t2 = System.nanoTime();
            try {
                String status = node.api("status");
                boolean up = status.lines().anyMatch(l -> l.startsWith("UP "));
                boolean ready = status.contains(") is ready");
                add.accept(new Check(t.node(), "freeswitch-ready", up && ready, up && ready ? "status: UP, ready"
                        : "status: " + (up ? "UP" : "not UP") + ", " + (ready ? "ready" : "not ready (shutting down or paused)"), ms(t2)));
            } catch (EslException e) {
                add.accept(new Check(t.node(), "freeswitch-ready", false, e.getMessage(), ms(t2)));
            }
        } catch (EslException e) {
            add.accept(new Check(t.node(), "esl-login", false, e.getMessage(), ms(t1)));
            add.accept(new Check(t.node(), "freeswitch-ready", false, "not checked: no ESL login", 0));
        }
        return checks;
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
