package dev.mediaplane.agent.bridge;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for 127.0.0.1 made once per JVM with the JDK's keytool: the stand-in servers
 * present it, and the bridge's client trusts it (and nothing else), with hostname verification on.
 */
final class TestTls {
    private static final char[] PASS = "test-store-pass".toCharArray();
    private static KeyStore store;
    private static Path storeFile;

    private TestTls() {}

    static synchronized KeyStore keyStore() throws Exception {
        if (store == null) {
            Path dir = Files.createTempDirectory("bridge-tls");
            Path p12 = dir.resolve("server.p12");
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            Process pr = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC",
                    "-groupname", "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1,dns:localhost",
                    "-validity", "2", "-storetype", "PKCS12", "-keystore", p12.toString(), "-storepass",
                    new String(PASS), "-keypass", new String(PASS))).redirectErrorStream(true).start();
            String out = new String(pr.getInputStream().readAllBytes());
            if (!pr.waitFor(60, TimeUnit.SECONDS) || pr.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + out);
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(p12)) {
                ks.load(in, PASS);
            }
            store = ks;
            storeFile = p12;
        }
        return store;
    }

    /** The PKCS12 file of {@link #keyStore()}, for a bridge in another process ({@link #client(Path)}). */
    static synchronized Path keyStoreFile() throws Exception {
        keyStore();
        return storeFile;
    }

    static SSLContext server() throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore(), PASS);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(kmf.getKeyManagers(), null, null);
        return c;
    }

    /** Trusts only the test certificate. */
    static SSLContext client() throws Exception {
        return trusting(keyStore());
    }

    /** Trusts only the certificate in the given {@link #keyStoreFile()} (made by another process). */
    static SSLContext client(Path p12) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, PASS);
        }
        return trusting(ks);
    }

    private static SSLContext trusting(KeyStore server) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", server.getCertificate("server"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, tmf.getTrustManagers(), null);
        return c;
    }
}
