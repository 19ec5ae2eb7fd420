package dev.mediaplane.agent.secrets;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a certificate and a private key belong together, before agent.pem gets them: the two are separate
 * secrets, rotated one after the other, and a profile restarted on a certificate with the other's key would refuse
 * every TLS handshake. A signature by the key must verify with the certificate's public key.
 */
final class TlsPair {

    private static final Pattern PKCS8 = Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private TlsPair() {}

    /** True or false when both parse (a PKCS#8 key); null when the key is in a form the JDK does not read (not checked). */
    static Boolean matches(byte[] certPem, byte[] keyPem) {
        X509Certificate cert;
        try {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(certPem));
        } catch (Exception e) {
            return null;
        }
        Matcher m = PKCS8.matcher(new String(keyPem, StandardCharsets.US_ASCII));
        if (!m.find()) {
            return null;
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(1));
        } catch (IllegalArgumentException e) {
            return false;
        }
        PublicKey pub = cert.getPublicKey();
        PrivateKey key;
        try {
            key = KeyFactory.getInstance(pub.getAlgorithm()).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (Exception e) {
            return false; // a key of another algorithm than the certificate's, or damaged
        }
        String alg = switch (pub.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (alg == null) {
            return null;
        }
        try {
            byte[] nonce = new byte[32];
            new SecureRandom().nextBytes(nonce);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(nonce);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(nonce);
            return v.verify(sig);
        } catch (Exception e) {
            return false;
        }
    }
}
