package dev.mediaplane.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.esl.EslCredentials;
import dev.mediaplane.ops.Progress;
import dev.mediaplane.ops.node.EslLogin;
import dev.mediaplane.ops.node.NodeTarget;
import dev.mediaplane.ops.secrets.SecretManagerClients;
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
        header = "Post-deploy smoke test per node: SIP OPTIONS over TLS 1.2+, ESL login, ready.",
        description = {
            "Per node: sip-options-tls (a TLS handshake offering only TLS 1.3/1.2 to the external address on"
                    + " trunk.sipTlsPort, then SIP OPTIONS answered 2xx by the external profile), tls-certificate (valid"
                    + " --cert-min-days more), esl-login (userauth as the controller user) and freeswitch-ready (api"
                    + " status: UP and ready). Pass/fail per check and node; exit 1 on any failure.",
            "Not checked (listed in every report): a test call, its recording and manifest in GCS, its event on the"
                    + " events topic and a transcript; they need a SIP UA placing a call.",
            "Where it runs: ESL from controller.cidrs inside the VPC. The SIP check must come from an address the"
                    + " sip-tls firewall rule admits (trunk.signalingCidrs): from inside the VPC that is only true with"
                    + " --sip-address pointing at a path those rules allow, or a temporary rule for the smoke host.",
            "Nodes: all of --inventory (internal address for ESL, natIP for SIP), or one --address (+ --sip-address).",
            "",
            "Examples:",
            "  mediaplane smoke --stack prod --inventory nodes.json --ca-file trunk-ca.pem --sip-name sip.example.com",
            "  mediaplane smoke --stack dev --address 10.42.0.7 --sip-address 203.0.113.10 --esl-password-file ~/.mediaplane/esl --json"
        })
public final class SmokeCommand implements Callable<Integer> {

    @Mixin
    StackOptions stack;

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @Mixin
    DrainCommand.NodeOptions nodeOptions;

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

    @Spec
    CommandSpec spec;

    SecretManagerClients clients = SecretManagerClients.applicationDefault();
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
        DrainCommand.Fleet fleet = nodeOptions.all(cmd, c, "give --inventory FILE (from: "
                + NodeTarget.inventoryCommand(c.stack()) + ") or --address HOST[:PORT]");
        List<NodeTarget> nodes = fleet.nodes();
        int eslPort = fleet.eslPort();
        String[] sip = sipAddress == null ? null : DrainCommand.NodeOptions.hostPort(cmd, sipAddress, c.trunk().sipTlsPort());
        SipTlsProbe.Trust trust = noVerify ? new SipTlsProbe.NoVerify() : caFile != null ? new SipTlsProbe.CaFile(caFile)
                : new SipTlsProbe.SystemTrust();
        EslLogin login = nodeOptions.login(c, clients);
        PrintWriter out = cmd.getOut();
        List<Smoke.Target> targets = new ArrayList<>();
        EslCredentials first = null;
        if (!dryRun) {
            try {
                first = login.credentials(nodes.get(0).internal(), eslPort);
            } catch (EslLogin.LoginUnavailable e) {
                cmd.getErr().println("mediaplane smoke: " + e.getMessage());
                return ExitCode.UNAVAILABLE.code();
            }
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
        if (dryRun) {
            JsonArray plan = new JsonArray();
            for (Smoke.Target tg : targets) {
                for (String s : Smoke.plan(tg)) {
                    plan.add(tg.node() + ": " + s);
                }
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
        Smoke smoke = new Smoke(new Smoke.Settings(trust, t, certMinDays), clock::instant);
        List<Smoke.Check> all = new ArrayList<>();
        for (Smoke.Target tg : targets) {
            all.addAll(smoke.run(tg, ch -> progress.step("smoke " + ch.node() + " " + ch.name() + ": " + (ch.pass() ? "pass" : "FAIL"))));
        }
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
        if (output.json) {
            out.println(DrainCommand.gson(json));
        } else {
            for (Smoke.Check ch : all) {
                out.printf("%-4s %-24s %-18s %s%n", ch.pass() ? "ok" : "FAIL", ch.node(), ch.name(), ch.detail());
            }
            out.println("not checked:");
            Smoke.NOT_CHECKED.forEach(s -> out.println("  - " + s));
            out.printf("smoke %s: %s (%d of %d checks passed on %d node%s)%n", c.stack(), pass ? "PASS" : "FAIL",
                    all.stream().filter(Smoke.Check::pass).count(), all.size(), targets.size(), targets.size() == 1 ? "" : "s");
        }
        out.flush();
        return pass ? ExitCode.OK.code() : ExitCode.FAILED.code();
    }
}
