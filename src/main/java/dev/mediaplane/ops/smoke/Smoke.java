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
 * The runbook's post-deploy smoke test for one node, as far as it goes without placing a call:
 * the external profile answers SIP OPTIONS over TLS 1.2+, its certificate is valid for a while
 * yet, the controller's ESL login works and FreeSWITCH reports itself ready.
 */
public final class Smoke {

    /** One check's verdict on one node. */
    public record Check(String node, String name, boolean pass, String detail, long millis) {}

    /** What the smoke test does not check, and why; listed in every report. */
    public static final List<String> NOT_CHECKED = List.of(
            "test call (anchored, recorded): needs a SIP UA placing a call through the trunk's path (SIPp); not implemented",
            "recording object and manifest in GCS, event on the events topic: follow from the test call; not implemented",
            "transcript from the speech-to-text provider: follows from the test call; not implemented",
            "sofia profiles RUNNING and the inbound pause: the controller login may not run sofia or fsctl;"
                    + " the node agent's /ready covers them");

    /**
     * @param node instance name, for the report
     * @param sipHost where SIP over TLS is reached (the external address), null to skip with a failure
     * @param verifyName the certificate name to check (SNI), null for the chain only
     */
    public record Target(String node, String sipHost, int sipPort, String verifyName, EslCredentials controller) {}

    /**
     * @param timeout per network step
     * @param certMinDays the certificate must stay valid at least this many days more
     */
    public record Settings(SipTlsProbe.Trust trust, Duration timeout, int certMinDays) {}

    private final Settings settings;
    private final java.util.function.Supplier<Instant> clock;

    public Smoke(Settings settings, java.util.function.Supplier<Instant> clock) {
        this.settings = settings;
        this.clock = clock;
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
