package dev.asterism.agent;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asterism.protocol.AgentRole;
import dev.asterism.protocol.CommandResult;
import dev.asterism.protocol.SealedBox;
import dev.asterism.protocol.Sealing;
import dev.asterism.protocol.SealingException;
import dev.asterism.protocol.StepReport;
import dev.asterism.protocol.StepStatus;
import dev.asterism.spi.guest.Secret;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The agent's small durable state, one JSON file ({@value #FILE_NAME}) in its state directory: what the agent must
 * still know after a crash, a restart or a reboot of its VM.
 *
 * <ul>
 *   <li>the VM id and the server's URL, from the VM's bootstrap data;</li>
 *   <li>the one-time registration token, until the server accepts the registration (then it is deleted);</li>
 *   <li>the agent's X25519 private key, made here once; join bundles are sealed to its public key;</li>
 *   <li>the role the server gave ({@code stub}, {@code controller}, {@code worker});</li>
 *   <li>a stub's pending join bundle, as ciphertext only, with the index of the next step to run and the last step
 *       report, so that a reboot in the middle resumes at the next step and the report is sent again;</li>
 *   <li>a controller's settings from {@code PROVISION_CONTROLLER} and the domain administrator password it
 *       generated (the only copy: it never leaves the VM);</li>
 *   <li>the results of the last {@value #MAX_CACHED_RESULTS} commands by command id, so that a command the server
 *       sends again is answered with the same result without running again.</li>
 * </ul>
 *
 * <p>Every change is written at once and atomically: a new file with mode 0600 beside the old one, flushed to disk,
 * then renamed over it, in a directory with mode 0700 (on file systems with POSIX permissions). A crash therefore
 * leaves either the old state or the new one. {@link #toString()} shows no secret.
 *
 * <p>Thread-safe. Failures are {@link AgentStateException}s whose messages never contain a value from the file.
 */
public final class AgentState {

    /** The state file's name in the state directory. */
    public static final String FILE_NAME = "agent-state.json";
    /** How many command results the state keeps; older ones are forgotten first. */
    public static final int MAX_CACHED_RESULTS = 256;

    private static final int FORMAT_VERSION = 1;
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

    /** Where a join bundle stands on this VM. */
    public enum BundleStatus {
        /** Steps remain to run, from {@link PendingBundle#nextStep()}. */
        RUNNING,
        /** Every step succeeded. */
        SUCCEEDED,
        /** A step failed; no further step of this bundle runs. */
        FAILED
    }

    /**
     * A join bundle this stub accepted: the sealed box as the server relayed it (ciphertext only: the agent opens it
     * again whenever it needs the steps) and how far it got.
     *
     * @param nextStep the index of the next step to run; equal to the number of steps when all ran
     */
    public record PendingBundle(String bundleId, String memberName, SealedBox sealed, int nextStep,
            BundleStatus status) {

        public PendingBundle {
            requireNonNull(bundleId, "bundleId is null");
            requireNonNull(memberName, "memberName is null");
            requireNonNull(sealed, "sealed is null");
            requireNonNull(status, "status is null");
            if (nextStep < 0) {
                throw new IllegalArgumentException("nextStep is negative");
            }
        }

        /** This bundle, with {@code nextStep} and {@code status} changed. */
        public PendingBundle at(int nextStep, BundleStatus status) {
            return new PendingBundle(bundleId, memberName, sealed, nextStep, status);
        }
    }

    /**
     * What {@code PROVISION_CONTROLLER} set up on a controller, kept so that a restarted agent provisions the same
     * again and later commands (sealing, VPN peers) know the domain and the hub.
     *
     * @param underlayAddress the controller's own underlay address, when the server said it; the hub's endpoint
     */
    public record ControllerSettings(String domain, String overlaySubnet, String hubOverlayAddress, int listenPort,
            Optional<String> underlayAddress) {

        public ControllerSettings {
            requireNonNull(domain, "domain is null");
            requireNonNull(overlaySubnet, "overlaySubnet is null");
            requireNonNull(hubOverlayAddress, "hubOverlayAddress is null");
            requireNonNull(underlayAddress, "underlayAddress is null");
        }
    }

    /**
     * The answer to one command, kept by its id.
     *
     * @param fingerprint the command's kind and arguments as one text, so that a reused id with another command is
     *     recognised
     */
    public record CachedResult(String fingerprint, CommandResult result) {

        public CachedResult {
            requireNonNull(fingerprint, "fingerprint is null");
            requireNonNull(result, "result is null");
        }
    }

    private final Path directory;
    private final Path file;
    private final String vmId;
    private final String serverUrl;
    private final PrivateKey privateKey;
    private final String publicKey;

    /** All guarded by {@code this}. */
    private Secret registrationToken;
    private AgentRole role;
    private PendingBundle bundle;
    private StepReport lastStepReport;
    private ControllerSettings controllerSettings;
    private Secret administratorPassword;
    private final LinkedHashMap<String, CachedResult> results = new LinkedHashMap<>();

    private AgentState(Path directory, String vmId, String serverUrl, PrivateKey privateKey) {
        this.directory = directory;
        this.file = directory.resolve(FILE_NAME);
        this.vmId = vmId;
        this.serverUrl = serverUrl;
        this.privateKey = privateKey;
        this.publicKey = Sealing.encodePublicKey(Sealing.publicKeyOf(privateKey));
    }

    /**
     * Makes the state of a new agent from its VM's bootstrap data, with a fresh key pair, and writes it.
     *
     * @throws AgentStateException when the directory holds a state already (load it instead), or cannot be written
     */
    public static AgentState create(Path directory, String vmId, String serverUrl, Secret registrationToken) {
        requireNonNull(directory, "directory is null");
        requireText(vmId, "vmId");
        requireText(serverUrl, "serverUrl");
        requireNonNull(registrationToken, "registrationToken is null");
        prepareDirectory(directory);
        if (Files.exists(directory.resolve(FILE_NAME))) {
            throw new AgentStateException("the agent state directory " + directory + " holds a state already;"
                    + " load it instead of creating a new one");
        }
        KeyPair keyPair = new Sealing().generateKeyPair();
        AgentState state = new AgentState(directory, vmId, serverUrl, keyPair.getPrivate());
        synchronized (state) {
            state.registrationToken = registrationToken;
            state.write();
        }
        return state;
    }

    /** Whether {@code directory} holds an agent state. */
    public static boolean exists(Path directory) {
        return Files.isRegularFile(directory.resolve(FILE_NAME));
    }

    /**
     * Reads the state an agent wrote in {@code directory}.
     *
     * @throws AgentStateException when there is none, it cannot be read, or it is not a state this release reads
     */
    public static AgentState load(Path directory) {
        requireNonNull(directory, "directory is null");
        Path file = directory.resolve(FILE_NAME);
        JsonNode root;
        try {
            root = MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException missing) {
            throw new AgentStateException("there is no agent state in " + directory);
        } catch (JsonProcessingException malformed) {
            throw new AgentStateException("the agent state " + file + " is not valid JSON");
        } catch (IOException unreadable) {
            throw new AgentStateException("the agent state " + file + " cannot be read", unreadable);
        }
        return new Reader(file).read(directory, root);
    }

    public Path directory() {
        return directory;
    }

    public String vmId() {
        return vmId;
    }

    public String serverUrl() {
        return serverUrl;
    }

    /** The agent's X25519 private key; join bundles are sealed to its public key. */
    public PrivateKey privateKey() {
        return privateKey;
    }

    /** The agent's X25519 public key as base64 of its raw 32 bytes ({@link Sealing#encodePublicKey}). */
    public String publicKey() {
        return publicKey;
    }

    /** The registration token, until the server accepted the registration. */
    public synchronized Optional<Secret> registrationToken() {
        return Optional.ofNullable(registrationToken);
    }

    /** The role the server gave, or empty before the registration was accepted. */
    public synchronized Optional<AgentRole> role() {
        return Optional.ofNullable(role);
    }

    /** Records the accepted registration's role and forgets the registration token. */
    public synchronized void markRegistered(AgentRole role) {
        requireNonNull(role, "role is null");
        this.role = role;
        this.registrationToken = null;
        write();
    }

    /** Records a new role, as when a stub's join bundle completes and it becomes a worker. */
    public synchronized void changeRole(AgentRole role) {
        requireNonNull(role, "role is null");
        this.role = role;
        write();
    }

    /** The join bundle this stub accepted last, or empty. */
    public synchronized Optional<PendingBundle> bundle() {
        return Optional.ofNullable(bundle);
    }

    /** The last step report the agent made, to send again after a restart, or empty. */
    public synchronized Optional<StepReport> lastStepReport() {
        return Optional.ofNullable(lastStepReport);
    }

    /** Accepts a join bundle (replacing an earlier one) and forgets the earlier bundle's last report. */
    public synchronized void acceptBundle(PendingBundle accepted) {
        requireNonNull(accepted, "accepted is null");
        this.bundle = accepted;
        this.lastStepReport = null;
        write();
    }

    /** Records a bundle's progress and the report that says so, in one write. */
    public synchronized void recordStep(PendingBundle progress, StepReport report) {
        requireNonNull(progress, "progress is null");
        requireNonNull(report, "report is null");
        this.bundle = progress;
        this.lastStepReport = report;
        write();
    }

    /** The controller's settings from its last provisioning, or empty. */
    public synchronized Optional<ControllerSettings> controllerSettings() {
        return Optional.ofNullable(controllerSettings);
    }

    public synchronized void saveControllerSettings(ControllerSettings settings) {
        this.controllerSettings = requireNonNull(settings, "settings is null");
        write();
    }

    /** The domain administrator password this controller generated, or empty before the first provisioning. */
    public synchronized Optional<Secret> administratorPassword() {
        return Optional.ofNullable(administratorPassword);
    }

    /**
     * Keeps the domain administrator password, written before the domain is provisioned with it so that a crash
     * cannot leave a domain whose password nobody knows. Keeps the first one: later calls return it unchanged.
     *
     * @return the password in force
     */
    public synchronized Secret rememberAdministratorPassword(Secret password) {
        requireNonNull(password, "password is null");
        if (administratorPassword == null) {
            administratorPassword = password;
            write();
        }
        return administratorPassword;
    }

    /** The result kept for a command id, or empty. */
    public synchronized Optional<CachedResult> cachedResult(String commandId) {
        return Optional.ofNullable(results.get(commandId));
    }

    /** Keeps a command's result, forgetting the oldest beyond {@value #MAX_CACHED_RESULTS}. */
    public synchronized void rememberResult(CachedResult cached) {
        requireNonNull(cached, "cached is null");
        results.remove(cached.result().commandId());
        results.put(cached.result().commandId(), cached);
        while (results.size() > MAX_CACHED_RESULTS) {
            results.remove(results.keySet().iterator().next());
        }
        write();
    }

    /** How many command results are kept. */
    public synchronized int cachedResultCount() {
        return results.size();
    }

    @Override
    public synchronized String toString() {
        return "AgentState[directory=" + directory + ", vmId=" + vmId + ", role="
                + (role == null ? "<unregistered>" : role.wireName()) + ", bundle="
                + (bundle == null ? "<none>" : bundle.bundleId() + "@" + bundle.nextStep() + " " + bundle.status())
                + ", cachedResults=" + results.size() + "]";
    }

    // ---- writing -------------------------------------------------------------------------------------------

    /** Guarded by {@code this}. */
    private void write() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("v", FORMAT_VERSION);
        root.put("vmId", vmId);
        root.put("serverUrl", serverUrl);
        root.put("privateKey", Sealing.encodePrivateKey(privateKey));
        if (registrationToken != null) {
            root.put("registrationToken", registrationToken.reveal());
        }
        if (role != null) {
            root.put("role", role.wireName());
        }
        if (bundle != null) {
            ObjectNode node = root.putObject("bundle");
            node.put("bundleId", bundle.bundleId());
            node.put("memberName", bundle.memberName());
            node.put("ephemeralPublicKey", bundle.sealed().ephemeralPublicKey());
            node.put("nonce", bundle.sealed().nonce());
            node.put("ciphertext", bundle.sealed().ciphertext());
            node.put("associatedData", bundle.sealed().associatedData());
            node.put("nextStep", bundle.nextStep());
            node.put("status", bundle.status().name());
        }
        if (lastStepReport != null) {
            ObjectNode node = root.putObject("lastStepReport");
            node.put("bundleId", lastStepReport.bundleId());
            node.put("stepIndex", lastStepReport.stepIndex());
            node.put("stepName", lastStepReport.stepName());
            node.put("status", lastStepReport.status().name());
            node.put("message", lastStepReport.message());
            node.put("at", lastStepReport.at().toString());
        }
        if (controllerSettings != null) {
            ObjectNode node = root.putObject("controller");
            node.put("domain", controllerSettings.domain());
            node.put("overlaySubnet", controllerSettings.overlaySubnet());
            node.put("hubOverlayAddress", controllerSettings.hubOverlayAddress());
            node.put("listenPort", controllerSettings.listenPort());
            controllerSettings.underlayAddress().ifPresent(address -> node.put("underlayAddress", address));
        }
        if (administratorPassword != null) {
            root.put("administratorPassword", administratorPassword.reveal());
        }
        ArrayNode cached = root.putArray("commandResults");
        for (CachedResult entry : results.values()) {
            ObjectNode node = cached.addObject();
            node.put("commandId", entry.result().commandId());
            node.put("fingerprint", entry.fingerprint());
            node.put("ok", entry.result().ok());
            node.put("message", entry.result().message());
            ObjectNode values = node.putObject("results");
            entry.result().results().forEach(values::put);
        }
        byte[] bytes;
        try {
            bytes = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException("a JSON tree could not be written", impossible);
        }
        writeAtomically(bytes);
    }

    private void writeAtomically(byte[] bytes) {
        Path temporary = null;
        try {
            temporary = posix()
                    ? Files.createTempFile(directory, ".agent-state-", ".tmp",
                            PosixFilePermissions.asFileAttribute(FILE_MODE))
                    : Files.createTempFile(directory, ".agent-state-", ".tmp");
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(bytes));
                channel.force(true);
            }
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException notAtomic) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
            temporary = null;
            syncDirectory();
        } catch (IOException failure) {
            throw new AgentStateException("the agent state " + file + " cannot be written", failure);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // The write failed already; a stray temporary file is harmless, because it is never read.
                }
            }
        }
    }

    private void syncDirectory() {
        // Makes the rename itself durable; only some platforms can open a directory for this.
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException notSupported) {
            // The rename is atomic already; without a directory sync it may only be lost by a power cut.
        }
    }

    private static void prepareDirectory(Path directory) {
        try {
            if (posix()) {
                FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(DIRECTORY_MODE);
                Files.createDirectories(directory, mode);
                Files.setPosixFilePermissions(directory, DIRECTORY_MODE);
            } else {
                Files.createDirectories(directory);
            }
        } catch (IOException failure) {
            throw new AgentStateException("the agent state directory " + directory + " cannot be made", failure);
        }
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    private static String requireText(String value, String name) {
        requireNonNull(value, name + " is null");
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " is blank");
        }
        return value;
    }

    // ---- reading -------------------------------------------------------------------------------------------

    /** Reads the JSON tree, naming the file and the field in every failure, never a value. */
    private record Reader(Path file) {

        AgentState read(Path directory, JsonNode root) {
            if (!root.isObject()) {
                throw invalid("the top level is not a JSON object");
            }
            int version = root.path("v").asInt(-1);
            if (version != FORMAT_VERSION) {
                throw invalid("its format version is not " + FORMAT_VERSION);
            }
            PrivateKey privateKey;
            try {
                privateKey = Sealing.decodePrivateKey(text(root, "privateKey"));
            } catch (SealingException badKey) {
                throw invalid("field 'privateKey' is not an X25519 private key");
            }
            AgentState state = new AgentState(directory, text(root, "vmId"), text(root, "serverUrl"), privateKey);
            synchronized (state) {
                optionalText(root, "registrationToken").map(Secret::of).ifPresent(token -> state.registrationToken = token);
                optionalText(root, "role").ifPresent(role -> state.role = AgentRole.fromWireName(role)
                        .orElseThrow(() -> invalid("field 'role' holds a role this release does not know")));
                JsonNode bundle = root.get("bundle");
                if (bundle != null && !bundle.isNull()) {
                    state.bundle = bundle(bundle);
                }
                JsonNode report = root.get("lastStepReport");
                if (report != null && !report.isNull()) {
                    state.lastStepReport = report(report);
                }
                JsonNode controller = root.get("controller");
                if (controller != null && !controller.isNull()) {
                    state.controllerSettings = new ControllerSettings(text(controller, "domain"),
                            text(controller, "overlaySubnet"), text(controller, "hubOverlayAddress"),
                            integer(controller, "listenPort"), optionalText(controller, "underlayAddress"));
                }
                optionalText(root, "administratorPassword").map(Secret::of)
                        .ifPresent(password -> state.administratorPassword = password);
                JsonNode cached = root.get("commandResults");
                if (cached != null && cached.isArray()) {
                    for (JsonNode node : cached) {
                        CommandResult result = construct("commandResults", () -> new CommandResult(
                                text(node, "commandId"), node.path("ok").asBoolean(false), text(node, "message"),
                                map(node.path("results"))));
                        state.results.put(result.commandId(), new CachedResult(text(node, "fingerprint"), result));
                    }
                }
            }
            return state;
        }

        private PendingBundle bundle(JsonNode node) {
            SealedBox sealed = construct("bundle", () -> new SealedBox(text(node, "ephemeralPublicKey"),
                    text(node, "nonce"), text(node, "ciphertext"), text(node, "associatedData")));
            BundleStatus status = enumValue(BundleStatus.class, text(node, "status"), "bundle.status");
            return construct("bundle", () -> new PendingBundle(text(node, "bundleId"), text(node, "memberName"),
                    sealed, integer(node, "nextStep"), status));
        }

        private StepReport report(JsonNode node) {
            StepStatus status = enumValue(StepStatus.class, text(node, "status"), "lastStepReport.status");
            Instant at;
            try {
                at = Instant.parse(text(node, "at"));
            } catch (DateTimeParseException notAnInstant) {
                throw invalid("field 'lastStepReport.at' is not an ISO-8601 instant");
            }
            return construct("lastStepReport", () -> new StepReport(text(node, "bundleId"),
                    integer(node, "stepIndex"), text(node, "stepName"), status, text(node, "message"), at));
        }

        private Map<String, String> map(JsonNode node) {
            Map<String, String> map = new TreeMap<>();
            if (node.isObject()) {
                node.properties().forEach(entry -> map.put(entry.getKey(), entry.getValue().asText()));
            }
            return map;
        }

        private String text(JsonNode node, String field) {
            return optionalText(node, field).orElseThrow(() -> invalid("field '" + field + "' is missing"));
        }

        private Optional<String> optionalText(JsonNode node, String field) {
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                return Optional.empty();
            }
            if (!value.isTextual()) {
                throw invalid("field '" + field + "' is not a string");
            }
            return Optional.of(value.textValue());
        }

        private int integer(JsonNode node, String field) {
            JsonNode value = node.get(field);
            if (value == null || !value.canConvertToInt() || !value.isIntegralNumber()) {
                throw invalid("field '" + field + "' is not a whole number");
            }
            return value.intValue();
        }

        private <E extends Enum<E>> E enumValue(Class<E> type, String name, String field) {
            try {
                return Enum.valueOf(type, name);
            } catch (IllegalArgumentException unknown) {
                throw invalid("field '" + field + "' holds a value this release does not know");
            }
        }

        private <T> T construct(String what, Supplier<T> constructor) {
            try {
                return constructor.get();
            } catch (IllegalArgumentException | NullPointerException invalid) {
                throw invalid(what + ": " + invalid.getMessage());
            }
        }

        private AgentStateException invalid(String what) {
            return new AgentStateException("the agent state " + file + " cannot be read: " + what);
        }
    }
}
