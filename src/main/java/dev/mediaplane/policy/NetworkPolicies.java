package dev.mediaplane.policy;

import dev.mediaplane.config.Cidr;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlannedResource;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/** CIS section 3 (networking) and mediaplane's own port rules, over firewalls and subnets. */
final class NetworkPolicies {

    /** Google's IAP TCP forwarding range: the only source SSH and RDP may come from. */
    static final Cidr IAP = Cidr.parse("35.235.240.0/20");

    static final int SSH = 22;
    static final int RDP = 3389;

    /** Subnet purposes that cannot carry flow logs (proxy-only subnets). */
    private static final Set<String> NO_FLOW_LOGS = Set.of("INTERNAL_HTTPS_LOAD_BALANCER", "REGIONAL_MANAGED_PROXY",
            "GLOBAL_MANAGED_PROXY");

    private NetworkPolicies() {}

    static List<Policy> all() {
        return List.of(
                new Policy("fw-ssh-iap-only", "SSH (tcp/22) is reachable only from IAP (35.235.240.0/20)", "3.6, 3.10",
                        "CKV_GCP_2", "AVD-GCP-0071", iapOnly(ctx -> SSH, "SSH")),
                new Policy("fw-rdp-iap-only", "RDP (tcp/3389) is reachable only from IAP (35.235.240.0/20)", "3.7",
                        "CKV_GCP_3", "AVD-GCP-0070", iapOnly(ctx -> RDP, "RDP")),
                new Policy("fw-ssh-only-when-enabled",
                        "No firewall admits SSH (tcp/22) unless the stack enables it (mediaplane:fleetSsh)", "-", "-", "-",
                        NetworkPolicies::sshOnlyWhenEnabled),
                new Policy("fw-no-world-on-esl-ssh", "No firewall opens ESL or SSH to 0.0.0.0/0", "-", "-",
                        "AVD-GCP-0027", NetworkPolicies::noWorldOnEslOrSsh),
                new Policy("fw-esl-controllers-only",
                        "ESL is reachable only from the stack's controller CIDRs (mediaplane:controllerCidrs)", "-", "-",
                        "-", NetworkPolicies::eslControllersOnly),
                new Policy("vpc-flow-logs", "Every subnet the stack creates has VPC flow logs (logConfig)", "3.8",
                        "CKV_GCP_26", "AVD-GCP-0029", NetworkPolicies::flowLogs));
    }

    /** Where an ingress rule admits traffic from. */
    record Sources(List<String> ranges, boolean implicitWorld, boolean taggedOnly) {}

    static Sources sources(Map<String, Object> inputs) {
        List<String> ranges = Inputs.list(inputs.get("sourceRanges")).stream().map(String::valueOf).toList();
        if (!ranges.isEmpty()) {
            return new Sources(ranges, false, false);
        }
        boolean tagged = !Inputs.list(inputs.get("sourceTags")).isEmpty()
                || !Inputs.list(inputs.get("sourceServiceAccounts")).isEmpty();
        // The API admits 0.0.0.0/0 when an ingress rule names no source at all.
        return new Sources(List.of(), !tagged, tagged);
    }

    static boolean isIngress(PlannedResource r) {
        if (!r.type().equals(GcpTypes.FIREWALL) || Inputs.truthy(r.inputs().get("disabled"))) {
            return false;
        }
        Object dir = r.inputs().get("direction");
        return dir == null || String.valueOf(dir).equalsIgnoreCase("INGRESS");
    }

