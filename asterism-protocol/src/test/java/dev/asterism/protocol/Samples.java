package dev.asterism.protocol;

import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Messages and keys shared by the tests; every secret in them is a marker that tests search for. */
final class Samples {

    static final String TOKEN = "SECRET-TOKEN-5f2a9c";
    static final String PASSWORD = "SECRET-PASSWORD-81bd4e";
    /** RFC 7748, section 6.1: Alice's public key. */
    static final String ALICE_PUBLIC = java.util.Base64.getEncoder().encodeToString(
            HexFormat.of().parseHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
    static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    /** An agent's EC P-256 TLS public key, base64 of its X.509 SubjectPublicKeyInfo. */
    static final String TLS_PUBLIC_KEY = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEVFDvx8DxL0ix16H9xlovVi59X9zs+CcmBA0iMnqrW6iMWC+3"
            + "JWmCDsVGfXyBYT+F7fxMxhSOv5tmWZ21Zeq6Xw==";
    /** A self-signed certificate for {@link #TLS_PUBLIC_KEY}, CN=vm:vm-0001 (made with keytool). */
    static final String CLIENT_CERTIFICATE = """
            -----BEGIN CERTIFICATE-----
            MIIBQjCB6aADAgECAghhJLVVdiKwRTAKBggqhkjOPQQDAzAVMRMwEQYDVQQDEwp2
            bTp2bS0wMDAxMCAXDTI2MTEyNjE2MjUwMloYDzIxMjYxMTAyMTYyNTAyWjAVMRMw
            EQYDVQQDEwp2bTp2bS0wMDAxMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEVFDv
            x8DxL0ix16H9xlovVi59X9zs+CcmBA0iMnqrW6iMWC+3JWmCDsVGfXyBYT+F7fxM
            xhSOv5tmWZ21Zeq6X6MhMB8wHQYDVR0OBBYEFCVZqPL9Tw0vcsDnESAXsgLL/Bo+
            MAoGCCqGSM49BAMDA0gAMEUCIFI5G5uqGyfXZd8ynR6Q/4xeaD6r6aO9JKM8SVma
            LL8gAiEA9QGzh3QzsGQsMw/5Lbti4vJzBtJ7z5LJPALppy+9hec=
            -----END CERTIFICATE-----
            """;
    /** A self-signed CA certificate, CN=Asterism sample CA (made with keytool). */
    static final String CA_CERTIFICATE = """
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

    private Samples() {
    }

    static SealedBox sealedBox() {
        return new SealedBox(
                "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=",
                "7j3ewU/0MYiiGc7U",
                "43N+YMJ/9Iy3WHAfQ/6+askqjSTnQqSzI6rLGBPJ/Pdp5wmxroG+Yw==",
                "asterism-join-bundle:v1:vm-0001");
    }

    /** One message of every type, with every optional field set. */
    static List<Message> everyMessageType() {
        return List.of(
                new Register("vm-0001", TOKEN, ALICE_PUBLIC, "0.1.0", "linux", TLS_PUBLIC_KEY),
                new Registered("vm-0001", AgentRole.CONTROLLER, NOW, CLIENT_CERTIFICATE, CA_CERTIFICATE),
                new RegistrationRefused("the registration token was used already"),
                new Heartbeat("vm-0001", NOW.plusMillis(1234)),
                new SealedBundle("bundle-7", "analyst-1", sealedBox()),
                new StepReport("bundle-7", 1, "join-domain", StepStatus.FAILED, "adcli exited with 1",
                        NOW.plusSeconds(5)),
                new ControllerCommand("cmd-1", CommandKind.OPEN_PORT_LEASE,
                        Map.of("address", "10.0.0.7", "expiresAt", NOW.plusSeconds(600).toString())),
                new CommandResult("cmd-1", false, "nft refused the rule", Map.of("leaseId", "lease-3")));
    }

    static JoinBundle joinBundle() {
        return new JoinBundle("analyst-1", "C7.ASTERISM.TEST", "ANALYST-1", PASSWORD, "10.0.0.2", List.of(
                new JoinBundle.Step("set-dns", "resolvectl dns eth0 10.0.0.2", false),
                new JoinBundle.Step("join-domain", "echo '" + PASSWORD + "' | adcli join --stdin-password", true),
                new JoinBundle.Step("rename", "hostnamectl set-hostname analyst-1 \u00e9\u00e8 \"quoted\"", false)));
    }
}
