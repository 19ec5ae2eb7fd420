package dev.mediaplane.esl;

import java.io.IOException;

/**
 * A failure talking to FreeSWITCH's event socket. Messages name the host and port and what was
 * received; they never contain a password (the credentials' {@code toString()} is redacted and no
 * message quotes a command that carries one).
 */
public final class EslException extends IOException {

    /** What went wrong, so callers (and the reconnect loop) can tell them apart. */
    public enum Kind {
        /** TCP connect failed, timed out, or the socket broke. */
        IO,
        /** FreeSWITCH answered {@code -ERR invalid} to {@code auth} or {@code userauth}. */
        AUTH_REJECTED,
        /** FreeSWITCH's inbound ACL refused this address ({@code text/rude-rejection}). */
        ACL_REJECTED,
        /** The peer sent something that is not the ESL protocol (bad framing, absurd Content-Length). */
        PROTOCOL,
        /** The peer closed the connection, possibly after a {@code text/disconnect-notice}. */
        DISCONNECTED,
        /** No reply within the configured reply timeout. */
        TIMEOUT,
        /** A command got a {@code -ERR ...} reply. */
        COMMAND_FAILED,
        /** No connection is up (the client is between reconnects or closed). */
        NOT_CONNECTED
    }

    private final Kind kind;

    public EslException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public EslException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
