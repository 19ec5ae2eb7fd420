package dev.mediaplane.ops.node;

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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A loopback node's event socket with the state the day-2 commands change: the inbound pause
 * flag, live channels, and per-user API lists. It speaks the ESL text protocol as
 * mod_event_socket does (the format strings esl/FakeFreeSwitch follows, which is package-private
 * to the ESL tests and has neither state nor {@code esl-allowed-api}):
 * {@code auth/request}; {@code userauth user@domain:pass} answered {@code +OK accepted} with the
 * Allowed-* headers, or {@code -ERR invalid} and a disconnect; an API outside the user's
 * {@code esl-allowed-api} answered {@code -ERR permission denied} as a command/reply (parse_command's
 * auth_api_command check); {@code api} output as {@code api/response}; {@code exit} answered
 * {@code +OK bye} and a disconnect notice. The API outputs are mod_commands': {@code fsctl pause
 * inbound} "+OK", {@code fsctl pause_check inbound} "true"/"false", {@code show channels count}
 * "\n<n> total.\n".
 *
 * <p>Events as mod_event_socket sends them: {@code event plain|json <names>} answered
 * {@code +OK event listener enabled <format>}; {@code filter <header> <value>} answered
 * {@code +OK filter added. [h]=[v]}, and with filters set an event passes only when one of its headers
 * equals one filter's value (event_handler's loop: alternatives); {@code bgapi <cmd>} (with an optional
 * {@code Job-UUID} header) checked against the API list like {@code api}, answered
 * {@code +OK Job-UUID: <uuid>} at once and its output later as a BACKGROUND_JOB event. {@link #emit} sends
 * an event to every session subscribed to it.
 */
public final class EslNode implements AutoCloseable {

    public static final String GOODBYE = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";

    /** What the rendered controller user may run (NodeModel's eslAllowedApi): no fsctl, sofia or reloadxml. */
    public static final Set<String> CONTROLLER_API = Set.of("status", "version", "uptime", "show", "uuid_exists", "uuid_dump",
            "uuid_getvar", "uuid_setvar", "uuid_setvar_multi", "uuid_answer", "uuid_park", "uuid_kill", "uuid_break",
            "uuid_displace", "uuid_record", "uuid_bridge", "uuid_hold", "uuid_send_dtmf", "uuid_transfer", "conference",
            "valet_info");

    public final ServerSocket server;
    /** user@domain -> password. */
    public final Map<String, String> passwords = new ConcurrentHashMap<>();
    /** user@domain -> allowed API names; absent means "all". */
    public final Map<String, Set<String>> allowed = new ConcurrentHashMap<>();
    public final AtomicBoolean paused = new AtomicBoolean();
    public final AtomicInteger channels = new AtomicInteger();
    public final List<String> apiCalls = Collections.synchronizedList(new ArrayList<>());
    public final AtomicInteger logins = new AtomicInteger();
    public final AtomicInteger refusedLogins = new AtomicInteger();
    /** Answers APIs the state machine does not know (sofia, reloadxml, ...); null: "-ERR <cmd> Command not found!". */
    public volatile Function<String, String> otherApi = cmd -> null;
    /** Called with each api command before it is answered; may cut the connection (return false). */
    public volatile Function<String, Boolean> beforeApi = cmd -> true;
    private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());
    private final List<Listener> listeners = Collections.synchronizedList(new ArrayList<>());

    /** One logged-in session's event subscription. */
    private static final class Listener {
        final OutputStream out;
        Socket socket;
        final Set<String> events = ConcurrentHashMap.newKeySet();
        final List<String[]> filters = Collections.synchronizedList(new ArrayList<>());
        volatile String format = "plain";

        Listener(OutputStream out) {
            this.out = out;
        }

        boolean wants(Map<String, String> e) {
            if (!events.contains(e.get("Event-Name")) && !events.contains("ALL")) {
                return false;
            }
            synchronized (filters) {
                if (filters.isEmpty()) {
                    return true;
                }
                for (String[] f : filters) {
                    if (f[1].equalsIgnoreCase(e.getOrDefault(f[0], "\0none"))) {
                        return true;
                    }
                }
                return false;
            }
        }
    }

    /** Sends an event (headers in order; body for BACKGROUND_JOB output) to every session that subscribed to it and whose filters pass. */
    public void emit(Map<String, String> headers, String body) {
        List<Listener> all;
        synchronized (listeners) {
            all = List.copyOf(listeners);
        }
        for (Listener l : all) {
            if (l.wants(headers)) {
                try {
                    byte[] frame = dev.mediaplane.esl.FakeFreeSwitchAccess.eventFrame(headers, body, l.format);
                    synchronized (l.out) {
                        l.out.write(frame);
                        l.out.flush();
                    }
                } catch (IOException e) {
                    // that session is gone
                }
            }
        }
    }

    public EslNode() throws IOException {
        this(InetAddress.getLoopbackAddress(), 0);
    }

    /** A node listening on {@code address:port} (several nodes on 127.0.0.x share one port, as a fleet shares eslPort). */
    public EslNode(InetAddress address, int port) throws IOException {
        server = new ServerSocket(port, 50, address);
        Thread t = new Thread(this::acceptLoop, "esl-node-accept");
        t.setDaemon(true);
        t.start();
    }

    public EslNode user(String userAtDomain, String password, Set<String> api) {
        passwords.put(userAtDomain, password);
        if (api != null) {
            allowed.put(userAtDomain, api);
        }
        return this;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Resets every open connection, as a crashed node or a cut network does. */
    public void cutAll() {
        synchronized (sockets) {
            for (Socket s : sockets) {
                try {
                    s.setSoLinger(true, 0);
                    s.close();
                } catch (IOException ignored) {
                    // gone
                }
            }
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                Thread t = new Thread(() -> session(s), "esl-node-session");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void session(Socket s) {
        try (s) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            send(out, "Content-Type: auth/request\n\n");
            String user = null;
            Listener listener = null;
            while (true) {
                Map<String, String> headers = new java.util.LinkedHashMap<>();
                String line = readCommand(in, headers);
                if (line == null) {
                    return;
                }
                if (line.startsWith("exit")) {
                    reply(out, "+OK bye");
                    send(out, "Content-Type: text/disconnect-notice\nContent-Length: " + GOODBYE.length() + "\n\n" + GOODBYE);
                    return;
                }
                if (user == null) {
                    if (!line.startsWith("userauth ")) {
                        reply(out, line.startsWith("auth ") ? "-ERR invalid" : "-ERR command not found");
                        if (line.startsWith("auth ")) {
                            refusedLogins.incrementAndGet();
                            return;
                        }
                        continue;
                    }
                    String rest = line.substring(9);
                    int colon = rest.indexOf(':', Math.max(0, rest.indexOf('@')));
                    String who = colon < 0 ? rest : rest.substring(0, colon);
                    String pass = colon < 0 ? null : rest.substring(colon + 1);
                    if (pass != null && pass.equals(passwords.get(who))) {
                        user = who;
                        logins.incrementAndGet();
                        listener = new Listener(out);
                        listener.socket = s;
                        listeners.add(listener);
                        send(out, "Content-Type: command/reply\nReply-Text: +OK accepted\nAllowed-Events: all\nAllowed-API: "
                                + (allowed.containsKey(who) ? String.join(" ", allowed.get(who)) : "all") + "\nAllowed-LOG: false\n\n");
                        continue;
                    }
                    refusedLogins.incrementAndGet();
                    reply(out, "-ERR invalid");
                    send(out, "Content-Type: text/disconnect-notice\nContent-Length: " + GOODBYE.length() + "\n\n" + GOODBYE);
                    return;
                }
                if (line.startsWith("event ")) {
                    String[] w = line.split(" ");
                    listener.format = w[1];
                    listener.events.addAll(List.of(w).subList(2, w.length));
                    reply(out, "+OK event listener enabled " + w[1]);
                    continue;
                }
                if (line.startsWith("filter ")) {
                    String[] w = line.split(" ", 3);
                    listener.filters.add(new String[] {w[1], w[2]});
                    reply(out, "+OK filter added. [" + w[1] + "]=[" + w[2] + "]");
                    continue;
                }
                if (line.startsWith("bgapi ")) {
                    String cmd = line.substring(6);
                    apiCalls.add(cmd);
                    Set<String> api = allowed.get(user);
                    if (api != null && !api.contains(cmd.split(" ", 2)[0])) {
                        reply(out, "-ERR permission denied");
                        continue;
                    }
                    String job = headers.getOrDefault("Job-UUID", java.util.UUID.randomUUID().toString());
                    send(out, "Content-Type: command/reply\nReply-Text: +OK Job-UUID: " + job + "\nJob-UUID: " + job + "\n\n");
                    Thread bg = new Thread(() -> {
                        Map<String, String> ev = new java.util.LinkedHashMap<>();
                        ev.put("Event-Name", "BACKGROUND_JOB");
                        ev.put("Core-UUID", "stand-in-core");
                        ev.put("Job-UUID", job);
                        ev.put("Job-Command", cmd.split(" ", 2)[0]);
                        emit(ev, answer(cmd));
                    }, "esl-node-bgapi");
                    bg.setDaemon(true);
                    bg.start();
                    continue;
                }
                if (!line.startsWith("api ")) {
                    reply(out, "-ERR command not found");
                    continue;
                }
                String cmd = line.substring(4);
                apiCalls.add(cmd);
                if (!beforeApi.apply(cmd)) {
                    s.setSoLinger(true, 0);
                    return;
                }
                Set<String> api = allowed.get(user);
                if (api != null && !api.contains(cmd.split(" ", 2)[0])) {
                    reply(out, "-ERR permission denied");
                    continue;
                }
                byte[] body = answer(cmd).getBytes(StandardCharsets.UTF_8);
                send(out, "Content-Type: api/response\nContent-Length: " + body.length + "\n\n");
                out.write(body);
                out.flush();
            }
        } catch (IOException e) {
            // client went away, or the test cut the connection
        } finally {
            synchronized (listeners) {
                listeners.removeIf(l -> l.socket == s);
            }
        }
    }



    private String answer(String cmd) {
        int n = channels.get();
        switch (cmd) {
            case "fsctl pause inbound":
                paused.set(true);
                return "+OK\n";
            case "fsctl resume inbound":
                paused.set(false);
                return "+OK\n";
            case "fsctl pause_check inbound":
                return paused.get() ? "true" : "false";
            case "show channels count":
                return "\n" + n + " total.\n";
            case "show calls count":
                return "\n" + (n / 2) + " total.\n";
            case "status":
                return "UP 0 years, 0 days, 1 hour, 2 minutes, 3 seconds, 0 milliseconds, 0 microseconds\n"
                        + "FreeSWITCH (Version 1.11.2 git 0000000 2026-08-01 00:00:00Z 64bit) is ready\n"
                        + n + " session(s) since startup\n";
            default:
                String other = otherApi.apply(cmd);
                return other != null ? other : "-ERR " + cmd.split(" ", 2)[0] + " Command not found!\n";
        }
    }

    private static void reply(OutputStream out, String text) throws IOException {
        send(out, "Content-Type: command/reply\nReply-Text: " + text + "\n\n");
    }

    private static void send(OutputStream out, String s) throws IOException {
        synchronized (out) {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    /** read_packet: lines up to an empty line; the first is the command, the others headers (Job-UUID). */
    private static String readCommand(InputStream in, Map<String, String> headers) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        String first = null;
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
                if (first == null) {
                    continue;
                }
                return first;
            }
            if (first == null) {
                first = line.toString(StandardCharsets.UTF_8);
            } else {
                String h = line.toString(StandardCharsets.UTF_8);
                int c = h.indexOf(':');
                if (c > 0) {
                    headers.put(h.substring(0, c), h.substring(c + 1).strip());
                }
            }
            line.reset();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        cutAll();
    }
}
