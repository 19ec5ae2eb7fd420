package dev.mediaplane.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.esl.EslCredentials;
import dev.mediaplane.ops.Progress;
import dev.mediaplane.ops.node.EslLogin;
import dev.mediaplane.ops.node.NodeTarget;
import dev.mediaplane.ops.secrets.SecretManagerClients;
import dev.mediaplane.ops.smoke.RecordingCheck;
import dev.mediaplane.ops.smoke.RecordingClients;
import dev.mediaplane.ops.smoke.SipTlsProbe;
import dev.mediaplane.ops.smoke.Smoke;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code mediaplane smoke}: the runbook's post-deploy test, per node and check. */
@Command(name = "smoke", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        defaultValueProvider = ControllerLoginDefaults.class,
        header = "Post-deploy smoke test per node: SIP over TLS 1.2+, ESL login, ready, a recorded test call.",
        description = {
            "Per node: sip-options-tls (a TLS handshake offering only TLS 1.3/1.2 to the external address on"
                    + " trunk.sipTlsPort, then SIP OPTIONS answered 2xx by the external profile), tls-certificate (valid"
                    + " --cert-min-days more), esl-login (userauth as the controller user) and freeswitch-ready (api"
                    + " status: UP and ready). Pass/fail per check and node; exit 1 on any failure.",
            "Then per node a test call (test-call): over ESL as --call-esl-user, originate dials the node's own external"
                    + " profile over TLS on its internal address with X-Organization-Id mediaplane-smoke, X-Call-Sid and"
                    + " X-Recording-Id, so the call takes the trunk's path from the profile on (ACL, TLS, RTP, the public"
                    + " dialplan: anchored, recorded stereo, parked), is held --hold, then hung up (uuid_kill). Its recording:"
                    + " recording-gcs (object and manifest in the recordings bucket, the manifest's generation, md5, sha256 and"
                    + " size those of the object), recording-event (the evidence event on the events topic, seen on a"
                    + " subscription smoke creates before the first call and deletes at the end) and, when stream.provider is"
                    + " set, transcript. --no-call skips all four.",
            "Where it runs: ESL from controller.cidrs inside the VPC. The SIP check must come from an address the"
                    + " sip-tls firewall rule admits (trunk.signalingCidrs): from inside the VPC that is only true with"
                    + " --sip-address pointing at a path those rules allow, or a temporary rule for the smoke host.",
            "Nodes: all of --inventory (internal address for ESL, natIP for SIP), or one --address (+ --sip-address).",
            "",
            "Examples:",
            "  mediaplane smoke --stack prod --inventory nodes.json --ca-file trunk-ca.pem --sip-name sip.example.com",
            "  mediaplane smoke --stack dev --address 10.42.0.7 --sip-address 203.0.113.10 --esl-password-file ~/.mediaplane/esl --json",
            "  mediaplane smoke --stack prod --inventory nodes.json --call-esl-user operator@mediaplane --hold 10s",
            "  mediaplane smoke --stack prod --inventory nodes.json --no-call --dry-run"
        })
public final class SmokeCommand implements Callable<Integer> {

    @Mixin
    StackOptions stack;

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @Mixin
    NodeOptions nodeOptions;

    @Option(names = "--sip-address", paramLabel = "HOST[:PORT]",
            description = "Where to reach SIP over TLS (default: the node's natIP from --inventory, port trunk.sipTlsPort).")
    String sipAddress;

    @Option(names = "--sip-name", paramLabel = "NAME", description = "Certificate name to verify (sent as SNI); default: the chain only.")
    String sipName;

    @Option(names = "--ca-file", paramLabel = "FILE", description = "PEM certificates the node's certificate must chain to (default: the JDK's trust store).")
    Path caFile;

    @Option(names = "--no-verify", description = "Do not verify the certificate (reported as NOT verified).")
    boolean noVerify;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s", description = "Per network step (100ms..1m; default ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--cert-min-days", paramLabel = "N", defaultValue = "14",
            description = "The certificate must stay valid at least N more days (0..365; default ${DEFAULT-VALUE}).")
    int certMinDays;

    @Option(names = "--dry-run", description = "Print the nodes and the checks; connect to nothing.")
    boolean dryRun;

    @Mixin
    CallOptions call;

    /** A test call's timing; smoke and synthetic take it. */
    static class CallTiming {
        @Option(names = "--hold", paramLabel = "DURATION", defaultValue = "5s",
                description = "How long a test call stays up after the answer (1s..10m; default ${DEFAULT-VALUE}).")
        String hold;

        @Option(names = "--answer-timeout", paramLabel = "DURATION", defaultValue = "10s",
                description = "A test call not answered within this fails (1s..2m; default ${DEFAULT-VALUE}).")
        String answerTimeout;

