package dev.mediaplane.esl;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One authenticated inbound ESL connection, without reconnects: what the CLI's one-shot commands
 * (smoke, drain) use directly and what {@link EslClient} re-creates after each failure.
 *
 * <p>Protocol, from mod_event_socket.c: on accept, listener_run sends {@code Content-Type:
 * auth/request} (or {@code text/rude-rejection} plus a body, then closes, when the inbound ACL
 * refuses the address). parse_command answers {@code auth <password>} and
 * {@code userauth user@domain:password} with a {@code command/reply} whose Reply-Text is
 * {@code +OK accepted} or {@code -ERR invalid}; after -ERR it clears LFLAG_RUNNING, so listener_run
 * sends a {@code text/disconnect-notice} and closes. Every later command gets exactly one reply in
 * order: {@code api} an {@code api/response} with the output as body (api_exec), everything else a
 * {@code command/reply}; {@code bgapi} replies {@code +OK Job-UUID: <uuid>} at once (taking the
 * uuid from a {@code Job-UUID} header of the command when given) and later fires a BACKGROUND_JOB
 * event with that Job-UUID and the output as body. Events the connection subscribed to with
 * {@code event plain|json <names>} arrive between replies as {@code text/event-plain} or
 * {@code text/event-json}. Commands end with an empty line.
 *
 * <p>One reader thread reads every frame as soon as it arrives: FreeSWITCH queues at most
 * MAX_QUEUE_LEN (100000) events per listener and kills the listener after MAX_MISSED (500) lost
 * events (event_handler), so the socket must never wait for our consumers. Events go to the
 * {@link EventSink}, which must return quickly.
 */
public final class EslConnection implements Closeable {

    private static final Logger LOG = Logger.getLogger(EslConnection.class.getName());

    /** Receives events on the reader thread; it must not block for long. */
    @FunctionalInterface
    public interface EventSink {
        void accept(EslEvent event);
    }

