package dev.asterism.server.agent;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The server's own certificate authority for the agent channel, made at the server's first start and kept in
 * files so that a restart keeps it (and with it every fingerprint already written into VMs' bootstrap data).
 *
 * <p>It signs three kinds of certificate, all EC P-256 with ECDSA over SHA-256:
 * <ul>
 *   <li>itself ({@code ca.crt}, ten years); its {@linkplain #caFingerprint() fingerprint} travels in every VM's
 *       bootstrap data, and is the only thing an agent trusts before it is registered;</li>
 *   <li>the agent endpoint's server certificate ({@code server.crt}, one year, renewed at start when less than
 *       30 days are left or when the host names change), for {@code localhost}, {@code 127.0.0.1}, {@code ::1}
 *       and the names given;</li>
 *   <li>one client certificate per registered agent ({@link #issueAgentCertificate}), subject
 *       {@code CN=vm:<vmId>}, SAN URI {@code asterism:vm:<vmId>}, extended key usage clientAuth, short-lived.</li>
 * </ul>
 *
 * <p>Files live in {@code <dataDirectory>/agent-ca/} (mode 0700): {@code ca.key}, {@code ca.crt},
 * {@code server.key}, {@code server.crt} (mode 0600), PKCS#8 and X.509 PEM. Each is written to a temporary file
 * and moved into place, so a crash leaves either the old file or the new one. Losing {@code ca.key} makes every
 * VM's bootstrap data useless: back the directory up with the database.
 *
 * <p>An instance is immutable apart from its files and safe for use by many threads.
 */
public final class AgentCertificateAuthority {

    /** The directory under the server's data directory that holds the CA's files. */
    public static final String DIRECTORY = "agent-ca";
    /** How long an agent's client certificate is valid, unless the caller says otherwise. */
    public static final Duration DEFAULT_AGENT_CERTIFICATE_VALIDITY = Duration.ofDays(30);

    private static final Logger LOG = Logger.getLogger(AgentCertificateAuthority.class.getName());
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private static final Duration SERVER_VALIDITY = Duration.ofDays(365);
    private static final Duration SERVER_RENEWAL = Duration.ofDays(30);
    /** Certificates start a little in the past, so that a VM whose clock is slightly behind accepts them. */
    private static final Duration BACKDATE = Duration.ofMinutes(5);
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final String URI_PREFIX = "asterism:vm:";
    private static final String CN_PREFIX = "vm:";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final Pattern VM_ID = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path directory;
    private final Clock clock;
    private final Duration agentCertificateValidity;
    private final KeyPair caKeys;
    private final X509Certificate caCertificate;
    private final KeyPair serverKeys;
    private final X509Certificate serverCertificate;
    private final String caFingerprint;

    private AgentCertificateAuthority(Path directory, Clock clock, Duration agentCertificateValidity, KeyPair caKeys,
            X509Certificate caCertificate, KeyPair serverKeys, X509Certificate serverCertificate) {
        this.directory = directory;
        this.clock = clock;
        this.agentCertificateValidity = agentCertificateValidity;
        this.caKeys = caKeys;
        this.caCertificate = caCertificate;
        this.serverKeys = serverKeys;
        this.serverCertificate = serverCertificate;
        this.caFingerprint = fingerprint(caCertificate);
    }

    /**
     * Opens the CA kept under {@code dataDirectory}, making it first when there is none.
     *
     * @param dataDirectory the server's data directory; {@value #DIRECTORY} is made under it
     * @param serverNames host names and addresses (besides localhost and loopback) by which agents reach the
     *     endpoint; the server certificate names each of them
     * @param clock the time for validity periods
     * @param agentCertificateValidity how long each agent certificate is valid
     * @throws IllegalStateException when the CA's certificate exists without its key (the key must be restored from
     *     a backup), or a file cannot be read as what it should hold
     * @throws UncheckedIOException when the files cannot be read or written
     */
    public static AgentCertificateAuthority openOrCreate(Path dataDirectory, Collection<String> serverNames,
            Clock clock, Duration agentCertificateValidity) {
        requireNonNull(dataDirectory, "dataDirectory is null");
        requireNonNull(serverNames, "serverNames is null");
        requireNonNull(clock, "clock is null");
        requireNonNull(agentCertificateValidity, "agentCertificateValidity is null");
        if (agentCertificateValidity.isNegative() || agentCertificateValidity.isZero()) {
            throw new IllegalArgumentException("agentCertificateValidity must be positive");
        }
        Path directory = dataDirectory.resolve(DIRECTORY);
        try {
            createOwnerOnlyDirectory(directory);
            Path caKeyFile = directory.resolve("ca.key");
            Path caCertificateFile = directory.resolve("ca.crt");
            KeyPair caKeys;
            X509Certificate caCertificate;
            if (Files.exists(caCertificateFile)) {
                if (!Files.exists(caKeyFile)) {
                    throw new IllegalStateException("the agent CA's certificate " + caCertificateFile
                            + " exists but its key ca.key is missing: restore ca.key from a backup (a new CA would"
                            + " make the bootstrap data of every existing VM useless)");
                }
                caCertificate = readCertificate(caCertificateFile);
                caKeys = new KeyPair(caCertificate.getPublicKey(), readPrivateKey(caKeyFile));
            } else {
                // No certificate means no fingerprint was ever handed out: a key left by a crash may be replaced.
                caKeys = newKeyPair();
                caCertificate = selfSignedCa(caKeys, clock.instant());
                writeOwnerOnly(caKeyFile, pem("PRIVATE KEY", caKeys.getPrivate().getEncoded()));
                writeOwnerOnly(caCertificateFile, pem(caCertificate));
                LOG.info("made a new agent certificate authority, fingerprint " + fingerprint(caCertificate));
            }
            tightenPermissions(caKeyFile);

            Path serverKeyFile = directory.resolve("server.key");
            Path serverCertificateFile = directory.resolve("server.crt");
            Set<String> names = serverNames(serverNames);
            KeyPair serverKeys = null;
            X509Certificate serverCertificate = null;
            if (Files.exists(serverKeyFile) && Files.exists(serverCertificateFile)) {
                X509Certificate existing = readCertificate(serverCertificateFile);
                if (isCurrentServerCertificate(existing, caCertificate, names, clock.instant())) {
                    serverCertificate = existing;
                    serverKeys = new KeyPair(existing.getPublicKey(), readPrivateKey(serverKeyFile));
                }
            }
            if (serverCertificate == null) {
                serverKeys = newKeyPair();
                serverCertificate = serverCertificate(caKeys.getPrivate(), caCertificate, serverKeys.getPublic(),
                        names, clock.instant());
                writeOwnerOnly(serverKeyFile, pem("PRIVATE KEY", serverKeys.getPrivate().getEncoded()));
                writeOwnerOnly(serverCertificateFile, pem(serverCertificate));
            }
            tightenPermissions(serverKeyFile);
            return new AgentCertificateAuthority(directory, clock, agentCertificateValidity, caKeys, caCertificate,
                    serverKeys, serverCertificate);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the agent CA in " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether an agent certificate is in the last third of its validity (or past it): then the agent gets a new
     * one for the same key the next time it connects or sends a heartbeat.
     */
    public boolean dueForRenewal(X509Certificate certificate) {
        Instant notAfter = certificate.getNotAfter().toInstant();
        return !clock.instant().isBefore(notAfter.minus(agentCertificateValidity.dividedBy(3)));
    }

    /** {@link #openOrCreate(Path, Collection, Clock, Duration)} with 30-day agent certificates. */
    public static AgentCertificateAuthority openOrCreate(Path dataDirectory, Collection<String> serverNames,
            Clock clock) {
        return openOrCreate(dataDirectory, serverNames, clock, DEFAULT_AGENT_CERTIFICATE_VALIDITY);
    }

    /** The directory holding the CA's files. */
    public Path directory() {
        return directory;
    }

    /**
     * SHA-256 of the CA certificate's DER encoding, 64 lower-case hex digits: what a VM's bootstrap data carries
     * and the only thing an unregistered agent trusts.
     */
    public String caFingerprint() {
        return caFingerprint;
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** The CA certificate as one PEM block, as {@code Registered.caCertificate} carries it. */
    public String caCertificatePem() {
        return pem(caCertificate);
    }

    /** The agent endpoint's TLS certificate, signed by this CA. */
    public X509Certificate serverCertificate() {
        return serverCertificate;
    }

    /** The private key of {@link #serverCertificate()}; only the endpoint's TLS stack gets it. */
    PrivateKey serverPrivateKey() {
        return serverKeys.getPrivate();
    }

    /**
     * Issues an agent's client certificate: subject {@code CN=vm:<vmId>}, SAN URI {@code asterism:vm:<vmId>},
     * extended key usage clientAuth, valid from a few minutes ago for the configured validity.
     *
     * @param vmId the VM the agent registered for (letters, digits, {@code .}, {@code _}, {@code -})
     * @param agentTlsKey the public half of the agent's TLS key; the agent alone holds the private half
     * @throws IllegalArgumentException when the VM id has other characters or the key cannot be certified
     */
    public X509Certificate issueAgentCertificate(String vmId, PublicKey agentTlsKey) {
        requireNonNull(vmId, "vmId is null");
        requireNonNull(agentTlsKey, "agentTlsKey is null");
        if (!VM_ID.matcher(vmId).matches()) {
            throw new IllegalArgumentException("a VM id must be 1 to 100 letters, digits, '.', '_' or '-'");
        }
        Instant now = clock.instant();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, CN_PREFIX + vmId).build();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCertificate, serialNumber(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(agentCertificateValidity)), subject,
                    agentTlsKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, URI_PREFIX + vmId)))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(caCertificate))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(agentTlsKey));
            return sign(builder, caKeys.getPrivate());
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot issue an agent certificate for this key: " + e.getMessage(), e);
        }
    }

    /**
     * The VM id of an agent's client certificate, when this CA signed it, it is valid now, it is for client
     * authentication, and its subject and SAN name the same VM; otherwise empty.
     */
    public Optional<String> vmIdOf(X509Certificate certificate) {
        requireNonNull(certificate, "certificate is null");
        try {
            if (!certificate.getIssuerX500Principal().equals(caCertificate.getSubjectX500Principal())) {
                return Optional.empty();
            }
            certificate.verify(caKeys.getPublic());
            certificate.checkValidity(Date.from(clock.instant()));
            List<String> usages = certificate.getExtendedKeyUsage();
            if (usages == null || !usages.contains(CLIENT_AUTH) || certificate.getBasicConstraints() != -1) {
                return Optional.empty();
            }
            Optional<String> fromName = vmIdInSubjectAlternativeName(certificate);
            String commonName = new X500Name(certificate.getSubjectX500Principal().getName())
                    .getRDNs(BCStyle.CN)[0].getFirst().getValue().toString();
            if (fromName.isEmpty() || !commonName.equals(CN_PREFIX + fromName.get())) {
                return Optional.empty();
            }
            return fromName;
        } catch (GeneralSecurityException | RuntimeException notOurs) {
            return Optional.empty();
        }
    }

    /** SHA-256 of a certificate's DER encoding, lower-case hex. */
    public static String fingerprint(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 or X.509 encoding is missing from this JDK", e);
        }
    }

    /** A certificate as one PEM {@code CERTIFICATE} block. */
    public static String pem(X509Certificate certificate) {
        try {
            return pem("CERTIFICATE", certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a certificate could not be encoded", e);
        }
    }

    private static Optional<String> vmIdInSubjectAlternativeName(X509Certificate certificate)
            throws CertificateParsingException {
        Collection<List<?>> names = certificate.getSubjectAlternativeNames();
        if (names == null) {
            return Optional.empty();
        }
        for (List<?> name : names) {
            if (Integer.valueOf(GeneralName.uniformResourceIdentifier).equals(name.get(0))
                    && name.get(1) instanceof String uri && uri.startsWith(URI_PREFIX)) {
                String vmId = uri.substring(URI_PREFIX.length());
                return VM_ID.matcher(vmId).matches() ? Optional.of(vmId) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static X509Certificate selfSignedCa(KeyPair keys, Instant now) {
        String id = HexFormat.of().formatHex(RANDOM.generateSeed(4));
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "Asterism")
                .addRDN(BCStyle.CN, "Asterism agent CA " + id)
                .build();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serialNumber(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(CA_VALIDITY)), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(keys.getPublic()));
            return sign(builder, keys.getPrivate());
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the agent CA certificate", e);
        }
    }

    private static X509Certificate serverCertificate(PrivateKey caKey, X509Certificate caCertificate,
            PublicKey serverKey, Set<String> names, Instant now) {
        List<GeneralName> alternatives = new ArrayList<>();
        for (String name : names) {
            alternatives.add(isAddress(name)
                    ? new GeneralName(GeneralName.iPAddress, name)
                    : new GeneralName(GeneralName.dNSName, name));
        }
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "Asterism")
                .addRDN(BCStyle.CN, "Asterism agent endpoint")
                .build();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCertificate, serialNumber(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(SERVER_VALIDITY)), subject, serverKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(alternatives.toArray(GeneralName[]::new)))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(caCertificate))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(serverKey));
            return sign(builder, caKey);
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the agent endpoint's certificate", e);
        }
    }

    private static boolean isCurrentServerCertificate(X509Certificate certificate, X509Certificate caCertificate,
            Set<String> names, Instant now) {
        try {
            certificate.verify(caCertificate.getPublicKey());
            certificate.checkValidity(Date.from(now.plus(SERVER_RENEWAL)));
            Set<String> named = new LinkedHashSet<>();
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> alternative : alternatives) {
                    named.add(String.valueOf(alternative.get(1)));
                }
            }
            return named.equals(names);
        } catch (GeneralSecurityException | RuntimeException stale) {
            return false;
        }
    }

    private static Set<String> serverNames(Collection<String> given) {
        Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        for (String name : given) {
            requireNonNull(name, "a server name is null");
            String trimmed = name.strip();
            if (trimmed.isEmpty() || trimmed.equals("0.0.0.0") || trimmed.equals("::")) {
                continue;
            }
            if (trimmed.startsWith("[") && trimmed.endsWith("]")) {
                trimmed = trimmed.substring(1, trimmed.length() - 1);
            }
            names.add(trimmed);
        }
        Set<String> normalized = new LinkedHashSet<>();
        for (String name : names) {
            normalized.add(isAddress(name) ? addressAsJdkWritesIt(name) : name);
        }
        return normalized;
    }

    /**
     * An address literal as the JDK reads it back from a certificate ({@code ::1} as {@code 0:0:0:0:0:0:0:1}),
     * so that the names of a stored certificate compare with the names asked for.
     */
    private static String addressAsJdkWritesIt(String literal) {
        try {
            // A literal address is parsed, never looked up.
            return InetAddress.getByName(literal).getHostAddress();
        } catch (UnknownHostException notAnAddress) {
            throw new IllegalArgumentException("'" + literal + "' is not a valid IP address");
        }
    }

    /** Whether a name is an address literal; never asks DNS. */
    private static boolean isAddress(String name) {
        return IPV4.matcher(name).matches() || name.contains(":");
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws CertificateException {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE).build(key);
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("the JDK cannot sign with " + SIGNATURE, e);
        }
    }

    private static BigInteger serialNumber() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
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

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
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

    private static X509Certificate readCertificate(Path file) throws IOException {
        byte[] der = fromPem(Files.readString(file, StandardCharsets.US_ASCII), "CERTIFICATE", file);
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new IllegalStateException(file + " is not a readable X.509 certificate", e);
        }
    }

    private static PrivateKey readPrivateKey(Path file) throws IOException {
        byte[] der = fromPem(Files.readString(file, StandardCharsets.US_ASCII), "PRIVATE KEY", file);
        try {
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(file + " is not a readable EC private key", e);
        }
    }

    private static boolean posix(Path path) throws IOException {
        return Files.getFileStore(path).supportsFileAttributeView("posix");
    }

    private static void createOwnerOnlyDirectory(Path directory) throws IOException {
        Files.createDirectories(directory.getParent());
        try {
            if (directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
            } else {
                Files.createDirectory(directory);
            }
        } catch (FileAlreadyExistsException exists) {
            if (!Files.isDirectory(directory)) {
                throw exists;
            }
        }
        if (posix(directory)) {
            Files.setPosixFilePermissions(directory, OWNER_ONLY_DIRECTORY);
        }
    }

    private static void writeOwnerOnly(Path file, String content) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temporary);
        if (posix(file.getParent())) {
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
        } else {
            Files.createFile(temporary);
        }
        Files.writeString(temporary, content, StandardCharsets.US_ASCII);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** A key file someone loosened (a restore from backup, a copy) is made owner-only again. */
    private static void tightenPermissions(Path file) throws IOException {
        if (posix(file) && !Files.getPosixFilePermissions(file).equals(OWNER_ONLY_FILE)) {
            LOG.warning(file + " was readable by others; it is owner-only again");
            Files.setPosixFilePermissions(file, OWNER_ONLY_FILE);
        }
    }
}
