package dev.mediaplane.ops.node;

import dev.mediaplane.esl.EslConnection;
import dev.mediaplane.esl.EslCredentials;
import dev.mediaplane.esl.EslException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ESL commands the day-2 commands send to one node, on one short-lived connection (no event
 * subscription). Each method names the FreeSWITCH API it calls; {@link #calls()} lists them for
 * --dry-run and the docs.
 */
public final class NodeControl implements AutoCloseable {

    /** mod_commands show_function for {@code show ... count}: a line {@code <n> total.} (the drain script greps the same). */
    private static final Pattern TOTAL = Pattern.compile("(?m)^(\\d+) total\\.?\\s*$");

    private final EslCredentials credentials;
    private final EslConnection connection;

    private NodeControl(EslCredentials credentials, EslConnection connection) {
        this.credentials = credentials;
        this.connection = connection;
    }

    /** Connects and logs in; AUTH_REJECTED, ACL_REJECTED, IO, TIMEOUT as {@link EslConnection#open}. */
    public static NodeControl open(EslCredentials credentials, EslConnection.Settings settings) throws EslException {
        return new NodeControl(credentials, EslConnection.open(credentials, settings, e -> { }));
    }

    /** The node's FreeSWITCH refused an API for this login: mod_event_socket's {@code -ERR permission denied}. */
    public static boolean permissionDenied(EslException e) {
        return e.kind() == EslException.Kind.COMMAND_FAILED && e.getMessage() != null
                && e.getMessage().contains("permission denied");
    }

    /** {@code fsctl pause inbound}: FreeSWITCH refuses new inbound sessions (SCF_NO_NEW_INBOUND_SESSIONS). */
    public void pauseInbound() throws EslException {
        ok("fsctl pause inbound");
    }

    /** {@code fsctl resume inbound}: clears the flag again. */
    public void resumeInbound() throws EslException {
        ok("fsctl resume inbound");
    }

    /**
     * {@code fsctl pause_check inbound}: "true" while inbound sessions are refused. This is the very
     * call the node agent's /ready makes (agent/telemetry/Telemetry.java poll(): paused ->
     * readiness() "inbound calls paused (fsctl pause inbound)"), so true here means /ready fails
     * at the agent's next poll.
     */
    public boolean pausedInbound() throws EslException {
        String out = connection.api("fsctl pause_check inbound").strip();
        if (out.equals("true") || out.equals("false")) {
            return out.equals("true");
        }
        throw new EslException(EslException.Kind.COMMAND_FAILED, "fsctl pause_check inbound on " + where()
                + " answered '" + abbreviate(out) + "', expected true or false");
    }

    /** {@code show channels count}: live channels (a bridged call has two); the drain waits for 0, as the drain script does. */
    public int activeChannels() throws EslException {
        return count("show channels count");
    }

    /** {@code show calls count}: bridged calls, for the progress line. */
    public int activeCalls() throws EslException {
        return count("show calls count");
    }

    /** {@code api <command>}; an {@code -ERR} answer is a COMMAND_FAILED naming the command (never its arguments). */
    public String api(String command) throws EslException {
        String out = connection.api(command);
        if (out.startsWith("-ERR")) {
            throw new EslException(EslException.Kind.COMMAND_FAILED, "api " + command.split(" ", 2)[0] + " on " + where()
                    + ": " + abbreviate(out.strip()));
        }
        return out;
    }

    public String where() {
        return credentials.host() + ":" + credentials.port();
    }

    private int count(String cmd) throws EslException {
        String out = api(cmd);
        Matcher m = TOTAL.matcher(out);
        if (!m.find()) {
            throw new EslException(EslException.Kind.PROTOCOL, cmd + " on " + where() + " answered '" + abbreviate(out.strip())
                    + "', expected a line '<n> total.'");
        }
        return Integer.parseInt(m.group(1));
    }

    private void ok(String cmd) throws EslException {
        String out = api(cmd).strip();
        if (!out.startsWith("+OK")) {
            throw new EslException(EslException.Kind.COMMAND_FAILED, cmd + " on " + where() + " answered '" + abbreviate(out)
                    + "', expected +OK");
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }

    public boolean isOpen() {
        return connection.isOpen();
    }

    @Override
    public void close() {
        connection.close();
    }
}