    /**
     * Timeouts and limits of one connection.
     *
     * @param connectTimeout TCP connect and login must finish within this; default 5 s
     * @param replyTimeout a command's reply must arrive within this, or the connection is closed
     *     (replies are matched by order, so a late one would desynchronise it); default 30 s
     * @param maxFrameBytes largest frame body accepted; default 16 MiB, mod_event_socket's own limit
     */
    public record Settings(Duration connectTimeout, Duration replyTimeout, int maxFrameBytes) {
        public Settings {
            requirePositive("connectTimeout", connectTimeout);
            requirePositive("replyTimeout", replyTimeout);
            if (maxFrameBytes < 1024) {
                throw new IllegalArgumentException("maxFrameBytes must be >= 1024, got " + maxFrameBytes);
            }
        }

        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(5), Duration.ofSeconds(30), EslFrameReader.DEFAULT_MAX_BODY_BYTES);
        }

        static void requirePositive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
            }
        }
    }

    /** Event formats of the {@code event} command (XML is not decoded here). */
    public enum Format { PLAIN, JSON }

    /** A started bgapi job: its id, and its output once the BACKGROUND_JOB event arrives. */
    public record BackgroundJob(String jobUuid, CompletableFuture<String> result) {}

    private final EslCredentials credentials;
    private final Settings settings;
    private final EventSink sink;
    private final Socket socket;
    private final EslFrameReader reader;
    private final OutputStream out;
    private final Object writeLock = new Object();
    private final Deque<CompletableFuture<EslMessage>> pending = new ArrayDeque<>();
    private final Map<String, CompletableFuture<String>> jobs = new ConcurrentHashMap<>();
    private final CompletableFuture<EslException> closed = new CompletableFuture<>();
    private final AtomicLong malformedEvents = new AtomicLong();
    private volatile String disconnectNotice;
    private volatile boolean closing;

    private EslConnection(EslCredentials credentials, Settings settings, EventSink sink, Socket socket) throws IOException {
        this.credentials = credentials;
        this.settings = settings;
        this.sink = sink;
        this.socket = socket;
        this.reader = new EslFrameReader(new BufferedInputStream(socket.getInputStream(), 64 * 1024), settings.maxFrameBytes());
        this.out = socket.getOutputStream();
    }

    /**
     * Connects and logs in. Events (after {@link #subscribe}) go to {@code sink}.
     *
     * @throws EslException IO, ACL_REJECTED, AUTH_REJECTED, PROTOCOL, TIMEOUT or DISCONNECTED
     */
    public static EslConnection open(EslCredentials credentials, Settings settings, EventSink sink) throws EslException {
        Socket socket = new Socket();
        String where = credentials.host() + ":" + credentials.port();
        try {
            socket.connect(new InetSocketAddress(credentials.host(), credentials.port()),
                    (int) settings.connectTimeout().toMillis());
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) settings.connectTimeout().toMillis());
            EslConnection c = new EslConnection(credentials, settings, sink, socket);
            c.login();
            socket.setSoTimeout(0); // events may be minutes apart; replies have their own timeout
            Thread t = new Thread(c::readLoop, "esl-reader-" + where);
            t.setDaemon(true);
            t.start();
            return c;
        } catch (SocketTimeoutException e) {
            closeQuietly(socket);
            throw new EslException(EslException.Kind.TIMEOUT, "no login exchange with FreeSWITCH at " + where
                    + " within " + settings.connectTimeout().toMillis() + " ms", e);
        } catch (EslException e) {
            closeQuietly(socket);
            throw e;
        } catch (IOException e) {
            closeQuietly(socket);
            throw new EslException(EslException.Kind.IO, "cannot connect to FreeSWITCH at " + where + ": " + e.getMessage(), e);
        }
    }

    private void login() throws IOException {
        String where = credentials.host() + ":" + credentials.port();
        EslMessage first = readOrFail("waiting for auth/request");
        String type = first.contentType();
        if (type.equals("text/rude-rejection")) {
            throw new EslException(EslException.Kind.ACL_REJECTED, "FreeSWITCH at " + where
                    + " refused this address (text/rude-rejection: " + first.bodyText().strip()
                    + "); check the event socket's apply-inbound-acl");
        }
        if (!type.equals("auth/request")) {
            throw new EslException(EslException.Kind.PROTOCOL, "expected Content-Type auth/request from " + where
                    + ", got '" + type + "': is this FreeSWITCH's event socket?");
        }
        write(credentials.authCommand() + "\n\n");
        EslMessage reply = readOrFail("waiting for the login reply");
        String text = replyText(reply);
        if (!reply.contentType().equals("command/reply")) {
            throw new EslException(EslException.Kind.PROTOCOL, "expected a command/reply to the login from " + where
                    + ", got '" + reply.contentType() + "'");
        }
        if (!text.startsWith("+OK")) {
            throw new EslException(EslException.Kind.AUTH_REJECTED, "FreeSWITCH rejected " + credentials.describe()
                    + " (" + text + "); check the password file boot wrote");
        }
    }

    private EslMessage readOrFail(String what) throws IOException {
        EslMessage m = reader.read();
        if (m == null) {
            throw new EslException(EslException.Kind.DISCONNECTED, "FreeSWITCH at " + credentials.host() + ":"
                    + credentials.port() + " closed the connection " + what);
        }
        if (m.contentType().equals("text/disconnect-notice")) {
            throw new EslException(EslException.Kind.DISCONNECTED, "FreeSWITCH sent a disconnect notice " + what
                    + ": " + m.bodyText().strip());
        }
        return m;
    }

    /**
     * Subscribes to events: {@code event plain|json <names> BACKGROUND_JOB} (BACKGROUND_JOB is
     * always added so {@link #bgapi} results arrive), then one {@code filter <header> <value>} per
     * filter. With filters set, FreeSWITCH only sends events matching one of them.
     */
    public void subscribe(Format format, List<String> events, List<Map.Entry<String, String>> filters) throws EslException {
        StringBuilder cmd = new StringBuilder("event ").append(format.name().toLowerCase(Locale.ROOT));
        boolean hasBackgroundJob = false;
        for (String e : events) {
            cmd.append(' ').append(e);
            hasBackgroundJob |= e.equals("BACKGROUND_JOB") || e.equals("ALL");
        }
        if (!hasBackgroundJob) {
            cmd.append(" BACKGROUND_JOB");
        }
        okReply(command(cmd.toString()), "event");
        for (Map.Entry<String, String> f : filters) {
            okReply(command("filter " + f.getKey() + " " + f.getValue()), "filter");
        }
    }

    /** Runs {@code api <command>} and returns its output (FreeSWITCH reports failures as "-ERR ..." text). */
    public String api(String command) throws EslException {
        EslMessage reply = command("api " + command);
        if (!reply.contentType().equals("api/response")) {
            throw new EslException(EslException.Kind.COMMAND_FAILED,
                    "api " + firstWord(command) + ": " + replyText(reply));
        }
        return reply.bodyText();
    }

    /** Starts {@code bgapi <command>}; the result completes when its BACKGROUND_JOB event arrives. */
    public BackgroundJob bgapi(String command) throws EslException {
        String uuid = UUID.randomUUID().toString();
        CompletableFuture<String> result = new CompletableFuture<>();
        jobs.put(uuid, result); // before sending: the event may overtake our reading of the reply
        try {
            okReply(command("bgapi " + command + "\nJob-UUID: " + uuid), "bgapi " + firstWord(command));
        } catch (EslException e) {
            jobs.remove(uuid);
            throw e;
        }
        return new BackgroundJob(uuid, result);
    }

    /**
     * Sends one command (its first line, plus optional header lines) and waits for its reply.
     * Line breaks are only allowed where this class puts them; a stray empty line would end the
     * command early and make FreeSWITCH read the rest as a second command.
     */
    public EslMessage command(String command) throws EslException {
        if (command.isBlank() || command.contains("\n\n") || command.indexOf('\r') >= 0 || command.endsWith("\n")) {
            throw new IllegalArgumentException("ESL command must be one line (plus header lines), got '"
                    + EslFrameReader.abbreviate(command.replace("\n", "\\n")) + "'");
        }
        CompletableFuture<EslMessage> reply = new CompletableFuture<>();
        synchronized (writeLock) {
            if (closed.isDone()) {
                throw new EslException(EslException.Kind.NOT_CONNECTED, "connection to " + where() + " is closed: "
                        + closed.getNow(null).getMessage());
            }
            synchronized (pending) {
                pending.add(reply);
            }
            try {
                write(command + "\n\n");
            } catch (IOException e) {
                fail(new EslException(EslException.Kind.IO, "sending to " + where() + " failed: " + e.getMessage(), e));
            }
        }
        try {
            return reply.get(settings.replyTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            EslException t = new EslException(EslException.Kind.TIMEOUT, "no reply to '" + firstWord(command)
                    + "' from " + where() + " within " + settings.replyTimeout().toMillis() + " ms; closing the connection");
            fail(t);
            throw t;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof EslException ee ? copy(ee)
                    : new EslException(EslException.Kind.IO, e.getCause().toString(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EslException(EslException.Kind.IO, "interrupted waiting for a reply from " + where(), e);
        }
    }

    /** Sends {@code exit} (FreeSWITCH answers +OK bye, a disconnect notice, and closes), then closes. */
    @Override
    public void close() {
        if (closed.isDone()) {
            return;
        }
        closing = true;
        try {
            command("exit");
        } catch (EslException | RuntimeException e) {
            LOG.log(Level.FINE, "exit on " + where() + ": " + e.getMessage());
        }
        fail(new EslException(EslException.Kind.DISCONNECTED, "connection to " + where() + " closed by us"));
    }

    /** Completes with the reason once the connection is gone (EOF, disconnect notice, error, close). */
    public CompletableFuture<EslException> closedFuture() {
        return closed;
    }

    public boolean isOpen() {
        return !closed.isDone();
    }

    /** Events whose body could not be decoded; each was logged and skipped (the framing stayed intact). */
    public long malformedEvents() {
        return malformedEvents.get();
    }

    private void readLoop() {
        try {
            while (true) {
                EslMessage m = reader.read();
                if (m == null) {
                    String notice = disconnectNotice;
                    fail(new EslException(EslException.Kind.DISCONNECTED, "FreeSWITCH at " + where() + " closed the connection"
                            + (notice == null ? "" : " after a disconnect notice: " + notice)));
                    return;
                }
                dispatch(m);
            }
        } catch (EslException e) {
            fail(e);
        } catch (IOException e) {
            String notice = disconnectNotice;
            fail(new EslException(closing || notice != null ? EslException.Kind.DISCONNECTED : EslException.Kind.IO,
                    "reading from " + where() + " failed: " + e.getMessage()
                    + (notice == null ? "" : " after a disconnect notice: " + notice), e));
        } catch (RuntimeException e) {
            fail(new EslException(EslException.Kind.PROTOCOL, "unexpected failure reading from " + where() + ": " + e, e));
        }
    }

    private void dispatch(EslMessage m) {
        switch (m.contentType()) {
            case "command/reply", "api/response" -> {
                CompletableFuture<EslMessage> f;
                synchronized (pending) {
                    f = pending.poll();
                }
                if (f == null) {
                    LOG.warning("unsolicited " + m.contentType() + " from " + where() + " ignored");
                } else {
                    f.complete(m);
                }
            }
            case "text/event-plain", "text/event-json" -> {
                EslEvent e;
                try {
                    e = m.contentType().endsWith("plain") ? EslEvent.parsePlain(m.rawBody()) : EslEvent.parseJson(m.bodyText());
                } catch (EslException ex) {
                    malformedEvents.incrementAndGet();
                    LOG.warning("skipped a malformed " + m.contentType() + " from " + where() + ": " + ex.getMessage());
                    return;
                }
                CompletableFuture<String> job = e.name().equals("BACKGROUND_JOB") && e.header("Job-UUID") != null
                        ? jobs.remove(e.header("Job-UUID")) : null;
                if (job != null) {
                    job.complete(e.body() == null ? "" : e.body());
                } else {
                    sink.accept(e);
                }
            }
            case "text/disconnect-notice" -> {
                // "linger" only announces that a controlled channel hung up; anything else precedes the close.
                if (!"linger".equalsIgnoreCase(String.valueOf(m.header("Content-Disposition")))) {
                    disconnectNotice = m.bodyText().strip();
                    LOG.fine("disconnect notice from " + where() + ": " + disconnectNotice);
                }
            }
            default -> LOG.fine("ignored a '" + m.contentType() + "' frame from " + where());
        }
    }

    private void fail(EslException cause) {
        if (!closed.complete(cause)) {
            return;
        }
        closeQuietly(socket);
        List<CompletableFuture<EslMessage>> waiting;
        synchronized (pending) {
            waiting = List.copyOf(pending);
            pending.clear();
        }
        waiting.forEach(f -> f.completeExceptionally(cause));
        jobs.values().forEach(f -> f.completeExceptionally(cause));
        jobs.clear();
    }

    private void write(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private String where() {
        return credentials.host() + ":" + credentials.port();
    }

    private static void okReply(EslMessage reply, String what) throws EslException {
        String text = replyText(reply);
        if (!text.startsWith("+OK")) {
            throw new EslException(EslException.Kind.COMMAND_FAILED, what + ": " + text);
        }
    }

    private static String replyText(EslMessage m) {
        String t = m.header("Reply-Text");
        return t == null ? m.bodyText().strip() : t.strip();
    }

    private static String firstWord(String command) {
        int sp = command.indexOf(' ');
        int nl = command.indexOf('\n');
        int end = sp < 0 ? nl : nl < 0 ? sp : Math.min(sp, nl);
        return end < 0 ? command : command.substring(0, end);
    }

    private static EslException copy(EslException e) {
        // A fresh exception so the caller's stack trace shows where it waited.
        return new EslException(e.kind(), e.getMessage(), e);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing a broken socket: nothing left to report
        }
    }
}