    /** Whether any {@code allows} entry of the rule admits {@code tcp/port}. */
    static boolean allowsTcp(PlannedResource r, int port) {
        for (Object a : Inputs.list(r.inputs().get("allows"))) {
            Map<String, Object> allow = Inputs.map(a);
            String proto = String.valueOf(allow.get("protocol")).toLowerCase(Locale.ROOT);
            if (!(proto.equals("tcp") || proto.equals("6") || proto.equals("all"))) {
                continue;
            }
            List<?> ports = Inputs.list(allow.get("ports"));
            if (ports.isEmpty()) {
                return true;
            }
            for (Object p : ports) {
                if (portCovers(String.valueOf(p), port)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code "22"} or {@code "1000-2000"}; anything unreadable counts as covering (fail safe). */
    static boolean portCovers(String spec, int port) {
        try {
            int dash = spec.indexOf('-');
            if (dash < 0) {
                return Integer.parseInt(spec.strip()) == port;
            }
            int lo = Integer.parseInt(spec.substring(0, dash).strip());
            int hi = Integer.parseInt(spec.substring(dash + 1).strip());
            return lo <= port && port <= hi;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    static boolean isWorld(String range) {
        Cidr c = Cidr.tryParse(range);
        return (c != null && c.prefix() == 0) || range.strip().equals("::/0");
    }

    private static Policy.Rule iapOnly(ToIntFunction<PolicyContext> port, String what) {
        return (plan, ctx, out) -> plan.resources().stream()
                .filter(r -> isIngress(r) && allowsTcp(r, port.applyAsInt(ctx)))
                .forEach(r -> {
                    Sources s = sources(r.inputs());
                    if (s.implicitWorld()) {
                        out.fail(r, "sourceRanges", null, what + " with no source admits 0.0.0.0/0; allowed: "
                                + IAP + " only");
                    }
                    for (int i = 0; i < s.ranges().size(); i++) {
                        Cidr c = Cidr.tryParse(s.ranges().get(i));
                        if (c == null || !IAP.contains(c)) {
                            out.fail(r, "sourceRanges[" + i + "]", s.ranges().get(i),
                                    what + " must come through IAP; allowed: " + IAP + " only");
                        }
                    }
                });
    }

    private static void noWorldOnEslOrSsh(Plan plan, PolicyContext ctx, Findings out) {
        plan.resources().stream()
                .filter(r -> isIngress(r) && (allowsTcp(r, SSH) || allowsTcp(r, ctx.eslPort())))
                .forEach(r -> {
                    String ports = allowsTcp(r, ctx.eslPort()) ? "ESL (tcp/" + ctx.eslPort() + ")" : "SSH (tcp/22)";
                    Sources s = sources(r.inputs());
                    if (s.implicitWorld()) {
                        out.fail(r, "sourceRanges", null, "no source admits 0.0.0.0/0 to " + ports);
                    }
                    for (int i = 0; i < s.ranges().size(); i++) {
                        if (isWorld(s.ranges().get(i))) {
                            out.fail(r, "sourceRanges[" + i + "]", s.ranges().get(i),
                                    "opens " + ports + " to the internet");
                        }
                    }
                });
    }

    private static void sshOnlyWhenEnabled(Plan plan, PolicyContext ctx, Findings out) {
        if (ctx.config().fleet().ssh()) {
            return;
        }
        plan.resources().stream().filter(r -> isIngress(r) && allowsTcp(r, SSH)).forEach(r ->
                out.fail(r, "allows", r.inputs().get("allows"),
                        "admits SSH while mediaplane:fleetSsh is false; no port 22 unless the stack asks for it"));
    }

    private static void eslControllersOnly(Plan plan, PolicyContext ctx, Findings out) {
        List<Cidr> controllers = ctx.controllerCidrs();
        String allowed = "allowed: sources inside " + ctx.config().controller().cidrs();
        plan.resources().stream()
                .filter(r -> isIngress(r) && allowsTcp(r, ctx.eslPort()))
                .forEach(r -> {
                    Sources s = sources(r.inputs());
                    if (s.implicitWorld()) {
                        out.fail(r, "sourceRanges", null, "ESL with no source admits 0.0.0.0/0; " + allowed);
                    }
                    if (s.taggedOnly()) {
                        String key = Inputs.list(r.inputs().get("sourceTags")).isEmpty() ? "sourceServiceAccounts" : "sourceTags";
                        out.fail(r, key, r.inputs().get(key), "ESL opened to tagged VMs, not to the controllers; " + allowed);
                    }
                    for (int i = 0; i < s.ranges().size(); i++) {
                        Cidr c = Cidr.tryParse(s.ranges().get(i));
                        if (c == null || controllers.stream().noneMatch(k -> k.contains(c))) {
                            out.fail(r, "sourceRanges[" + i + "]", s.ranges().get(i),
                                    "ESL (tcp/" + ctx.eslPort() + ") reachable from outside the controllers; " + allowed);
                        }
                    }
                });
    }

    private static void flowLogs(Plan plan, PolicyContext ctx, Findings out) {
        plan.ofType(GcpTypes.SUBNETWORK).forEach(r -> {
            if (NO_FLOW_LOGS.contains(String.valueOf(r.inputs().get("purpose")))) {
                return;
            }
            if (!(r.inputs().get("logConfig") instanceof Map<?, ?>)) {
                out.fail(r, "logConfig", r.inputs().get("logConfig"), "flow logs must be on for every created subnet");
            }
        });
    }
}
