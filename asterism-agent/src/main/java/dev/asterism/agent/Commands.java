package dev.asterism.agent;

import static java.util.Objects.requireNonNull;

import dev.asterism.protocol.AgentRole;
import dev.asterism.protocol.CommandKind;
import dev.asterism.protocol.CommandResult;
import dev.asterism.protocol.ControllerCommand;
import dev.asterism.protocol.SealingException;
import dev.asterism.spi.guest.Endpoint;
import dev.asterism.spi.guest.GuestCapability;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestPlatform;
import dev.asterism.spi.guest.Ipv4Address;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Runs the server's {@link ControllerCommand}s on this VM and answers each with a {@link CommandResult} that
 * carries the same command id. Every argument and result is text; the names below are the protocol, exactly as the
 * server sends and reads them.
 *
 * <h2>Controller commands (role {@code controller})</h2>
 * <table>
 *   <caption>Commands to a controlling VM's agent</caption>
 *   <tr><th>kind</th><th>arguments</th><th>results</th><th>what it does</th></tr>
 *   <tr><td>{@code PROVISION_CONTROLLER}</td>
 *       <td>{@code domain} (e.g. {@code C7.ASTERISM.TEST}), {@code overlaySubnet} (CIDR, e.g. {@code 10.7.0.0/24}),
 *           {@code hubOverlayAddress} (in the overlay subnet), {@code listenPort} (the hub's UDP port),
 *           optional {@code underlayAddress} (this VM's underlay address, for the hub's endpoint)</td>
 *       <td>{@code hubPublicKey}, {@code hubEndpointPort}</td>
 *       <td>Generates the domain administrator password on the first call and keeps it only in the agent's state;
 *           provisions the domain controller; applies the firewall baseline (the domain's join ports from the
 *           overlay subnet, the hub's UDP port from anywhere); ensures the VPN hub; ensures the file share
 *           {@code shared} when the platform has one; runs the batch scheduler (its port from the overlay) when the
 *           platform has one. Idempotent; the agent does it again after every restart.</td></tr>
 *   <tr><td>{@code SEAL_JOIN_BUNDLE}</td>
 *       <td>{@code memberName}, {@code memberVmId}, {@code computerName}, {@code memberPublicKey} (the stub's
 *           X25519 key, base64), {@code dcAddress} (the controller's underlay address)</td>
 *       <td>{@code bundleId}, {@code ephemeralPublicKey}, {@code nonce}, {@code ciphertext},
 *           {@code associatedData}</td>
 *       <td>Generates a one-time password, presets the computer account with it, and seals a join bundle (the step
 *           {@code join-domain}, then {@code batch-node} with the scheduler's key when there is a scheduler, whose
 *           node of the member's name may then register) to the member's key with the associated data
 *           {@code asterism-join-bundle:v1:<memberVmId>}. The results are the sealed box's fields: the server
 *           relays them as a {@code SealedBundle} and cannot read them. The password never leaves unsealed.</td></tr>
 *   <tr><td>{@code OPEN_PORT_LEASE}</td>
 *       <td>{@code leaseId}, {@code sourceAddress}, {@code expiresAt} (ISO-8601 instant)</td>
 *       <td>{@code leaseId}, {@code expiresAt}</td>
 *       <td>Opens the domain controller's join ports for the source until the deadline, which the firewall
 *           enforces itself.</td></tr>
 *   <tr><td>{@code CLOSE_PORT_LEASE}</td><td>{@code leaseId}</td><td>{@code leaseId}</td>
 *       <td>Closes the lease and cuts its connections; closing an absent or expired lease succeeds.</td></tr>
 *   <tr><td>{@code VERIFY_JOIN}</td><td>{@code computerName}</td><td>{@code joined} ({@code true} or
 *       {@code false})</td><td>Whether a member completed the join as that computer.</td></tr>
 *   <tr><td>{@code REMOVE_COMPUTER}</td><td>{@code computerName}</td><td>none</td>
 *       <td>Deletes the computer account; removing an absent one succeeds.</td></tr>
 *   <tr><td>{@code ADD_VPN_PEER}</td>
 *       <td>{@code peerPublicKey} (WireGuard, base64), {@code overlayAddress}, optional {@code endpoint}
 *           ({@code address:port})</td>
 *       <td>{@code hubPublicKey}, {@code allowedSubnet}, and {@code hubEndpoint} ({@code address:port}) when
 *           {@code PROVISION_CONTROLLER} was given {@code underlayAddress}</td>
 *       <td>Admits the member's spoke to the hub with that overlay address.</td></tr>
 *   <tr><td>{@code REMOVE_VPN_PEER}</td><td>{@code peerPublicKey}</td><td>none</td>
 *       <td>Removes the spoke; removing an absent one succeeds.</td></tr>
 *   <tr><td>{@code CREATE_DOMAIN_USER}</td><td>{@code userName}</td><td>none</td>
 *       <td>Creates the domain user with a random password nobody knows (or leaves an existing one as it is) and
 *       makes it a member of the group of the constellation's people,
 *       {@value dev.asterism.spi.guest.DomainController#USERS_GROUP}.</td></tr>
 *   <tr><td>{@code SET_DOMAIN_USER_PASSWORD}</td><td>{@code userName}, {@code password}</td><td>none</td>
 *       <td>Sets the existing user's password; a password the domain's rules refuse is {@code INVALID} with the
 *       rule. Never answered from the record of results and never kept in it: each request sends a new id.</td></tr>
 *   <tr><td>{@code REMOVE_DOMAIN_USER}</td><td>{@code userName}</td><td>none</td>
 *       <td>Deletes the domain user; deleting an absent one succeeds.</td></tr>
 *   <tr><td>{@code REMOVE_BATCH_NODE}</td><td>{@code nodeName}, {@code reason}</td><td>none</td>
 *       <td>Takes the member's node out of the batch scheduler: it goes down, its running jobs end with the reason,
 *       and it is forgotten once no job refers to it; an absent node, or a controller without a batch scheduler,
 *       succeeds.</td></tr>
 *   <tr><td>{@code BATCH_NODES}</td><td>none</td><td>{@code nodes}: one row per node, {@code name}, {@code state},
 *       {@code reason}, {@code cpus} ({@link dev.asterism.protocol.Rows})</td>
 *       <td>The batch scheduler's nodes as it sees them now; {@value #UNSUPPORTED} without a scheduler. Never kept:
 *       every request runs.</td></tr>
 *   <tr><td>{@code PRESET_COMPUTER}</td><td></td><td></td>
 *       <td>Refused with {@value #UNSUPPORTED}: a one-time password that is not sealed at once would be useless,
 *           so {@code SEAL_JOIN_BUNDLE} presets the computer itself.</td></tr>
 * </table>
 *
 * <h2>Worker commands (role {@code stub} or {@code worker})</h2>
 * <table>
 *   <caption>Commands to a member's agent</caption>
 *   <tr><th>kind</th><th>arguments</th><th>results</th><th>what it does</th></tr>
 *   <tr><td>{@code VPN_SPOKE_KEY}</td><td>none</td><td>{@code publicKey}</td>
 *       <td>Makes the spoke's key pair on the first call (the private key never leaves the VM) and returns the
 *           public key; later calls return the same key.</td></tr>
 *   <tr><td>{@code CONFIGURE_VPN_SPOKE}</td>
 *       <td>{@code hubPublicKey}, {@code hubEndpoint} ({@code address:port}), {@code overlayAddress},
 *           {@code allowedSubnet} (CIDR), optional {@code controllerAddress} (the controller's overlay address)</td>
 *       <td>{@code handshake} ({@code true})</td>
 *       <td>Configures the spoke, waits (bounded by {@link AgentOptions#handshakeTimeout()}) for the first
 *           handshake, then persists the configuration; a joined member then reaches its domain controller at
 *           {@code controllerAddress}, inside the tunnel. Applies the member's firewall baseline (the overlay
 *           only) first, makes a batch node of a member that got the scheduler's key in its bundle (registered with
 *           the scheduler at {@code controllerAddress}), and enables remote desktop on port 3389 last. Without a
 *           handshake: {@code ok=false}, code {@value #TIMEOUT}, retryable.</td></tr>
 *   <tr><td>{@code END_USER_SESSIONS}</td><td>{@code userName}</td><td>none</td>
 *       <td>Ends every desktop session and process of the domain user on this member.</td></tr>
 *   <tr><td>{@code SET_CLIPBOARD_RULE}</td><td>{@code clipboard} ({@code off}, {@code to-desktop},
 *       {@code from-desktop} or {@code both})</td><td>none</td>
 *       <td>The remote desktop enforces the rule for every session that starts from now on; on a guest without
 *           one there is nothing to restrict, and the command succeeds.</td></tr>
 *   <tr><td>{@code BATCH_JOBS}</td><td>none</td><td>{@code jobs}: one row per job, {@code id}, {@code user},
 *       {@code name}, {@code state}, {@code nodes}, {@code reason} ({@link dev.asterism.protocol.Rows})</td>
 *       <td>The batch scheduler's queue as the domain's users see it from this member; {@value #UNSUPPORTED} on a
 *       member that is no batch node. Never kept: every request runs.</td></tr>
 * </table>
 *
 * <h2>Failures</h2>
 * A command that fails is answered with {@code ok=false}, a message a person can act on (never a secret), and the
 * results {@code code} and {@code retryable} ({@code true} or {@code false}). The code is the guest platform's
 * {@link GuestException.Code} name ({@code INVALID}, {@code NOT_FOUND}, {@code ALREADY_USED}, {@code CONFLICT},
 * {@code UNSUPPORTED}, {@code UNAVAILABLE}, {@code TIMEOUT}) or one of the agent's own: {@value #INVALID} for a
 * missing or malformed argument, {@value #NOT_FOUND} for a controller not provisioned yet, {@value #WRONG_ROLE}
 * for a command this agent's role does not run, {@value #CONFLICT} for a command id reused with another command,
 * {@value #INTERNAL} for a fault of the agent itself.
 *
 * <h2>Idempotence</h2>
 * Commands are idempotent on their id: the result of a command that succeeded, or failed for good, is kept in the
 * {@link AgentState} (the last {@value AgentState#MAX_CACHED_RESULTS}), and the same id is answered with it without
 * running again, also after a restart. A failure that is retryable, or a refusal for the role, is not kept: the
 * same id runs again. The same id with another kind or other arguments is refused with {@value #CONFLICT}.
 */
public final class Commands {

    // Arguments and results; each name is the protocol.
    public static final String DOMAIN = "domain";
    public static final String OVERLAY_SUBNET = "overlaySubnet";
    public static final String HUB_OVERLAY_ADDRESS = "hubOverlayAddress";
    public static final String LISTEN_PORT = "listenPort";
    public static final String UNDERLAY_ADDRESS = "underlayAddress";
    public static final String HUB_PUBLIC_KEY = "hubPublicKey";
    public static final String HUB_ENDPOINT_PORT = "hubEndpointPort";
    public static final String HUB_ENDPOINT = "hubEndpoint";
    public static final String MEMBER_NAME = "memberName";
    public static final String MEMBER_VM_ID = "memberVmId";
    public static final String COMPUTER_NAME = "computerName";
    public static final String MEMBER_PUBLIC_KEY = "memberPublicKey";
    public static final String DC_ADDRESS = "dcAddress";
    public static final String BUNDLE_ID = "bundleId";
    public static final String EPHEMERAL_PUBLIC_KEY = "ephemeralPublicKey";
    public static final String NONCE = "nonce";
    public static final String CIPHERTEXT = "ciphertext";
    public static final String ASSOCIATED_DATA = "associatedData";
    public static final String LEASE_ID = "leaseId";
    public static final String SOURCE_ADDRESS = "sourceAddress";
    public static final String EXPIRES_AT = "expiresAt";
    public static final String JOINED = "joined";
    public static final String PEER_PUBLIC_KEY = "peerPublicKey";
    public static final String OVERLAY_ADDRESS = "overlayAddress";
    public static final String ENDPOINT = "endpoint";
    public static final String ALLOWED_SUBNET = "allowedSubnet";
    public static final String CONTROLLER_ADDRESS = "controllerAddress";
    public static final String PUBLIC_KEY = "publicKey";
    public static final String HANDSHAKE = "handshake";
    public static final String USER_NAME = "userName";
    public static final String CLIPBOARD = "clipboard";
    public static final String PASSWORD = "password";
    public static final String NODE_NAME = "nodeName";
    public static final String REASON = "reason";
    public static final String NODES = "nodes";
    public static final String JOBS = "jobs";
    /** The result of a failed command that says why, as a code. */
    public static final String CODE = "code";
    /** The result of a failed command that says whether the same command may succeed later. */
    public static final String RETRYABLE = "retryable";

    // The agent's own failure codes, beside the guest platform's.
    public static final String INVALID = "INVALID";
    public static final String NOT_FOUND = "NOT_FOUND";
    public static final String UNSUPPORTED = "UNSUPPORTED";
    public static final String TIMEOUT = "TIMEOUT";
    public static final String WRONG_ROLE = "WRONG_ROLE";
    public static final String CONFLICT = "CONFLICT";
    public static final String INTERNAL = "INTERNAL";

    private static final System.Logger LOG = System.getLogger(Commands.class.getName());

    private final AgentState state;
    private final ControllerRole controller;
    private final WorkerRole worker;

    Commands(AgentState state, GuestPlatform platform, Clock clock, AgentOptions options) {
        this.state = requireNonNull(state, "state is null");
        this.controller = new ControllerRole(state, platform);
        this.worker = new WorkerRole(platform, clock, options);
    }

    /** The controller role's parts, for the agent's restart. */
    ControllerRole controller() {
        return controller;
    }

    /** Runs a command, or answers it from the kept result of the same id. Never throws for a command's failure. */
    CommandResult execute(ControllerCommand command) {
        requireNonNull(command, "command is null");
        String fingerprint = fingerprint(command);
        if (command.kind() == CommandKind.SET_DOMAIN_USER_PASSWORD) {
            // It carries a password: nothing of it (not even a hash of it) goes into the agent's state.
            return run(command);
        }
        if (command.kind() == CommandKind.BATCH_NODES || command.kind() == CommandKind.BATCH_JOBS) {
            // A reading of now: answered anew every time, and never crowding out results worth keeping.
            return run(command);
        }
        Optional<AgentState.CachedResult> cached = state.cachedResult(command.commandId());
        if (cached.isPresent()) {
            if (cached.get().fingerprint().equals(fingerprint)) {
                return cached.get().result();
            }
            return failure(command.commandId(), CONFLICT, "command id " + command.commandId() + " was used for"
                    + " another command before; send " + command.kind() + " with a new id", false);
        }
        CommandResult result = run(command);
        if (keep(result)) {
            state.rememberResult(new AgentState.CachedResult(fingerprint, result));
        }
        return result;
    }

    private CommandResult run(ControllerCommand command) {
        String id = command.commandId();
        CommandKind kind = command.kind();
        CommandArguments arguments = new CommandArguments(kind, command.arguments());
        try {
            requireRole(kind);
            Map<String, String> results = switch (kind) {
                case PROVISION_CONTROLLER -> controller.provision(arguments);
                case PRESET_COMPUTER -> throw new CommandFailure(UNSUPPORTED, "PRESET_COMPUTER is not run on its own:"
                        + " SEAL_JOIN_BUNDLE presets the computer and seals its one-time password in one step", false);
                case SEAL_JOIN_BUNDLE -> controller.sealJoinBundle(arguments);
                case REMOVE_COMPUTER -> controller.removeComputer(arguments);
                case OPEN_PORT_LEASE -> controller.openPortLease(arguments);
                case CLOSE_PORT_LEASE -> controller.closePortLease(arguments);
                case ADD_VPN_PEER -> controller.addVpnPeer(arguments);
                case REMOVE_VPN_PEER -> controller.removeVpnPeer(arguments);
                case VERIFY_JOIN -> controller.verifyJoin(arguments);
                case VPN_SPOKE_KEY -> worker.spokeKey();
                case CONFIGURE_VPN_SPOKE -> worker.configureSpoke(arguments);
                case CREATE_DOMAIN_USER -> controller.createDomainUser(arguments);
                case SET_DOMAIN_USER_PASSWORD -> controller.setDomainUserPassword(arguments);
                case REMOVE_DOMAIN_USER -> controller.removeDomainUser(arguments);
                case END_USER_SESSIONS -> worker.endUserSessions(arguments);
                case SET_CLIPBOARD_RULE -> worker.setClipboardRule(arguments);
                case REMOVE_BATCH_NODE -> controller.removeBatchNode(arguments);
                case BATCH_NODES -> controller.batchNodes();
                case BATCH_JOBS -> worker.batchJobs();
            };
            return new CommandResult(id, true, "", results);
        } catch (CommandFailure failure) {
            return failure(id, failure.code(), failure.getMessage(), failure.retryable());
        } catch (GuestException failure) {
            return failure(id, failure.code().name(), kind + " failed: " + failure.getMessage(), failure.retryable());
        } catch (SealingException failure) {
            return failure(id, INTERNAL, kind + " failed: " + failure.getMessage(), false);
        } catch (AgentStateException failure) {
            return failure(id, "UNAVAILABLE", kind + " failed: " + failure.getMessage(), true);
        } catch (RuntimeException unexpected) {
            LOG.log(System.Logger.Level.ERROR, "command " + id + " (" + kind + ") failed unexpectedly", unexpected);
            return failure(id, INTERNAL, kind + " failed because of a fault in the agent ("
                    + unexpected.getClass().getSimpleName() + "); the agent's log has the details", true);
        }
    }

    private void requireRole(CommandKind kind) {
        Optional<AgentRole> role = state.role();
        boolean allowed = switch (kind) {
            case PROVISION_CONTROLLER, PRESET_COMPUTER, SEAL_JOIN_BUNDLE, REMOVE_COMPUTER, OPEN_PORT_LEASE,
                    CLOSE_PORT_LEASE, ADD_VPN_PEER, REMOVE_VPN_PEER, VERIFY_JOIN, CREATE_DOMAIN_USER,
                    SET_DOMAIN_USER_PASSWORD, REMOVE_DOMAIN_USER, REMOVE_BATCH_NODE, BATCH_NODES ->
                    role.filter(AgentRole.CONTROLLER::equals).isPresent();
            case VPN_SPOKE_KEY, CONFIGURE_VPN_SPOKE, END_USER_SESSIONS, SET_CLIPBOARD_RULE, BATCH_JOBS ->
                    role.filter(held -> held == AgentRole.STUB || held == AgentRole.WORKER).isPresent();
        };
        if (!allowed) {
            String held = role.map(AgentRole::wireName).orElse("unregistered");
            throw new CommandFailure(WRONG_ROLE, kind + " is not run by an agent whose role is " + held, false);
        }
    }

    /** Whether a result is kept for its id: successes and failures that a retry would not change. */
    private static boolean keep(CommandResult result) {
        if (result.ok()) {
            return true;
        }
        return !"true".equals(result.results().get(RETRYABLE)) && !WRONG_ROLE.equals(result.results().get(CODE));
    }

    private static CommandResult failure(String commandId, String code, String message, boolean retryable) {
        Map<String, String> results = new LinkedHashMap<>();
        results.put(CODE, code);
        results.put(RETRYABLE, Boolean.toString(retryable));
        return new CommandResult(commandId, false, message, results);
    }

    /** The kind and the arguments, hashed: what makes two commands with one id the same command. */
    private static String fingerprint(ControllerCommand command) {
        StringBuilder text = new StringBuilder(command.kind().name());
        command.arguments().forEach((key, value) -> text.append('\n').append(key.length()).append(':').append(key)
                .append('=').append(value.length()).append(':').append(value));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every JDK has SHA-256", impossible);
        }
    }

    /**
     * Checks that the platform declares every part a command needs.
     *
     * @throws CommandFailure {@value #UNSUPPORTED} naming the missing part
     */
    static void require(GuestPlatform platform, GuestCapability... capabilities) {
        for (GuestCapability capability : capabilities) {
            if (!platform.capabilities().contains(capability)) {
                throw new CommandFailure(UNSUPPORTED, "the " + platform.name() + " guest platform of this VM has no "
                        + capability + " part", false);
            }
        }
    }

    /** An endpoint from {@code address:port}. */
    static Endpoint endpoint(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("'" + text + "' is not address:port");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException notANumber) {
            throw new IllegalArgumentException("'" + text + "' is not address:port");
        }
        return new Endpoint(Ipv4Address.of(text.substring(0, colon)), port);
    }
}
