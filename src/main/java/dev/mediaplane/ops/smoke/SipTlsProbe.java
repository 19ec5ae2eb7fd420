package dev.mediaplane.ops.smoke;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * SIP OPTIONS over TLS to a node's external profile, as a trunk would reach it: a TLS handshake
 * offering only TLS 1.3 and 1.2 (a server that cannot do either fails), the certificate checked
 * against a CA file (or the JDK's trust store; or not at all, reported as such), then one OPTIONS
 * request (RFC 3261 11) and its final response.
 */
public final class SipTlsProbe {

    /** The only protocols offered: mediaplane ships TLS 1.2/1.3 and the check is that nothing older answers. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** How the server's certificate is judged. */
    public sealed interface Trust permits CaFile, SystemTrust, NoVerify {}

    /** PEM certificates (CA or the node's own) the chain must lead to. */
    public record CaFile(Path file) implements Trust {}

    /** The JDK's default trust store. */
    public record SystemTrust() implements Trust {}

    /** Accept any certificate; the result says it was not verified. */
    public record NoVerify() implements Trust {}

    /**
     * @param protocol negotiated TLS version, null when the handshake failed
     * @param cipher negotiated suite
     * @param subject the server certificate's subject
     * @param notAfter its expiry
     * @param sha256 its SHA-256 fingerprint (hex), to compare with a rotated certificate
     * @param status the SIP final response code, -1 when none came
     * @param reason its reason phrase, or the failure
     * @param verified whether the chain was verified
     */
    public record Result(String protocol, String cipher, String subject, Instant notAfter, String sha256, int status,
                         String reason, boolean verified) {}

    private SipTlsProbe() {}

    /**
     * Probes {@code host:port}; {@code verifyName} (optional) is the name sent as SNI and checked
     * against the certificate (the node's SIP domain); without it the chain alone is checked.
     */
    public static Result probe(String host, int port, String verifyName, Trust trust, Duration timeout) throws IOException {
        SSLContext ctx = context(trust);
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            plain.setSoTimeout((int) timeout.toMillis());
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, verifyName != null ? verifyName : host, port, true);
            SSLParameters p = s.getSSLParameters();
            p.setProtocols(PROTOCOLS.toArray(String[]::new));
            if (verifyName != null) {
                p.setServerNames(List.of(new SNIHostName(verifyName)));
                p.setEndpointIdentificationAlgorithm("HTTPS");
            }
            s.setSSLParameters(p);
            try {
                s.startHandshake();
            } catch (SSLException e) {
                throw new IOException("TLS handshake with " + host + ":" + port + " failed offering only " + PROTOCOLS + ": "
                        + e.getMessage(), e);
            }
            X509Certificate cert = (X509Certificate) s.getSession().getPeerCertificates()[0];
            String fp;
            try {
                fp = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
            } catch (GeneralSecurityException e) {
                throw new IOException(e);
            }
            String local = s.getLocalAddress().getHostAddress();
            int lport = s.getLocalPort();
            String branch = "z9hG4bK" + hex(8);
            String callId = hex(12) + "@mediaplane-smoke";
            String target = "sip:" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + ";transport=tls";
            String request = "OPTIONS " + target + " SIP/2.0\r\n"
                    + "Via: SIP/2.0/TLS " + local + ":" + lport + ";branch=" + branch + ";rport\r\n"
                    + "Max-Forwards: 70\r\n"
                    + "From: <sip:smoke@mediaplane.invalid>;tag=" + hex(4) + "\r\n"
                    + "To: <" + target + ">\r\n"
                    + "Call-ID: " + callId + "\r\n"
                    + "CSeq: 1 OPTIONS\r\n"
                    + "Contact: <sip:smoke@" + local + ":" + lport + ";transport=tls>\r\n"
                    + "Accept: application/sdp\r\n"
                    + "User-Agent: mediaplane-smoke\r\n"
                    + "Content-Length: 0\r\n\r\n";
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            int status = -1;
            String reason = "no final response within " + timeout.toMillis() + " ms";
            try {
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        reason = "the server closed the connection without a final response";
                        break;
                    }
                    String first = head.lines().findFirst().orElse("");
                    if (!first.startsWith("SIP/2.0 ") || first.length() < 11) {
                        reason = "not a SIP response: '" + first + "'";
                        break;
                    }
                    int code = Integer.parseInt(first.substring(8, 11));
                    boolean ours = head.lines().anyMatch(l -> l.regionMatches(true, 0, "Call-ID:", 0, 8) && l.contains(callId)
                            || l.regionMatches(true, 0, "i:", 0, 2) && l.contains(callId));
                    if (code >= 200 && ours) {
                        status = code;
                        reason = first.length() > 12 ? first.substring(12) : "";
                        break;
                    }
                }
            } catch (java.net.SocketTimeoutException e) {
                // reason says so
            } catch (NumberFormatException e) {
                reason = "a status line without a code";
            }
            return new Result(s.getSession().getProtocol(), s.getSession().getCipherSuite(), cert.getSubjectX500Principal().getName(),
                    cert.getNotAfter().toInstant(), fp, status, reason, !(trust instanceof NoVerify));
        }
    }

    /** One SIP message head (start line and headers), skipping a body by Content-Length; null at EOF. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            if (b.size() == 0 && (c == '\r' || c == '\n')) {
                continue; // keep-alive CRLFs (RFC 5626)
            }
            b.write(c);
            String s = b.toString(StandardCharsets.US_ASCII);
            if (s.endsWith("\r\n\r\n") || s.endsWith("\n\n")) {
                int len = 0;
                for (String l : s.split("\r?\n")) {
                    if (l.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                        len = Integer.parseInt(l.substring(15).strip());
                    } else if (l.regionMatches(true, 0, "l:", 0, 2)) {
                        len = Integer.parseInt(l.substring(2).strip());
                    }
                }
                in.readNBytes(len);
                return s;
            }
            if (b.size() > 65536) {
                throw new IOException("SIP message head longer than 64 KiB");
            }
        }
    }

    private static SSLContext context(Trust trust) throws IOException {
        try {
            TrustManager[] tms;
            if (trust instanceof NoVerify) {
                tms = new TrustManager[] {new X509TrustManager() {
                    @Override
                    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                    @Override
                    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                    @Override
                    public X509Certificate[] getAcceptedIssuers() {
                        return new X509Certificate[0];
                    }
                }};
            } else if (trust instanceof CaFile f) {
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                int i = 0;
                try (InputStream in = Files.newInputStream(f.file())) {
                    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        ks.setCertificateEntry("ca" + i++, c);
                    }
                }
                if (i == 0) {
                    throw new IOException("--ca-file " + f.file() + " holds no PEM certificate");
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                tms = tmf.getTrustManagers();
            } else {
                tms = null;
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tms, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
