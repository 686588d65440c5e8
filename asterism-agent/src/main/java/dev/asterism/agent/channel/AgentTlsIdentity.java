package dev.asterism.agent.channel;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * Who the agent is on the TLS channel, and whom it trusts: its own EC P-256 TLS key pair (made here, never sent
 * anywhere), the client certificate the server issued for it at registration, and the server's CA.
 *
 * <p>Before registration the agent trusts only the CA whose SHA-256 fingerprint came in the VM's bootstrap data
 * and presents no certificate. {@link #acceptCertificates} takes the certificates from {@code Registered}: from then
 * on every new connection presents the client certificate, and trusts the CA certificate (still checked against the
 * fingerprint).
 *
 * <p>A persistent identity keeps {@value #KEY_FILE} (the key pair as PKCS#8 and X.509 PEM, mode 0600), {@value #CERTIFICATE_FILE} and
 * {@value #CA_FILE} in the agent's state directory, so that a reboot keeps the key its certificate was issued for.
 * Safe for use by many threads.
 */
public final class AgentTlsIdentity {

    public static final String KEY_FILE = "tls.key";
    public static final String CERTIFICATE_FILE = "tls-client.crt";
    public static final String CA_FILE = "tls-ca.crt";

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Optional<Path> directory;
    private final String caFingerprint;
    private final KeyPair keys;
    private X509Certificate clientCertificate;
    private X509Certificate caCertificate;

    private AgentTlsIdentity(Optional<Path> directory, String caFingerprint, KeyPair keys,
            X509Certificate clientCertificate, X509Certificate caCertificate) {
        this.directory = directory;
        this.caFingerprint = caFingerprint;
        this.keys = keys;
        this.clientCertificate = clientCertificate;
        this.caCertificate = caCertificate;
    }

    /**
     * The identity kept in the agent's state directory, made there the first time.
     *
     * @param caFingerprint the CA fingerprint from the VM's bootstrap data: 64 hex digits, colons and case ignored
     * @throws IllegalArgumentException when the fingerprint is not a SHA-256 fingerprint
     * @throws IllegalStateException when a file is there but unreadable as what it should hold
     * @throws UncheckedIOException when the files cannot be read or written
     */
    public static AgentTlsIdentity loadOrCreate(Path directory, String caFingerprint) {
        requireNonNull(directory, "directory is null");
        String fingerprint = normalizeFingerprint(caFingerprint);
        try {
            Files.createDirectories(directory);
            Path keyFile = directory.resolve(KEY_FILE);
            KeyPair keys;
            if (Files.exists(keyFile)) {
                keys = readKeyPair(keyFile);
            } else {
                keys = newKeyPair();
                writeOwnerOnly(keyFile, pem("PRIVATE KEY", keys.getPrivate().getEncoded())
                        + pem("PUBLIC KEY", keys.getPublic().getEncoded()));
            }
            X509Certificate client = null;
            X509Certificate ca = null;
            Path certificateFile = directory.resolve(CERTIFICATE_FILE);
            Path caFile = directory.resolve(CA_FILE);
            if (Files.exists(certificateFile) && Files.exists(caFile)) {
                X509Certificate storedClient = parseCertificate(Files.readString(certificateFile));
                X509Certificate storedCa = parseCertificate(Files.readString(caFile));
                // Certificates of another CA (the bootstrap data changed) or another key are worthless: ignore them.
                if (fingerprint(storedCa).equals(fingerprint)
                        && storedClient.getPublicKey().equals(keys.getPublic())) {
                    client = storedClient;
                    ca = storedCa;
                }
            }
            return new AgentTlsIdentity(Optional.of(directory), fingerprint, keys, client, ca);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the agent's TLS identity in " + directory + ": "
                    + e.getMessage(), e);
        }
    }

    /** An identity held only in memory (tests, and agents that keep no state). */
    public static AgentTlsIdentity inMemory(String caFingerprint) {
        return new AgentTlsIdentity(Optional.empty(), normalizeFingerprint(caFingerprint), newKeyPair(), null, null);
    }

    /** The pinned CA fingerprint, 64 lower-case hex digits. */
    public String caFingerprint() {
        return caFingerprint;
    }

    /** The public half of the TLS key, base64 of its X.509 SubjectPublicKeyInfo, as {@code Register} carries it. */
    public String tlsPublicKey() {
        return Base64.getEncoder().encodeToString(keys.getPublic().getEncoded());
    }

    public synchronized Optional<X509Certificate> clientCertificate() {
        return Optional.ofNullable(clientCertificate);
    }

    public synchronized Optional<X509Certificate> caCertificate() {
        return Optional.ofNullable(caCertificate);
    }

    /**
     * Takes the certificates from {@code Registered}, after checking that the CA is the pinned one, that it signed
     * the client certificate, and that the client certificate is for this identity's key; keeps them (in files,
     * for a persistent identity). New connections present the client certificate from now on.
     *
     * @throws IllegalArgumentException when a check fails; the identity then stays as it was
     */
    public void acceptCertificates(String clientCertificatePem, String caCertificatePem) {
        X509Certificate client = parseCertificate(requireNonNull(clientCertificatePem, "clientCertificatePem is null"));
        X509Certificate ca = parseCertificate(requireNonNull(caCertificatePem, "caCertificatePem is null"));
        if (!fingerprint(ca).equals(caFingerprint)) {
            throw new IllegalArgumentException("the CA certificate in the registration does not have the fingerprint"
                    + " from the bootstrap data");
        }
        try {
            client.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the client certificate was not signed by the pinned CA");
        }
        if (!client.getPublicKey().equals(keys.getPublic())) {
            throw new IllegalArgumentException("the client certificate is not for this agent's TLS key");
        }
        synchronized (this) {
            if (directory.isPresent()) {
                try {
                    writeOwnerOnly(directory.get().resolve(CA_FILE), pem("CERTIFICATE", encoded(ca)));
                    writeOwnerOnly(directory.get().resolve(CERTIFICATE_FILE), pem("CERTIFICATE", encoded(client)));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot keep the agent's client certificate in "
                            + directory.get() + ": " + e.getMessage(), e);
                }
            }
            clientCertificate = client;
            caCertificate = ca;
        }
    }

    /**
     * A TLS context for one new connection: it trusts only the pinned CA and presents the client certificate
     * when there is one that is valid at {@code now}.
     */
    SSLContext sslContext(Instant now) {
        X509Certificate client;
        X509Certificate ca;
        synchronized (this) {
            client = clientCertificate;
            ca = caCertificate;
        }
        try {
            KeyManager[] keyManagers = null;
            if (client != null && isValidAt(client, now)) {
                char[] password = HexFormat.of().formatHex(RANDOM.generateSeed(16)).toCharArray();
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("agent", keys.getPrivate(), password, new Certificate[] {client, ca});
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(store, password);
                keyManagers = factory.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(keyManagers, new TrustManager[] {new PinnedCaTrustManager(caFingerprint, ca)}, RANDOM);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("this JDK cannot set up TLS 1.3 with EC keys", e);
        }
    }

    /** 64 lower-case hex digits, from hex with or without colons, in either case. */
    static String normalizeFingerprint(String fingerprint) {
        requireNonNull(fingerprint, "caFingerprint is null");
        String hex = fingerprint.strip().replace(":", "").toLowerCase(Locale.ROOT);
        if (!hex.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("the CA fingerprint must be the 64 hex digits of a SHA-256 digest");
        }
        return hex;
    }

    /** SHA-256 of a certificate's DER encoding, lower-case hex. */
    static String fingerprint(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static boolean isValidAt(X509Certificate certificate, Instant now) {
        try {
            certificate.checkValidity(Date.from(now));
            return true;
        } catch (CertificateException expiredOrNotYet) {
            return false;
        }
    }

    private static X509Certificate parseCertificate(String pem) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.strip().getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException | ClassCastException e) {
            throw new IllegalArgumentException("not a PEM X.509 certificate");
        }
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a certificate could not be encoded", e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make EC P-256 keys", e);
        }
    }

    private static KeyPair readKeyPair(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        try {
            KeyFactory factory = KeyFactory.getInstance("EC");
            PrivateKey privateKey = factory.generatePrivate(
                    new PKCS8EncodedKeySpec(fromPem(text, "PRIVATE KEY", file)));
            PublicKey publicKey = factory.generatePublic(new X509EncodedKeySpec(fromPem(text, "PUBLIC KEY", file)));
            return new KeyPair(publicKey, privateKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(file + " is not a readable EC key pair", e);
        }
    }

    private static byte[] fromPem(String text, String type, Path file) {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int start = text.indexOf(begin);
        int stop = text.indexOf(end);
        if (start < 0 || stop < start) {
            throw new IllegalStateException(file + " does not hold a PEM " + type + " block");
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(start + begin.length(), stop));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(file + " holds a " + type + " block that is not base64", e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void writeOwnerOnly(Path file, String content) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temporary);
        if (Files.getFileStore(file.getParent()).supportsFileAttributeView("posix")) {
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } else {
            Files.createFile(temporary);
        }
        Files.writeString(temporary, content, StandardCharsets.US_ASCII);
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
