package dev.asterism.agent.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentTlsIdentityTest {

    private static final String FINGERPRINT = "0123456789abcdef".repeat(4);
    /** A self-signed EC certificate (keytool): not the pinned CA, and not for any identity's key. */
    private static final String OTHER_CERTIFICATE = """
            -----BEGIN CERTIFICATE-----
            MIIBZDCCAQugAwIBAgIJAPTi6aZwBlL1MAoGCCqGSM49BAMDMB0xGzAZBgNVBAMT
            EkFzdGVyaXNtIHNhbXBsZSBDQTAgFw0yNjExMjYxNjI1MDBaGA8yMTI2MTEwMjE2
            MjUwMFowHTEbMBkGA1UEAxMSQXN0ZXJpc20gc2FtcGxlIENBMFkwEwYHKoZIzj0C
            AQYIKoZIzj0DAQcDQgAEY+bWalykffT2MgO/1sfKlYwKI/QXnR8riFV42t62Ml0i
            zNWbBqTJymBMpkofUqRfJFoEDOSc38pC+cafkr1gqaMyMDAwHQYDVR0OBBYEFMDL
            CFHLXxC1nzYqBywcrD1MAVvlMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwMD
            RwAwRAIgUxNHNR4/TL+oKcKIigKKQCcunw+HQ3/UswtKgx3tdsMCIDLR3UYQEpF9
            7mTacIOdcK8S3dYWkdq///DZGc0+lcBa
            -----END CERTIFICATE-----
            """;

    @TempDir
    Path stateDirectory;

    @Test
    void the_tls_key_is_an_ec_p256_key_kept_owner_only_across_restarts() throws Exception {
        AgentTlsIdentity first = AgentTlsIdentity.loadOrCreate(stateDirectory, FINGERPRINT);

        AgentTlsIdentity again = AgentTlsIdentity.loadOrCreate(stateDirectory, FINGERPRINT);

        assertThat(again.tlsPublicKey()).isEqualTo(first.tlsPublicKey());
        ECPublicKey key = (ECPublicKey) KeyFactory.getInstance("EC")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(first.tlsPublicKey())));
        assertThat(key.getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
                stateDirectory.resolve(AgentTlsIdentity.KEY_FILE)))).isEqualTo("rw-------");
        assertThat(first.clientCertificate()).isEmpty();
    }

    @Test
    void the_fingerprint_may_have_colons_and_capitals() {
        String colons = String.join(":", FINGERPRINT.toUpperCase().split("(?<=\\G..)"));

        assertThat(AgentTlsIdentity.inMemory(colons).caFingerprint()).isEqualTo(FINGERPRINT);
    }

    @Test
    void a_fingerprint_that_is_not_sha256_is_refused() {
        for (String bad : List.of("", "abcd", "zz".repeat(32), FINGERPRINT + "00")) {
            assertThatThrownBy(() -> AgentTlsIdentity.inMemory(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64 hex digits");
        }
    }

    @Test
    void certificates_from_a_ca_other_than_the_pinned_one_are_refused_and_not_kept() {
        AgentTlsIdentity identity = AgentTlsIdentity.loadOrCreate(stateDirectory, FINGERPRINT);

        assertThatThrownBy(() -> identity.acceptCertificates(OTHER_CERTIFICATE, OTHER_CERTIFICATE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fingerprint from the bootstrap data");
        assertThat(identity.clientCertificate()).isEmpty();
        assertThat(stateDirectory.resolve(AgentTlsIdentity.CERTIFICATE_FILE)).doesNotExist();
    }

    @Test
    void a_client_certificate_for_another_key_is_refused() {
        String pinned = AgentTlsIdentity.fingerprint(parse(OTHER_CERTIFICATE));
        AgentTlsIdentity identity = AgentTlsIdentity.inMemory(pinned);

        // Self-signed: the CA signed it, but it is for the CA's key, not the agent's.
        assertThatThrownBy(() -> identity.acceptCertificates(OTHER_CERTIFICATE, OTHER_CERTIFICATE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not for this agent's TLS key");
    }

    private static java.security.cert.X509Certificate parse(String pem) {
        try {
            return (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(pem.strip().getBytes()));
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalStateException(e);
        }
    }
}
