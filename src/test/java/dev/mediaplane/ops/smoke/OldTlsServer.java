package dev.mediaplane.ops.smoke;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real TLS server that speaks only an old protocol version, in a JVM of its own: the JDK
 * disables TLS 1.0/1.1 through the security property {@code jdk.tls.disabledAlgorithms}, read once
 * per JVM, so the old version is enabled only in the child (a properties file passed with
 * {@code -Djava.security.properties}) and never in the JVM that runs the tests and the client.
 */
public final class OldTlsServer implements AutoCloseable {

    private final Process process;
    private final int port;

    private OldTlsServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts {@link SipTlsResponder} with only {@code protocol} (e.g. TLSv1.1) on {@code keystore}. */
    public static OldTlsServer start(Path keystore, String protocol, Path dir) throws IOException, InterruptedException {
        Path props = dir.resolve("old-tls.security");
        Files.writeString(props, "jdk.tls.disabledAlgorithms=SSLv3, RC4, DES, MD5withRSA, DH keySize < 1024, 3DES_EDE_CBC, anon, NULL\n");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Djava.security.properties=" + props, "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), keystore.toString(), protocol));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        InputStream in = p.getInputStream();
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            line.append((char) c);
        }
        if (!line.toString().startsWith("LISTENING ")) {
            p.destroyForcibly();
            throw new IOException("old TLS server did not start: " + line + new String(in.readAllBytes()));
        }
        return new OldTlsServer(p, Integer.parseInt(line.substring(10).strip()));
    }

    public int port() {
        return port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** The child: serve until killed. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            SipTlsResponder r = new SipTlsResponder(Path.of(args[0]), args[1]);
            System.out.println("LISTENING " + r.port());
            System.out.flush();
            Thread.currentThread().join();
        }
    }
}
