package dev.asterism.server.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asterism.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentCertificateAuthorityTest {

    @TempDir
    Path dataDirectory;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void the_ca_survives_a_restart_with_the_same_fingerprint() {
        AgentCertificateAuthority first = AgentCertificateAuthority.openOrCreate(dataDirectory, List.of(), clock);

        AgentCertificateAuthority second = AgentCertificateAuthority.openOrCreate(dataDirectory, List.of(), clock);

        assertThat(second.caFingerprint()).isEqualTo(first.caFingerprint()).matches("[0-9a-f]{64}");
        assertThat(second.caCertificate()).isEqualTo(first.caCertificate());
        assertThat(second.serverCertificate()).isEqualTo(first.serverCertificate());
    }

    @Test
    void the_fingerprint_is_the_sha256_of_the_ca_certificate() throws Exception {
        AgentCertificateAuthority authority = AgentCertificateAuthority.openOrCreate(dataDirectory, List.of(), clock);

        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(
                authority.caCertificate().getEncoded());
        assertThat(authority.caFingerprint()).isEqualTo(java.util.HexFormat.of().formatHex(digest));
    }

    @Test
    void keys_and_certificates_are_readable_by_the_owner_only() throws Exception {
        AgentCertificateAuthority authority = AgentCertificateAuthority.openOrCreate(dataDirectory, List.of(), clock);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(authority.directory())))
                .isEqualTo("rwx------");
        for (String file : List.of("ca.key", "ca.crt", "server.key", "server.crt")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(authority.directory().resolve(file))))
                    .as(file).isEqualTo("rw-------");
        }
        try (var files = Files.list(authority.directory())) {
            assertThat(files.map(path -> path.getFileName().toString()))
                    .containsExactlyInAnyOrder("ca.key", "ca.crt", "server.key", "server.crt");
        }
    }

    @Test
    void a_loosened_key_file_is_made_owner_only_again_at_start() throws Exception {
        AgentCertificateAuthority authority = AgentCertificateAuthority.openOrCreate(dataDirectory, List.of(), clock);
        Path key = authority.directory().resolve("ca.key");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));

        AgentCertificateAuthority.openOrCreate(dataDirectory, List.of(), clock);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
    }

    @Test
    void a_ca_certificate_without_its_key_stops_the_start_instead_of_making_a_new_ca() throws Exception {
        AgentCertificateAuthority authority = AgentCertificateAuthority.openOrCreate(dataDirectory, List.of(), clock);
        Files.delete(authority.directory().resolve("ca.key"));

        assertThatThrownBy(() -> AgentCertificateAuthority.openOrCreate(dataDirectory, List.of(), clock))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ca.key is missing")
                .hasMessageContaining("restore");
    }

    @Test
    void the_server_certificate_names_loopback_and_the_given_hosts() throws Exception {
        AgentCertificateAuthority authority = AgentCertificateAuthority.openOrCreate(dataDirectory,
                List.of("asterism.example.org", "10.0.0.1"), clock);

        assertThat(authority.serverCertificate().getSubjectAlternativeNames())
                .extracting(name -> (Object) name.get(1))
                .containsExactlyInAnyOrder("localhost", "127.0.0.1", "0:0:0:0:0:0:0:1", "asterism.example.org",
                        "10.0.0.1");
        authority.serverCertificate().verify(authority.caCertificate().getPublicKey());
        assertThat(authority.serverCertificate().getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    }

    @Test
    void the_server_certificate_is_kept_while_the_names_stay_and_renewed_when_they_change() {
        X509Certificate first = AgentCertificateAuthority.openOrCreate(dataDirectory, List.of("a.example"), clock)
                .serverCertificate();

        X509Certificate same = AgentCertificateAuthority.openOrCreate(dataDirectory, List.of("a.example"), clock)
                .serverCertificate();
        AgentCertificateAuthority renamed = AgentCertificateAuthority.openOrCreate(dataDirectory,
                List.of("b.example"), clock);

        assertThat(same).isEqualTo(first);
        assertThat(renamed.serverCertificate()).isNotEqualTo(first);
    }

    @Test
    void the_server_certificate_is_renewed_when_it_nears_its_end() {
        X509Certificate first = AgentCertificateAuthority.openOrCreate(dataDirectory, List.of(), clock)
                .serverCertificate();
        clock.advance(Duration.ofDays(340));

        X509Certificate renewed = AgentCertificateAuthority.openOrCreate(dataDirectory, List.of(), clock)
                .serverCertificate();

        assertThat(renewed).isNotEqualTo(first);
    }

    @Test
    void an_agent_certificate_is_bound_to_its_vm_and_only_for_client_authentication() throws Exception {
        AgentCertificateAuthority authority = AgentCertificateAuthority.openOrCreate(dataDirectory, List.of(), clock);
        KeyPair agentKeys = ecKeyPair();

        X509Certificate certificate = authority.issueAgentCertificate("3f1c-vm", agentKeys.getPublic());

        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=vm:3f1c-vm");
        assertThat(certificate.getSubjectAlternativeNames()).extracting(name -> (Object) name.get(1))
                .containsExactly("asterism:vm:3f1c-vm");
        assertThat(certificate.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(certificate.getBasicConstraints()).isEqualTo(-1);
        assertThat(certificate.getPublicKey()).isEqualTo(agentKeys.getPublic());
        assertThat(certificate.getNotAfter().toInstant()).isEqualTo(clock.instant().plus(Duration.ofDays(30)));
        assertThat(authority.vmIdOf(certificate)).contains("3f1c-vm");
    }

    @Test
    void an_expired_agent_certificate_names_no_vm() throws Exception {
        AgentCertificateAuthority authority = AgentCertificateAuthority.openOrCreate(dataDirectory, List.of(), clock);
        X509Certificate certificate = authority.issueAgentCertificate("vm-1", ecKeyPair().getPublic());

        clock.advance(Duration.ofDays(31));

        assertThat(authority.vmIdOf(certificate)).isEmpty();
    }

    @Test
    void a_certificate_of_another_ca_or_the_server_certificate_names_no_vm(@TempDir Path otherDirectory)
            throws Exception {
        AgentCertificateAuthority authority = AgentCertificateAuthority.openOrCreate(dataDirectory, List.of(), clock);
        AgentCertificateAuthority other = AgentCertificateAuthority.openOrCreate(otherDirectory, List.of(), clock);

        X509Certificate foreign = other.issueAgentCertificate("vm-1", ecKeyPair().getPublic());

        assertThat(authority.vmIdOf(foreign)).isEmpty();
        assertThat(authority.vmIdOf(authority.serverCertificate())).isEmpty();
        assertThat(authority.vmIdOf(authority.caCertificate())).isEmpty();
    }

    @Test
    void a_vm_id_that_could_smuggle_a_name_is_refused() throws Exception {
        AgentCertificateAuthority authority = AgentCertificateAuthority.openOrCreate(dataDirectory, List.of(), clock);
        KeyPair keys = ecKeyPair();

        for (String vmId : List.of("", "vm,CN=admin", "vm/../x", "a".repeat(101))) {
            assertThatThrownBy(() -> authority.issueAgentCertificate(vmId, keys.getPublic()))
                    .as(vmId).isInstanceOf(IllegalArgumentException.class);
        }
    }

    static KeyPair ecKeyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }
}