        @Option(names = "--upload-timeout", paramLabel = "DURATION", defaultValue = "60s",
                description = "How long after the last call its evidence event may take (upload, publish; 1s..15m; default ${DEFAULT-VALUE}).")
        String uploadTimeout;

        Duration hold(CommandLine cmd) {
            return DrainCommand.duration(cmd, "--hold", hold, Duration.ofSeconds(1), Duration.ofMinutes(10));
        }

        Duration answerTimeout(CommandLine cmd) {
            return DrainCommand.duration(cmd, "--answer-timeout", answerTimeout, Duration.ofSeconds(1), Duration.ofMinutes(2));
        }

        Duration uploadTimeout(CommandLine cmd) {
            return DrainCommand.duration(cmd, "--upload-timeout", uploadTimeout, Duration.ofSeconds(1), Duration.ofMinutes(15));
        }

        /** Where the recording checks look; the subscription id is {@code <prefix>-<kind>-<8 hex>}. */
        static dev.mediaplane.ops.smoke.RecordingCheck.Setup recordings(StackConfig c, String kind) {
            return new dev.mediaplane.ops.smoke.RecordingCheck.Setup(c.project(), c.recordingsBucketName(), c.eventsTopicName(),
                    c.prefix() + "-" + kind + "-" + java.util.UUID.randomUUID().toString().substring(0, 8));
        }
    }

    /** The test call's login, and whether there is one. */
    static final class CallOptions extends CallTiming {
        @Option(names = "--no-call", description = "No test call (and so no recording, event or transcript check).")
        boolean noCall;

        @Option(names = "--call-esl-user", paramLabel = "USER@DOMAIN", defaultValue = "operator@mediaplane",
                description = "ESL user placing the call; must be allowed originate, uuid_kill, uuid_setvar (default: ${DEFAULT-VALUE}).")
        String user;

        @Option(names = "--call-esl-password-file", paramLabel = "FILE",
                description = "File holding that user's password (owner-only mode). Without it: Secret Manager.")
        Path passwordFile;

        @Option(names = "--call-esl-secret", paramLabel = "SUFFIX", defaultValue = "esl-operator-password",
                description = "Secret Manager secret <prefix>-SUFFIX with that password (default: ${DEFAULT-VALUE}).")
        String secret;

        EslLogin login(StackConfig c, SecretManagerClients clients) {
            return new EslLogin(user, passwordFile != null ? new EslLogin.PasswordFile(passwordFile, "--call-esl-password-file")
                    : new EslLogin.SecretManagerSecret(c.project(), c.prefix() + "-" + secret, clients));
        }
    }

    @Spec
    CommandSpec spec;

