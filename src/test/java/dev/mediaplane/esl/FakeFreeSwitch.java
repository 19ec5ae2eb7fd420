package dev.mediaplane.esl;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A loopback stand-in for mod_event_socket that writes the bytes FreeSWITCH writes (the format
 * strings of mod_event_socket.c listener_run, parse_command, api_exec and send_disconnect, and
 * switch_event.c's plain and JSON serialisation), with faults on demand: writes split into
 * {@code chunk}-byte pieces, ACL refusal, wrong passwords, connections cut mid-frame. Public for the agent's
 * black-box tests, which point a child JVM at it through an fs_cli.conf.
 */
public final class FakeFreeSwitch implements AutoCloseable {

    static final String GOODBYE = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";
    private static final String URL_UNSAFE = "\r\n #%&+:;<=>?@[\\]^`{|}\"";

    final ServerSocket server;
    public volatile String password = "";
    final Map<String, String> users = new ConcurrentHashMap<>();
    public volatile boolean aclReject;
    volatile int chunk = 0;
    public volatile Function<String, String> api = cmd -> "+OK " + cmd + "\n";
    final BlockingQueue<Session> sessions = new LinkedBlockingQueue<>();
    public final AtomicInteger accepted = new AtomicInteger();
    private final List<Session> all = Collections.synchronizedList(new ArrayList<>());

    public FakeFreeSwitch(String password) throws IOException {
        this.password = password;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "fake-fs-accept");
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The next session that logged in (or tried to), within 10 s. */
    public Session nextSession() throws InterruptedException {
        return nextSession(10);
    }

    /** The next session that logged in (or tried to), within {@code seconds} (a child JVM on a loaded host starts slowly). */
    public Session nextSession(long seconds) throws InterruptedException {
        Session s = sessions.poll(seconds, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("no ESL connection reached the fake FreeSWITCH within " + seconds + " s");
        }
        return s;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.incrementAndGet();
                Session session = new Session(s);
                all.add(session);
                Thread t = new Thread(session::run, "fake-fs-session");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (all) {
            for (Session s : all) {
                s.kill();
            }
        }
    }

    public final class Session {
        final Socket socket;
        final OutputStream out;
        final List<String> commands = Collections.synchronizedList(new ArrayList<>());
        final Set<String> subscribed = ConcurrentHashMap.newKeySet();
        volatile String format = "plain";
        volatile boolean authed;
        final java.util.concurrent.CountDownLatch subscribedLatch = new java.util.concurrent.CountDownLatch(1);

        Session(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
        }

        void run() {
            try (socket) {
                if (aclReject) { // listener_run: before auth/request, then goto done (no disconnect notice)
                    String msg = "Access Denied, go away.\n";
                    send("Content-Type: text/rude-rejection\nContent-Length: " + msg.length() + "\n\n" + msg);
                    return;
                }
                send("Content-Type: auth/request\n\n");
                InputStream in = socket.getInputStream();
                while (true) {
                    Map<String, String> cmd = readCommand(in);
                    if (cmd == null) {
                        return;
                    }
                    String line = cmd.get("Command");
                    commands.add(line);
                    if (!handle(line, cmd)) {
                        sendDisconnect();
                        return;
                    }
                }
            } catch (IOException e) {
                // the client went away or the test cut the connection
            }
        }

        /** parse_command, reduced to the commands the client sends; false once LFLAG_RUNNING would be cleared. */
        private boolean handle(String line, Map<String, String> headers) throws IOException {
            if (line.startsWith("exit")) {
                reply("+OK bye");
                return false;
            }
            if (!authed) {
                if (line.startsWith("auth ")) {
                    authed = !password.isEmpty() && password.equals(line.substring(5));
                } else if (line.startsWith("userauth ")) {
                    String rest = line.substring(9);
                    int at = rest.indexOf('@');
                    int colon = at < 0 ? -1 : rest.indexOf(':', at);
                    String user = at < 0 ? rest : rest.substring(0, at);
                    String domain = at < 0 ? "" : colon < 0 ? rest.substring(at + 1) : rest.substring(at + 1, colon);
                    String pass = colon < 0 ? null : rest.substring(colon + 1);
                    String expected = users.get(user + "@" + domain);
                    authed = expected != null && expected.equals(pass);
                    if (authed) {
                        send("Content-Type: command/reply\nReply-Text: +OK accepted\nAllowed-Events: all\nAllowed-API: all\n\n");
                        sessions.add(this);
                        return true;
                    }
                } else {
                    reply("-ERR command not found");
                    return true;
                }
                reply(authed ? "+OK accepted" : "-ERR invalid");
                sessions.add(this);
                return authed;
            }
            if (line.startsWith("api ")) {
                String body = api.apply(line.substring(4));
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                send("Content-Type: api/response\nContent-Length: " + b.length + "\n\n" + body);
            } else if (line.startsWith("bgapi ")) {
                String uuid = headers.getOrDefault("Job-UUID", java.util.UUID.randomUUID().toString());
                send("Content-Type: command/reply\nReply-Text: +OK Job-UUID: " + uuid + "\nJob-UUID: " + uuid + "\n\n");
                String[] parts = line.substring(6).split(" ", 2);
                Map<String, String> ev = event("BACKGROUND_JOB");
                ev.put("Job-UUID", uuid);
                ev.put("Job-Command", parts[0]);
                if (parts.length > 1) {
                    ev.put("Job-Command-Arg", parts[1]);
                }
                sendEvent(ev, api.apply(line.substring(6)));
            } else if (line.startsWith("event ")) {
                String[] w = line.split(" ");
                format = w[1];
                subscribed.addAll(List.of(w).subList(2, w.length));
                reply("+OK event listener enabled " + format);
                subscribedLatch.countDown();
            } else if (line.startsWith("filter ")) {
                String[] w = line.split(" ", 3);
                reply("+OK filter added. [" + w[1] + "]=[" + w[2] + "]");
            } else if (line.startsWith("noevents")) {
                reply("+OK no longer listening for events");
            } else {
                reply("-ERR command not found");
            }
            return true;
        }

        /** read_packet: lines up to an empty line; the first is the command. */
        private Map<String, String> readCommand(InputStream in) throws IOException {
            Map<String, String> h = new LinkedHashMap<>();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                if (b == '\r') {
                    continue;
                }
                if (b != '\n') {
                    line.write(b);
                    continue;
                }
                if (line.size() == 0) {
                    if (h.isEmpty()) {
                        continue;
                    }
                    return h;
                }
                String l = line.toString(StandardCharsets.UTF_8);
                line.reset();
                if (h.isEmpty()) {
                    h.put("Command", l);
                } else {
                    int c = l.indexOf(':');
                    h.put(l.substring(0, c), l.substring(c + 1).strip());
                }
            }
        }

        void reply(String text) throws IOException {
            send("Content-Type: command/reply\nReply-Text: " + text + "\n\n");
        }

        void sendDisconnect() throws IOException {
            send("Content-Type: text/disconnect-notice\nContent-Length: " + GOODBYE.length() + "\n\n" + GOODBYE);
        }

        /** Sends an event if subscribed, in the session's format, as read_packet does. */
        public void sendEvent(Map<String, String> headers, String body) throws IOException {
            if (!subscribed.contains(headers.get("Event-Name")) && !subscribed.contains("ALL")) {
                return;
            }
            send(frame(headers, body, format));
        }

        /** The frame read_packet writes for an event: outer headers, then the serialised event. */
        static byte[] frame(Map<String, String> headers, String body, String format) {
            byte[] ebuf = (format.equals("json") ? json(headers, body) : plain(headers, body)).getBytes(StandardCharsets.UTF_8);
            byte[] head = ("Content-Length: " + ebuf.length + "\nContent-Type: text/event-" + format + "\n\n")
                    .getBytes(StandardCharsets.US_ASCII);
            byte[] all = new byte[head.length + ebuf.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(ebuf, 0, all, head.length, ebuf.length);
            return all;
        }

        synchronized void send(String s) throws IOException {
            send(s.getBytes(StandardCharsets.UTF_8));
        }

        synchronized void send(byte[] b) throws IOException {
            int c = chunk;
            if (c <= 0) {
                out.write(b);
                out.flush();
                return;
            }
            for (int i = 0; i < b.length; i += c) {
                out.write(b, i, Math.min(c, b.length - i));
                out.flush();
            }
        }

        /** Writes the first {@code n} bytes of a frame, then resets the connection. */
        synchronized void sendPartialThenDrop(byte[] frame, int n) throws IOException {
            out.write(frame, 0, n);
            out.flush();
            kill();
        }

        /** close_socket: FreeSWITCH shuts the socket down in order, so what it sent is still read. */
        public void closeGracefully() {
            try {
                socket.shutdownOutput();
                socket.close();
            } catch (IOException ignored) {
                // already gone
            }
        }

        /** A reset: whatever the client has not read yet may be lost, as on a crashed node. */
        public void kill() {
            try {
                socket.setSoLinger(true, 0);
                socket.close();
            } catch (IOException ignored) {
                // already gone
            }
        }

        public boolean awaitSubscribed() throws InterruptedException {
            return subscribedLatch.await(10, TimeUnit.SECONDS);
        }
    }

    private static final AtomicInteger SEQ = new AtomicInteger();

    /** The headers switch_event_prep_for_delivery gives every event, plus Event-Name. */
    public static Map<String, String> event(String name) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Event-Name", name);
        h.put("Core-UUID", "6d2d6d4e-9c3f-4a8b-9d0e-000000000001");
        h.put("FreeSWITCH-Hostname", "mp-node-1");
        h.put("Event-Date-Local", "2026-12-01 10:00:00");
        h.put("Event-Sequence", Integer.toString(SEQ.incrementAndGet()));
        return h;
    }

    /**
     * A channel event as FreeSWITCH sends it for a recording (switch_ivr_async.c record_callback: RECORD_START /
     * RECORD_STOP carry the channel's headers, {@code Record-File-Path} and, on stop, {@code Record-Completion-Cause}),
     * stamped with {@code Event-Date-Timestamp} in microseconds as switch_event_prep_for_delivery does.
     */
    public static Map<String, String> recordEvent(String name, String uuid, String path) {
        Map<String, String> h = event(name);
        long us = java.time.Instant.now().getEpochSecond() * 1_000_000 + java.time.Instant.now().getNano() / 1000;
        h.put("Event-Date-Timestamp", Long.toString(us));
        h.put("Unique-ID", uuid);
        h.put("Channel-Call-UUID", uuid);
        h.put("Channel-Name", "sofia/external/+15550100@trunk.example");
        h.put("Record-File-Path", path);
        if (name.equals("RECORD_STOP")) {
            h.put("Record-Completion-Cause", "success-maxtime");
        }
        return h;
    }

    /** Every session that logged in and is still open (events go to each, as FreeSWITCH sends to every listener). */
    public List<Session> liveSessions() {
        synchronized (all) {
            return all.stream().filter(x -> x.authed && !x.socket.isClosed()).toList();
        }
    }

    /** switch_event_serialize(event, &str, SWITCH_TRUE). */
    static String plain(Map<String, String> headers, String body) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : headers.entrySet()) {
            String enc = urlEncode(e.getValue());
            sb.append(e.getKey()).append(": ").append(enc.isEmpty() ? "_undef_" : enc).append('\n');
        }
        if (body != null && !body.isEmpty()) {
            sb.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\n\n").append(body);
        } else {
            sb.append('\n');
        }
        return sb.toString();
    }

    /** switch_event_serialize_json: string members, then Content-Length and _body (cJSON_PrintUnformatted). */
    static String json(Map<String, String> headers, String body) {
        JsonObject o = new JsonObject();
        headers.forEach(o::addProperty);
        if (body != null) {
            o.addProperty("Content-Length", Integer.toString(body.getBytes(StandardCharsets.UTF_8).length));
            o.addProperty("_body", body);
        }
        return new GsonBuilder().disableHtmlEscaping().create().toJson(o);
    }

    /** switch_url_encode_opt(..., double_encode=FALSE), byte by byte on the UTF-8 form (C chars are signed). */
    static String urlEncode(String value) {
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder();
        String hex = "0123456789ABCDEF";
        for (int i = 0; i < b.length; i++) {
            char c = (char) (b[i] & 0xff);
            boolean keepPercent = c == '%' && i + 2 < b.length
                    && hex.indexOf(b[i + 1]) >= 0 && hex.indexOf(b[i + 2]) >= 0;
            if (!keepPercent && (b[i] < ' ' || c > '~' || URL_UNSAFE.indexOf(c) >= 0)) {
                sb.append('%').append(hex.charAt((c >> 4) & 0xf)).append(hex.charAt(c & 0xf));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
