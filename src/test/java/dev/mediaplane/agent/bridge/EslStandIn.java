package dev.mediaplane.agent.bridge;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.function.Function;

/**
 * The ESL client's {@code FakeFreeSwitch} (package-private in dev.mediaplane.esl, edited by another engineer)
 * reached by reflection, so the bridge is tested against the same loopback mod_event_socket as the client
 * itself without changing that class. Only what the bridge tests need: the api handler, the logged-in session
 * and sending an event in the session's format.
 */
final class EslStandIn implements AutoCloseable {
    private static final Class<?> FAKE;
    private static final Class<?> SESSION;

    static {
        try {
            FAKE = Class.forName("dev.mediaplane.esl.FakeFreeSwitch");
            SESSION = Class.forName("dev.mediaplane.esl.FakeFreeSwitch$Session");
        } catch (ClassNotFoundException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object fs;
    private Object session;

    EslStandIn(String password) throws Exception {
        Constructor<?> c = FAKE.getDeclaredConstructor(String.class);
        c.setAccessible(true);
        fs = c.newInstance(password);
    }

    int port() throws Exception {
        return (Integer) method(FAKE, "port").invoke(fs);
    }

    void api(Function<String, String> handler) throws Exception {
        Field f = FAKE.getDeclaredField("api");
        f.setAccessible(true);
        f.set(fs, handler);
    }

    /** Waits for the client's login and subscription. */
    void awaitSession() throws Exception {
        session = method(FAKE, "nextSession").invoke(fs);
        if (!(Boolean) method(SESSION, "awaitSubscribed").invoke(session)) {
            throw new AssertionError("the ESL client did not subscribe");
        }
    }

    /** Cuts the ESL connection (the client reconnects and subscribes again). */
    void kill() throws Exception {
        method(SESSION, "kill").invoke(session);
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> event(String name) throws Exception {
        return (Map<String, String>) method(FAKE, "event", String.class).invoke(null, name);
    }

    void send(Map<String, String> headers) throws Exception {
        method(SESSION, "sendEvent", Map.class, String.class).invoke(session, headers, null);
    }

    private static Method method(Class<?> c, String name, Class<?>... types) throws NoSuchMethodException {
        Method m = c.getDeclaredMethod(name, types);
        m.setAccessible(true);
        return m;
    }

    @Override
    public void close() throws Exception {
        method(FAKE, "close").invoke(fs);
    }
}
