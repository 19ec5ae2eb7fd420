package dev.mediaplane.ops.smoke;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A loopback SIP-over-TLS endpoint answering OPTIONS as sofia does (the request's Via, From,
 * Call-ID and CSeq echoed, a To tag added, Allow and Content-Length), on a real JDK TLS server
 * with a self-signed certificate keytool generated. {@code answer} sets the status line.
 */
public final class SipTlsResponder implements AutoCloseable {

    public final SSLServerSocket server;
    public volatile String answer = "200 OK";
    public final List<String> requests = new CopyOnWriteArrayList<>();

    /** keytool -genkeypair into {@code dir}/node.p12 (CN and SAN {@code name} and 127.0.0.1, valid {@code days}); returns the PEM certificate. */
    public static Path certificate(Path dir, String name, int days) throws IOException, InterruptedException {
        Path ks = dir.resolve("node.p12");
        Path pem = dir.resolve("node.pem");
        run(List.of("keytool", "-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-ext", "SAN=dns:" + name + ",ip:127.0.0.1", "-validity", Integer.toString(days), "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit"));
        run(List.of("keytool", "-exportcert", "-rfc", "-alias", "node", "-keystore", ks.toString(), "-storepass", "changeit",
                "-file", pem.toString()));
        return pem;
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(cmd.get(0) + " failed: " + out);
        }
    }

    public SipTlsResponder(Path keystore, String... protocols) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 10, InetAddress.getLoopbackAddress());
        server.setEnabledProtocols(protocols.length == 0 ? new String[] {"TLSv1.3", "TLSv1.2"} : protocols);
        Thread t = new Thread(this::loop, "sip-tls-responder");
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    private void loop() {
        while (!server.isClosed()) {
            try (SSLSocket s = (SSLSocket) server.accept()) {
                s.setSoTimeout(5000);
                String head = readHead(s.getInputStream());
                if (head == null) {
                    continue;
                }
                requests.add(head);
                StringBuilder resp = new StringBuilder("SIP/2.0 ").append(answer).append("\r\n");
                for (String l : head.split("\r\n")) {
                    String lower = l.toLowerCase(java.util.Locale.ROOT);
                    if (lower.startsWith("via:") || lower.startsWith("from:") || lower.startsWith("call-id:") || lower.startsWith("cseq:")) {
                        resp.append(l).append("\r\n");
                    } else if (lower.startsWith("to:")) {
                        resp.append(l).append(";tag=fs1\r\n");
                    }
                }
                resp.append("Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, MESSAGE, INFO, UPDATE, REFER, NOTIFY\r\n")
                        .append("User-Agent: FreeSWITCH-mod_sofia/1.11.2\r\nContent-Length: 0\r\n\r\n");
                OutputStream out = s.getOutputStream();
                out.write(resp.toString().getBytes(StandardCharsets.US_ASCII));
                out.flush();
                s.getInputStream().read(); // until the client closes
            } catch (IOException e) {
                // handshake refused by the client, or closed
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            b.write(c);
            if (b.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                return b.toString(StandardCharsets.US_ASCII);
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
