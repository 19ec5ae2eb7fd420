package dev.mediaplane.esl;

import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/**
 * {@link FakeFreeSwitch} for tests outside this package (the day-2 commands in ops/node), without
 * editing it: start one, add directory users, answer APIs, read what was sent, cut sessions.
 */
public final class FakeFreeSwitchAccess implements AutoCloseable {

    private final FakeFreeSwitch fs;

    public FakeFreeSwitchAccess(String globalPassword) throws IOException {
        fs = new FakeFreeSwitch(globalPassword);
    }

    public int port() {
        return fs.port();
    }

    /** A directory user for {@code userauth user@domain:password}. */
    public FakeFreeSwitchAccess user(String userAtDomain, String password) {
        fs.users.put(userAtDomain, password);
        return this;
    }

    /** Answers {@code api <command>} with the function's text (as api/response). */
    public void api(Function<String, String> answer) {
        fs.api = answer;
    }

    /** Connections accepted so far. */
    public int accepted() {
        return fs.accepted.get();
    }

    /** The commands of the next session that logged in (or tried to), waiting up to 10 s for it. */
    public List<String> nextSessionCommands() throws InterruptedException {
        return fs.nextSession().commands;
    }

    /** Resets every open session, as a crashed node does. */
    public void killSessions() throws InterruptedException {
        FakeFreeSwitch.Session s;
        while ((s = fs.sessions.poll()) != null) {
            s.kill();
        }
    }

    /** The text/event-plain or text/event-json frame mod_event_socket writes for an event (for other stand-ins). */
    public static byte[] eventFrame(java.util.Map<String, String> headers, String body, String format) {
        return FakeFreeSwitch.Session.frame(headers, body, format);
    }

    @Override
    public void close() throws IOException {
        fs.close();
    }
}
