package dev.mediaplane.ops.secrets;

import dev.mediaplane.esl.EslConnection;
import dev.mediaplane.esl.EslCredentials;
import dev.mediaplane.esl.EslException;
import dev.mediaplane.ops.Durations;
import dev.mediaplane.ops.node.NodeControl;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes one node's running FreeSWITCH take a new secret version, over ESL, without dropping a call.
 *
 * <p>The node must first have the new value in its files: its secret refresh (docs/operations.md,
 * "Node side") fetches the latest versions, rewrites secrets.xml and agent.pem compare-then-rename
 * without restarting FreeSWITCH, and records each installed version number as a preprocessor
 * variable {@code mp_secret_version_<suffix>}. This class runs {@code reloadxml} (re-runs the
 * preprocessor, affects no call) until {@code global_getvar} shows the new number, bounded, then
 * the secret's own step ({@link ManagedSecret.Apply}).
 */
public final class NodeSecretApply {

    /** The trunk's gateway in the external profile (templates/freeswitch/sip_profiles/external.xml.ftlx). */
    public static final String GATEWAY = "signalwire";
    public static final String PROFILE = "external";

    private static final Pattern GATEWAY_STATE = Pattern.compile("(?m)^State\\s+(\\S+)");
    private static final Pattern PROFILE_CALLS = Pattern.compile("(?m)^CALLS-(?:IN|OUT)\\s+(\\d+)");
    private static final Pattern PROFILE_RUNNING = Pattern.compile("(?m)^\\s*" + PROFILE + "\\s+profile\\s+\\S+\\s+RUNNING");

    public enum Status { APPLIED, SKIPPED, FAILED, NOT_NEEDED }

    /** One node's outcome; {@code calls} lists the ESL APIs sent, in order (no value is ever part of one). */
    public record Result(String node, Status status, String detail, List<String> calls) {}

    /**
     * @param timeout how long the node gets to report the new version, and the gateway or profile to come back
     * @param interval time between polls
     * @param controllerUser the directory user whose login proves a new ESL password took
     */
    public record Settings(Duration timeout, Duration interval, String controllerUser, EslConnection.Settings connection) {}

    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private final Settings settings;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;

    public NodeSecretApply(Settings settings, LongSupplier nanoTime, Sleeper sleeper) {
        this.settings = settings;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
    }

    /** The ESL calls {@link #apply} makes for {@code s}, for --dry-run and the docs. */
    public static List<String> plan(ManagedSecret s, int version) {
        List<String> calls = new ArrayList<>();
        if (s.apply() == ManagedSecret.Apply.BOOT_ONLY) {
            return List.of("(none: read at boot only)");
        }
        calls.add("reloadxml + global_getvar " + s.versionVariable() + " until it reads " + (version < 0 ? "the new version" : version));
        switch (s.apply()) {
            case GATEWAY_REREGISTER -> {
                calls.add("sofia profile " + PROFILE + " killgw " + GATEWAY);
                calls.add("sofia profile " + PROFILE + " rescan");
                calls.add("sofia status gateway " + GATEWAY + " until State REGED");
            }
            case DIRECTORY_RELOAD -> calls.add("a new ESL login as the controller user with the new password (existing sessions stay)");
            case TLS_PROFILE_RESTART -> {
                calls.add("fsctl pause inbound (unless already paused)");
                calls.add("sofia status profile " + PROFILE + ": CALLS-IN + CALLS-OUT must be 0, else skipped");
                calls.add("sofia profile " + PROFILE + " restart, then sofia status until " + PROFILE + " is RUNNING");
                calls.add("fsctl resume inbound (if this step paused it)");
            }
            case FILE_ONLY -> calls.add("(nothing in FreeSWITCH: the streaming bridge reads the file at its next connection)");
            default -> { }
        }
        return calls;
    }

    /**
     * Before a version is added: the node answers this login and lets it read the version
     * variable (so the login has the APIs the apply needs). Null when fine, else why not; nothing
     * on the node changes.
     */
    public String preflight(EslCredentials operator, ManagedSecret s) {
        if (s.apply() == ManagedSecret.Apply.BOOT_ONLY) {
            return null;
        }
        try (NodeControl esl = NodeControl.open(operator, settings.connection())) {
            esl.api("global_getvar " + s.versionVariable());
            return null;
        } catch (EslException e) {
            return NodeControl.permissionDenied(e)
                    ? e.getMessage() + ": the ESL login needs reloadxml, global_getvar, sofia, fsctl and show (docs/operations.md)"
                    : e.getMessage();
        }
    }

