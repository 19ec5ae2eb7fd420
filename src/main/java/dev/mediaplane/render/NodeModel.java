package dev.mediaplane.render;

import dev.mediaplane.config.StackConfig;
import java.util.List;

/**
 * What the templates may see: plain values derived from {@link StackConfig}, nothing node-specific
 * and nothing secret. Node values and secrets are FreeSWITCH {@code $${...}} variables defined in
 * the include files boot writes ({@link NodeContract}, which templates see as {@code c}).
 */
public record NodeModel(
        /** Pulumi stack name, for comments and node.env. */
        String stack,
        /** Resource name prefix; default Secret Manager id prefix. */
        String prefix,
        /** GCP project the node reads secrets from when metadata does not say otherwise. */
        String project,
        Trunk trunk,
        Controller controller,
        /** First RTP port; the same record feeds the firewall. */
        int rtpStartPort,
        /** Last RTP port, even (FreeSWITCH rounds an odd one down); the firewall opens one above it for RTCP. */
        int rtpEndPort,
        Fleet fleet,
        /** Whether the fleet has an internal load balancer, so the ilb sofia profile listens on its address; false: no profile. */
        boolean internalLoadBalancer,
        /** FreeSWITCH modules in load order. */
        List<String> modules,
        /** API commands the controller's ESL user may run; everything else is refused. */
        List<String> eslAllowedApi,
        /** API commands the operator's ESL user (drain, undrain, rollout, smoke, synthetic) may run; everything else is refused. */
        List<String> eslOperatorApi,
        /** Events the operator's ESL user may subscribe to (smoke's and synthetic's test calls). */
        List<String> eslOperatorEvents,
        /** The speech-to-text service calls stream to (node.env STREAM_PROVIDER): deepgram, assemblyai or none. */
        String streamProvider,
        /** The agent's secret refresh period in seconds, 0 off (node.env SECRET_REFRESH_SECONDS). */
        int secretRefreshSeconds) {

    public NodeModel {
        modules = List.copyOf(modules);
        eslAllowedApi = List.copyOf(eslAllowedApi);
        eslOperatorApi = List.copyOf(eslOperatorApi);
        eslOperatorEvents = List.copyOf(eslOperatorEvents);
    }

    /**
     * The sofia profiles a node of this release runs, in the order boot and /ready check them: external,
     * internal, and ilb when the fleet has an internal load balancer.
     */
    public List<String> sipProfiles() {
        return internalLoadBalancer ? List.of("external", "internal", "ilb") : List.of("external", "internal");
    }

    /** The trunk as the external profile sees it. */
    public record Trunk(String gatewayHost, String username, int sipTlsPort, boolean verifyPeer,
            List<String> signalingCidrs, List<String> mediaCidrs) {
        public Trunk {
            signalingCidrs = List.copyOf(signalingCidrs);
            mediaCidrs = List.copyOf(mediaCidrs);
        }

        /** tls-verify-policy: verify the trunk's certificate on connections we open when the trunk allows it. */
        public String tlsVerifyPolicy() {
            return verifyPeer ? "out" : "none";
        }
    }

    public record Controller(List<String> cidrs, int eslPort, int internalSipPort) {
        public Controller {
            cidrs = List.copyOf(cidrs);
        }
    }

    public record Fleet(int maxSessions, int sessionsPerSecond, int healthPort, int drainTimeoutSec) {}

    static final List<String> MODULES = List.of("mod_console", "mod_logfile", "mod_event_socket", "mod_sofia",
            "mod_loopback", "mod_commands", "mod_conference", "mod_dptools", "mod_valet_parking", "mod_dialplan_xml",
            "mod_sndfile", "mod_native_file", "mod_tone_stream");

    static final List<String> ESL_ALLOWED_API = List.of("status", "version", "uptime", "show", "uuid_exists",
            "uuid_dump", "uuid_getvar", "uuid_setvar", "uuid_setvar_multi", "uuid_answer", "uuid_park", "uuid_kill",
            "uuid_break", "uuid_displace", "uuid_record", "uuid_bridge", "uuid_hold", "uuid_send_dtmf",
            "uuid_transfer", "conference", "valet_info");

    /**
     * What the day-2 commands send as {@code api}/{@code bgapi} (mod_event_socket checks a bgapi's command against
     * the same list): drain and undrain (ops/node: {@code fsctl pause|resume|pause_check inbound},
     * {@code show channels|calls count}; rollout drains with the same), smoke ({@code status}) and the test call of
     * smoke and synthetic (ops/smoke/TestCall: {@code originate}, {@code uuid_setvar}, {@code uuid_kill}). Nothing
     * else: {@code originate ... &app(...)} is why vars.xml turns off the system apps.
     */
    static final List<String> ESL_OPERATOR_API = List.of("status", "show", "fsctl", "originate", "uuid_setvar", "uuid_kill");

    /** ops/smoke/TestCall.EVENTS and the BACKGROUND_JOB event that carries a bgapi's result. */
    static final List<String> ESL_OPERATOR_EVENTS = List.of("CHANNEL_ANSWER", "CHANNEL_PARK", "CHANNEL_HANGUP_COMPLETE",
            "BACKGROUND_JOB");

    /** Builds the model; pure, so equal configs give equal bundles. */
    public static NodeModel of(StackConfig c) {
        return new NodeModel(c.stack(), c.prefix(), c.project(),
                new Trunk(c.trunk().gatewayHost(), c.trunk().username(), c.trunk().sipTlsPort(), c.trunk().verifyPeer(),
                        c.trunk().signalingCidrs(), c.trunk().mediaCidrs()),
                new Controller(c.controller().cidrs(), c.controller().eslPort(), c.controller().internalSipPort()),
                c.rtp().startPort(), c.rtp().lastRtpPort(),
                new Fleet(c.fleet().maxSessions(), c.fleet().sessionsPerSecond(), c.fleet().healthPort(),
                        c.fleet().drainTimeoutSec()),
                c.fleet().balanced(),
                MODULES,
                ESL_ALLOWED_API,
                ESL_OPERATOR_API,
                ESL_OPERATOR_EVENTS,
                c.stream().provider().id(),
                c.secrets().refreshSeconds());
    }
}