    SecretManagerClients clients = SecretManagerClients.applicationDefault();
    RecordingClients recordings = RecordingClients.applicationDefault();
    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        StackConfig c = stack.load().config();
        Duration t = DrainCommand.duration(cmd, "--timeout", timeout, Duration.ofMillis(100), Duration.ofMinutes(1));
        if (certMinDays < 0 || certMinDays > 365) {
            throw new ParameterException(cmd, "--cert-min-days must be 0..365, got " + certMinDays);
        }
        if (noVerify && caFile != null) {
            throw new ParameterException(cmd, "--no-verify and --ca-file exclude each other");
        }
        NodeOptions.Fleet fleet = nodeOptions.all(cmd, c, "give --inventory FILE (from: "
                + NodeTarget.inventoryCommand(c.stack()) + ") or --address HOST[:PORT]");
        List<NodeTarget> nodes = fleet.nodes();
        int eslPort = fleet.eslPort();
        String[] sip = sipAddress == null ? null : NodeOptions.hostPort(cmd, sipAddress, c.trunk().sipTlsPort());
        SipTlsProbe.Trust trust = noVerify ? new SipTlsProbe.NoVerify() : caFile != null ? new SipTlsProbe.CaFile(caFile)
                : new SipTlsProbe.SystemTrust();
        EslLogin login = nodeOptions.login(c, clients);
        Duration hold = call.hold(cmd);
        Duration answer = call.answerTimeout(cmd);
        Duration upload = call.uploadTimeout(cmd);
        EslLogin callLogin = call.login(c, clients);
        boolean stream = c.stream().provider() != StackConfig.StreamProvider.NONE;
        RecordingCheck.Setup setup = CallOptions.recordings(c, "smoke");
        PrintWriter out = cmd.getOut();
        List<Smoke.Target> targets = new ArrayList<>();
        EslCredentials first = null;
        Smoke.Call testCall = null;
        if (!dryRun) {
            try {
                first = login.credentials(nodes.get(0).internal(), eslPort);
            } catch (EslLogin.LoginUnavailable e) {
                cmd.getErr().println("mediaplane smoke: " + e.getMessage());
                return ExitCode.UNAVAILABLE.code();
            }
            if (!call.noCall) {
                // Without the call login the other checks still run; the test call fails saying why.
                EslCredentials caller = null;
                String why = null;
                try {
                    caller = callLogin.credentials(nodes.get(0).internal(), eslPort);
                } catch (EslLogin.LoginUnavailable e) {
                    why = "no test call: " + e.getMessage() + " (or pass --no-call)";
                }
                testCall = new Smoke.Call(caller, why, c.trunk().sipTlsPort(), hold, answer, upload, stream, recordings, setup);
            }
        } else if (!call.noCall) {
            testCall = new Smoke.Call(EslCredentials.userauth(nodes.get(0).internal(), eslPort, call.user, "-"), null,
                    c.trunk().sipTlsPort(), hold, answer, upload, stream, recordings, setup);
        }
        for (NodeTarget n : nodes) {
            String host = sip != null ? sip[0] : n.external().orElse(null);
            int port = sip != null ? Integer.parseInt(sip[1]) : c.trunk().sipTlsPort();
            EslCredentials esl = first == null ? EslCredentials.userauth(n.internal(), eslPort, nodeOptions.eslUser, "-")
                    : new EslCredentials(n.internal(), eslPort, first.user(), first.password());
            targets.add(new Smoke.Target(n.name(), host, port, sipName, esl));
        }
        JsonObject json = new JsonObject();
        json.addProperty("command", "smoke");
        json.addProperty("stack", c.stack());
        JsonArray notChecked = new JsonArray();
        Smoke.NOT_CHECKED.forEach(notChecked::add);
        if (call.noCall) {
            notChecked.add(Smoke.NO_CALL);
        } else if (!stream) {
            notChecked.add(Smoke.NO_TRANSCRIPT);
        }
        if (dryRun) {
            JsonArray plan = new JsonArray();
            if (testCall != null) {
                RecordingCheck.plan(setup).stream().limit(1).forEach(s -> plan.add("recordings: " + s));
            }
            for (Smoke.Target tg : targets) {
                for (String s : Smoke.plan(tg)) {
                    plan.add(tg.node() + ": " + s);
                }
                if (testCall != null) {
                    for (String s : Smoke.callPlan(testCall, tg.controller().host(), callLogin.describe())) {
                        plan.add(tg.node() + ": " + s);
                    }
                }
            }
            if (testCall != null) {
                RecordingCheck.plan(setup).stream().skip(1).forEach(s -> plan.add("recordings: " + s));
            }
            json.addProperty("dryRun", true);
            json.add("calls", plan);
            json.add("notChecked", notChecked);
            if (output.json) {
                out.println(DrainCommand.gson(json));
            } else {
                out.println("smoke " + c.stack() + " would check:");
                plan.forEach(s -> out.println("  " + s.getAsString()));
                out.println("nothing was contacted (--dry-run)");
            }
            out.flush();
            return ExitCode.OK.code();
        }
        Progress progress = new Progress(cmd.getErr(), false, 1);
        Smoke smoke = new Smoke(new Smoke.Settings(trust, t, certMinDays), clock::instant, testCall);
        List<Smoke.Check> all = smoke.runAll(targets,
                ch -> progress.step("smoke " + ch.node() + " " + ch.name() + ": " + (ch.pass() ? "pass" : "FAIL")), progress::step);
        smoke.notes().forEach(n -> progress.step("smoke: " + n));
        boolean pass = all.stream().allMatch(Smoke.Check::pass);
        JsonArray checks = new JsonArray();
        for (Smoke.Check ch : all) {
            JsonObject o = new JsonObject();
            o.addProperty("node", ch.node());
            o.addProperty("check", ch.name());
            o.addProperty("pass", ch.pass());
            o.addProperty("detail", ch.detail());
            o.addProperty("ms", ch.millis());
            checks.add(o);
        }
        json.addProperty("pass", pass);
        json.add("checks", checks);
        json.add("notChecked", notChecked);
        JsonArray notes = new JsonArray();
        smoke.notes().forEach(notes::add);
        json.add("notes", notes);
        if (output.json) {
            out.println(DrainCommand.gson(json));
        } else {
            for (Smoke.Check ch : all) {
                out.printf("%-4s %-24s %-18s %s%n", ch.pass() ? "ok" : "FAIL", ch.node(), ch.name(), ch.detail());
            }
            out.println("not checked:");
            notChecked.forEach(s -> out.println("  - " + s.getAsString()));
            out.printf("smoke %s: %s (%d of %d checks passed on %d node%s)%n", c.stack(), pass ? "PASS" : "FAIL",
                    all.stream().filter(Smoke.Check::pass).count(), all.size(), targets.size(), targets.size() == 1 ? "" : "s");
        }
        out.flush();
        return pass ? ExitCode.OK.code() : ExitCode.FAILED.code();
    }
}