    /**
     * Applies version {@code version} of {@code s} on the node at {@code operator}'s address.
     * {@code value} is used only to log in as the controller when the ESL password changed.
     */
    public Result apply(String node, EslCredentials operator, ManagedSecret s, int version, byte[] value)
            throws InterruptedException {
        List<String> calls = new ArrayList<>();
        if (s.apply() == ManagedSecret.Apply.BOOT_ONLY) {
            return new Result(node, Status.NOT_NEEDED, s.id() + " is read at boot only (installing FreeSWITCH)", calls);
        }
        try (NodeControl esl = NodeControl.open(operator, settings.connection())) {
            long deadline = nanoTime.getAsLong() + settings.timeout().toNanos();
            String seen = "";
            while (true) {
                call(esl, calls, "reloadxml");
                seen = call(esl, calls, "global_getvar " + s.versionVariable()).strip();
                if (seen.equals(Integer.toString(version))) {
                    break;
                }
                if (nanoTime.getAsLong() >= deadline) {
                    return new Result(node, Status.FAILED, "the node reports " + s.versionVariable() + "='" + seen
                            + "', expected " + version + " within " + Durations.format(settings.timeout())
                            + ": its secret refresh has not installed the new version (docs/operations.md, Node side)", calls);
                }
                sleeper.sleep(settings.interval());
            }
            return switch (s.apply()) {
                case GATEWAY_REREGISTER -> reregister(node, esl, calls, deadline);
                case DIRECTORY_RELOAD -> controllerLogin(node, operator, value, calls);
                case TLS_PROFILE_RESTART -> restartProfile(node, esl, calls, deadline);
                case FILE_ONLY -> new Result(node, Status.APPLIED, "file refreshed (version " + version
                        + "); the streaming bridge reads it at its next connection", calls);
                case BOOT_ONLY -> throw new IllegalStateException("handled above");
            };
        } catch (EslException e) {
            String why = NodeControl.permissionDenied(e)
                    ? e.getMessage() + ": the ESL login needs reloadxml, global_getvar, sofia, fsctl and show (docs/operations.md)"
                    : e.getMessage();
            return new Result(node, Status.FAILED, why, calls);
        }
    }

    private Result reregister(String node, NodeControl esl, List<String> calls, long deadline)
            throws EslException, InterruptedException {
        call(esl, calls, "sofia profile " + PROFILE + " killgw " + GATEWAY);
        call(esl, calls, "sofia profile " + PROFILE + " rescan");
        String state = "";
        while (true) {
            Matcher m = GATEWAY_STATE.matcher(call(esl, calls, "sofia status gateway " + GATEWAY));
            state = m.find() ? m.group(1) : "(no State line)";
            if (state.equals("REGED")) {
                return new Result(node, Status.APPLIED, "gateway " + GATEWAY + " re-registered with the new password (State REGED);"
                        + " calls in progress are not affected", calls);
            }
            if (nanoTime.getAsLong() >= deadline) {
                return new Result(node, Status.FAILED, "gateway " + GATEWAY + " is " + state + ", not REGED, after "
                        + Durations.format(settings.timeout()) + ": does the trunk already have the new password?", calls);
            }
            sleeper.sleep(settings.interval());
        }
    }

    private Result controllerLogin(String node, EslCredentials operator, byte[] value, List<String> calls) {
        calls.add("userauth " + settings.controllerUser() + ":<new password>");
        EslCredentials controller;
        try {
            controller = EslCredentials.userauth(operator.host(), operator.port(), settings.controllerUser(),
                    new String(value, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return new Result(node, Status.FAILED, e.getMessage(), calls);
        }
        try (NodeControl c = NodeControl.open(controller, settings.connection())) {
            return new Result(node, Status.APPLIED, "a new login as " + settings.controllerUser() + " with the new password"
                    + " succeeds; open controller sessions stay (ESL checks passwords at login only)", calls);
        } catch (EslException e) {
            return new Result(node, Status.FAILED, "the new password does not log in yet: " + e.getMessage(), calls);
        }
    }

    private Result restartProfile(String node, NodeControl esl, List<String> calls, long deadline)
            throws EslException, InterruptedException {
        boolean wasPaused = paused(esl, calls);
        if (!wasPaused) {
            call(esl, calls, "fsctl pause inbound");
        }
        try {
            int active = 0;
            Matcher m = PROFILE_CALLS.matcher(call(esl, calls, "sofia status profile " + PROFILE));
            while (m.find()) {
                active += Integer.parseInt(m.group(1));
            }
            if (active > 0) {
                return new Result(node, Status.SKIPPED, active + " call" + (active == 1 ? "" : "s") + " on profile " + PROFILE
                        + ": a restart would drop them; the new certificate is in place and loads at the next restart."
                        + " Rerun when idle, or drain the node first", calls);
            }
            call(esl, calls, "sofia profile " + PROFILE + " restart");
            while (!PROFILE_RUNNING.matcher(call(esl, calls, "sofia status")).find()) {
                if (nanoTime.getAsLong() >= deadline) {
                    return new Result(node, Status.FAILED, "profile " + PROFILE + " is not RUNNING after its restart", calls);
                }
                sleeper.sleep(settings.interval());
            }
            return new Result(node, Status.APPLIED, "profile " + PROFILE + " restarted with no call on it and is RUNNING"
                    + " with the new certificate", calls);
        } finally {
            if (!wasPaused) {
                call(esl, calls, "fsctl resume inbound");
            }
        }
    }

    private static boolean paused(NodeControl esl, List<String> calls) throws EslException {
        calls.add("fsctl pause_check inbound");
        return esl.pausedInbound();
    }

    private static String call(NodeControl esl, List<String> calls, String api) throws EslException {
        calls.add(api);
        return esl.api(api);
    }
}
