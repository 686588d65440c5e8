package dev.asterism.agent.channel;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a server only when its certificate chain leads to the one CA whose SHA-256 fingerprint the agent was
 * given (in the VM's bootstrap data), and then checks the chain as the JDK checks any chain, with that CA as the
 * only trust anchor: signatures, validity, key usage, and the host name against the certificate's names. The
 * system's CAs count for nothing.
 */
final class PinnedCaTrustManager extends X509ExtendedTrustManager {

    private final String fingerprint;
    private final X509Certificate knownCa;

    /**
     * @param fingerprint 64 lower-case hex digits
     * @param knownCa the CA certificate the agent got at registration, or null before it has one
     */
    PinnedCaTrustManager(String fingerprint, X509Certificate knownCa) {
        this.fingerprint = fingerprint;
        this.knownCa = knownCa;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        anchored(chain).checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        anchored(chain).checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        anchored(chain).checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("the agent accepts no connections");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("the agent accepts no connections");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the agent accepts no connections");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return knownCa == null ? new X509Certificate[0] : new X509Certificate[] {knownCa};
    }

    /** A JDK trust manager whose only anchor is the pinned CA, found in the chain when not known yet. */
    private X509ExtendedTrustManager anchored(X509Certificate[] chain) throws CertificateException {
        X509Certificate anchor = knownCa;
        if (anchor == null && chain != null) {
            for (X509Certificate certificate : chain) {
                if (AgentTlsIdentity.fingerprint(certificate).equals(fingerprint)) {
                    anchor = certificate;
                    break;
                }
            }
        }
        if (anchor == null) {
            throw new CertificateException("the server's certificate chain does not lead to the Asterism CA with"
                    + " fingerprint " + fingerprint + " (from the VM's bootstrap data): this is not the Asterism"
                    + " server that created the VM, or its CA was replaced");
        }
        try {
            KeyStore anchors = KeyStore.getInstance("PKCS12");
            anchors.load(null, null);
            anchors.setCertificateEntry("asterism-agent-ca", anchor);
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(anchors);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager extended) {
                    return extended;
                }
            }
            throw new CertificateException("the JDK offers no PKIX trust manager");
        } catch (GeneralSecurityException | IOException e) {
            throw new CertificateException("cannot check the server's certificate against the pinned CA", e);
        }
    }
}
