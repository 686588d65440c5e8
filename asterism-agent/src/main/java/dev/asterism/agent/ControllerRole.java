package dev.asterism.agent;

import static dev.asterism.agent.Commands.ALLOWED_SUBNET;
import static dev.asterism.agent.Commands.ASSOCIATED_DATA;
import static dev.asterism.agent.Commands.BUNDLE_ID;
import static dev.asterism.agent.Commands.CIPHERTEXT;
import static dev.asterism.agent.Commands.COMPUTER_NAME;
import static dev.asterism.agent.Commands.DC_ADDRESS;
import static dev.asterism.agent.Commands.DOMAIN;
import static dev.asterism.agent.Commands.ENDPOINT;
import static dev.asterism.agent.Commands.EPHEMERAL_PUBLIC_KEY;
import static dev.asterism.agent.Commands.EXPIRES_AT;
import static dev.asterism.agent.Commands.HUB_ENDPOINT;
import static dev.asterism.agent.Commands.HUB_ENDPOINT_PORT;
import static dev.asterism.agent.Commands.HUB_OVERLAY_ADDRESS;
import static dev.asterism.agent.Commands.HUB_PUBLIC_KEY;
import static dev.asterism.agent.Commands.JOINED;
import static dev.asterism.agent.Commands.LEASE_ID;
import static dev.asterism.agent.Commands.LISTEN_PORT;
import static dev.asterism.agent.Commands.MEMBER_NAME;
import static dev.asterism.agent.Commands.MEMBER_PUBLIC_KEY;
import static dev.asterism.agent.Commands.MEMBER_VM_ID;
import static dev.asterism.agent.Commands.NONCE;
import static dev.asterism.agent.Commands.OVERLAY_ADDRESS;
import static dev.asterism.agent.Commands.OVERLAY_SUBNET;
import static dev.asterism.agent.Commands.PEER_PUBLIC_KEY;
import static dev.asterism.agent.Commands.SOURCE_ADDRESS;
import static dev.asterism.agent.Commands.PASSWORD;
import static dev.asterism.agent.Commands.NODES;
import static dev.asterism.agent.Commands.NODE_NAME;
import static dev.asterism.agent.Commands.REASON;
import static dev.asterism.agent.Commands.UNDERLAY_ADDRESS;
import static dev.asterism.agent.Commands.USER_NAME;
import static java.util.Objects.requireNonNull;

import dev.asterism.agent.AgentState.ControllerSettings;
import dev.asterism.protocol.JoinBundle;
import dev.asterism.protocol.ProtocolCodec;
import dev.asterism.protocol.Rows;
import dev.asterism.protocol.SealedBox;
import dev.asterism.protocol.Sealing;
import dev.asterism.protocol.SealingException;
import dev.asterism.spi.guest.ComputerName;
import dev.asterism.spi.guest.DomainController;
import dev.asterism.spi.guest.DomainName;
import dev.asterism.spi.guest.Endpoint;
import dev.asterism.spi.guest.FirewallBaseline;
import dev.asterism.spi.guest.FirewallRule;
import dev.asterism.spi.guest.FileShare;
import dev.asterism.spi.guest.GuestCapability;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestPlatform;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Ipv4Subnet;
import dev.asterism.spi.guest.PortLease;
import dev.asterism.spi.guest.PortRange;
import dev.asterism.spi.guest.Secret;
import dev.asterism.spi.guest.VpnPublicKey;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The controller role: the domain controller, the firewall, the VPN hub and the file share of a constellation's
 * controlling VM, and the one-time join credentials. The domain administrator password and every one-time password
 * are made here and stay here: the administrator password only in the agent's state, a one-time password only
 * inside the sealed join bundle.
 */
final class ControllerRole {

    /** The name of the join bundle step that the agent runs through {@code DomainMember.join}. */
    static final String JOIN_DOMAIN_STEP = "join-domain";
    /** The share every constellation gets, served to the domain's users. */
    static final String SHARE_NAME = FileShare.CONSTELLATION_SHARE;
    static final String SHARE_PATH = "/srv/asterism/shared";

    private static final String JOIN_DOMAIN_SCRIPT =
            "# The agent joins the domain itself, through its guest platform's domain member part.\n";
    private static final String BATCH_NODE_SCRIPT =
            "# The agent keeps the batch scheduler's key itself, through its guest platform's batch node part.\n";
    private static final Ipv4Subnet ANYWHERE = Ipv4Subnet.of("0.0.0.0/0");

    private final AgentState state;
    private final GuestPlatform platform;
    private final Sealing sealing = new Sealing();
    private final ProtocolCodec codec = new ProtocolCodec();

    ControllerRole(AgentState state, GuestPlatform platform) {
        this.state = requireNonNull(state, "state is null");
        this.platform = requireNonNull(platform, "platform is null");
    }

    Map<String, String> provision(CommandArguments arguments) {
        DomainName domain = arguments.parsed(DOMAIN, DomainName::of);
        Ipv4Subnet overlaySubnet = arguments.parsed(OVERLAY_SUBNET, Ipv4Subnet::of);
        Ipv4Address hubOverlayAddress = arguments.parsed(HUB_OVERLAY_ADDRESS, Ipv4Address::of);
        int listenPort = arguments.port(LISTEN_PORT);
        Optional<Ipv4Address> underlayAddress = arguments.optionalParsed(UNDERLAY_ADDRESS, Ipv4Address::of);
        if (!overlaySubnet.contains(hubOverlayAddress)) {
            throw new CommandFailure(Commands.INVALID, "PROVISION_CONTROLLER: the hub's overlay address "
                    + hubOverlayAddress + " is outside the overlay subnet " + overlaySubnet, false);
        }
        ControllerSettings settings = new ControllerSettings(domain.value(), overlaySubnet.toString(),
                hubOverlayAddress.value(), listenPort, underlayAddress.map(Ipv4Address::value));
        VpnPublicKey hubKey = apply(settings);
        state.saveControllerSettings(settings);
        Map<String, String> results = new LinkedHashMap<>();
        results.put(HUB_PUBLIC_KEY, hubKey.value());
        results.put(HUB_ENDPOINT_PORT, Integer.toString(listenPort));
        return results;
    }

    /**
     * Brings the guest to the provisioned settings again, as after a restart of the agent: every part is
     * idempotent. Does nothing before the first provisioning.
     */
    void reapply() {
        state.controllerSettings().ifPresent(this::apply);
    }

    private VpnPublicKey apply(ControllerSettings settings) {
        Commands.require(platform, GuestCapability.DOMAIN_CONTROLLER, GuestCapability.FIREWALL,
                GuestCapability.VPN_HUB);
        // Kept before the domain exists, so that no crash can leave a domain whose password nobody has.
        Secret administratorPassword =
                state.rememberAdministratorPassword(Passwords.generate(Passwords.ADMINISTRATOR_LENGTH));
        DomainController domainController = platform.domainController();
        domainController.provision(DomainName.of(settings.domain()), administratorPassword);
        Ipv4Subnet overlaySubnet = Ipv4Subnet.of(settings.overlaySubnet());
        List<PortRange> overlayPorts = new ArrayList<>(domainController.joinPorts());
        if (hasScheduler()) {
            overlayPorts.add(platform.batchScheduler().port());
        }
        platform.firewall().applyBaseline(baseline(overlaySubnet, settings.listenPort(), overlayPorts));
        VpnPublicKey hubKey = platform.vpnHub().ensureInterface(Ipv4Address.of(settings.hubOverlayAddress()),
                overlaySubnet, settings.listenPort());
        if (platform.capabilities().contains(GuestCapability.FILE_SHARE)) {
            platform.fileShare().ensureShare(SHARE_NAME, SHARE_PATH);
        }
        if (hasScheduler()) {
            platform.batchScheduler().ensureScheduler(Ipv4Address.of(settings.hubOverlayAddress()));
        }
        return hubKey;
    }

    private boolean hasScheduler() {
        return platform.capabilities().contains(GuestCapability.BATCH_SCHEDULER);
    }

    /**
     * The controller's permanent firewall: the domain's services (and the batch scheduler's) from the overlay, and
     * the hub's UDP port from anywhere (WireGuard answers no packet without a peer's key). A joining VM reaches the
     * domain's services from the underlay only through a port lease.
     */
    static FirewallBaseline baseline(Ipv4Subnet overlaySubnet, int listenPort, List<PortRange> overlayPorts) {
        List<FirewallRule> rules = new ArrayList<>();
        for (PortRange ports : overlayPorts) {
            rules.add(new FirewallRule(overlaySubnet, ports));
        }
        rules.add(new FirewallRule(ANYWHERE, PortRange.udp(listenPort)));
        return new FirewallBaseline(rules);
    }

    Map<String, String> sealJoinBundle(CommandArguments arguments) {
        String memberName = arguments.text(MEMBER_NAME);
        String memberVmId = arguments.text(MEMBER_VM_ID);
        ComputerName computerName = arguments.parsed(COMPUTER_NAME, ComputerName::of);
        Ipv4Address dcAddress = arguments.parsed(DC_ADDRESS, Ipv4Address::of);
        PublicKey memberKey = arguments.parsed(MEMBER_PUBLIC_KEY, ControllerRole::memberPublicKey);
        ControllerSettings settings = requireProvisioned("SEAL_JOIN_BUNDLE");
        Commands.require(platform, GuestCapability.DOMAIN_CONTROLLER);

        Secret oneTimePassword = Passwords.generate(Passwords.ONE_TIME_LENGTH);
        platform.domainController().presetComputer(computerName, oneTimePassword);
        List<JoinBundle.Step> steps = new ArrayList<>(List.of(new JoinBundle.Step(JOIN_DOMAIN_STEP, JOIN_DOMAIN_SCRIPT,
                false)));
        String batchKey = "";
        if (hasScheduler()) {
            platform.batchScheduler().admitNode(memberName);
            batchKey = platform.batchScheduler().nodeKey().reveal();
            steps.add(new JoinBundle.Step(JoinBundle.BATCH_NODE_STEP, BATCH_NODE_SCRIPT, false));
        }
        JoinBundle bundle = new JoinBundle(memberName, settings.domain(), computerName.value(),
                oneTimePassword.reveal(), dcAddress.value(), steps, batchKey);
        byte[] plaintext = codec.encodeJoinBundle(bundle);
        SealedBox sealed;
        try {
            sealed = sealing.seal(plaintext, memberKey, JoinBundle.associatedDataFor(memberVmId));
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
        Map<String, String> results = new LinkedHashMap<>();
        results.put(BUNDLE_ID, "bundle-" + UUID.randomUUID());
        results.put(EPHEMERAL_PUBLIC_KEY, sealed.ephemeralPublicKey());
        results.put(NONCE, sealed.nonce());
        results.put(CIPHERTEXT, sealed.ciphertext());
        results.put(ASSOCIATED_DATA, sealed.associatedData());
        return results;
    }

    private static PublicKey memberPublicKey(String base64) {
        try {
            return Sealing.decodePublicKey(base64);
        } catch (SealingException invalid) {
            throw new IllegalArgumentException(invalid.getMessage());
        }
    }

    Map<String, String> openPortLease(CommandArguments arguments) {
        String leaseId = arguments.parsed(LEASE_ID, PortLease::requireLeaseId);
        Ipv4Address source = arguments.parsed(SOURCE_ADDRESS, Ipv4Address::of);
        Instant expiresAt = arguments.instant(EXPIRES_AT);
        Commands.require(platform, GuestCapability.DOMAIN_CONTROLLER, GuestCapability.FIREWALL);
        platform.firewall().openLease(leaseId, source, platform.domainController().joinPorts(), expiresAt);
        return Map.of(LEASE_ID, leaseId, EXPIRES_AT, expiresAt.toString());
    }

    Map<String, String> closePortLease(CommandArguments arguments) {
        String leaseId = arguments.parsed(LEASE_ID, PortLease::requireLeaseId);
        Commands.require(platform, GuestCapability.FIREWALL);
        platform.firewall().closeLease(leaseId);
        return Map.of(LEASE_ID, leaseId);
    }

    Map<String, String> verifyJoin(CommandArguments arguments) {
        ComputerName computerName = arguments.parsed(COMPUTER_NAME, ComputerName::of);
        Commands.require(platform, GuestCapability.DOMAIN_CONTROLLER);
        boolean joined = platform.domainController().verifyJoin(computerName);
        return Map.of(JOINED, Boolean.toString(joined));
    }

    Map<String, String> removeComputer(CommandArguments arguments) {
        ComputerName computerName = arguments.parsed(COMPUTER_NAME, ComputerName::of);
        Commands.require(platform, GuestCapability.DOMAIN_CONTROLLER);
        platform.domainController().removeComputer(computerName);
        return Map.of();
    }

    Map<String, String> addVpnPeer(CommandArguments arguments) {
        VpnPublicKey peerKey = arguments.parsed(PEER_PUBLIC_KEY, VpnPublicKey::of);
        Ipv4Address overlayAddress = arguments.parsed(OVERLAY_ADDRESS, Ipv4Address::of);
        Optional<Endpoint> endpoint = arguments.optionalParsed(ENDPOINT, Commands::endpoint);
        ControllerSettings settings = requireProvisioned("ADD_VPN_PEER");
        Commands.require(platform, GuestCapability.VPN_HUB);
        platform.vpnHub().addPeer(peerKey, overlayAddress, endpoint);
        VpnPublicKey hubKey = platform.vpnHub().publicKey().orElseThrow(() -> new GuestException(
                GuestException.Code.NOT_FOUND, "the VPN hub has no interface; provision the controller again"));
        Map<String, String> results = new LinkedHashMap<>();
        results.put(HUB_PUBLIC_KEY, hubKey.value());
        results.put(ALLOWED_SUBNET, settings.overlaySubnet());
        settings.underlayAddress().ifPresent(address -> results.put(HUB_ENDPOINT,
                new Endpoint(Ipv4Address.of(address), settings.listenPort()).toString()));
        return results;
    }

    Map<String, String> removeVpnPeer(CommandArguments arguments) {
        VpnPublicKey peerKey = arguments.parsed(PEER_PUBLIC_KEY, VpnPublicKey::of);
        Commands.require(platform, GuestCapability.VPN_HUB);
        platform.vpnHub().removePeer(peerKey);
        return Map.of();
    }

    Map<String, String> createDomainUser(CommandArguments arguments) {
        String userName = arguments.text(USER_NAME);
        requireProvisioned("CREATE_DOMAIN_USER");
        Commands.require(platform, GuestCapability.DOMAIN_CONTROLLER);
        DomainController domainController = platform.domainController();
        if (!domainController.users().contains(userName.toLowerCase(Locale.ROOT))) {
            // Nobody knows this password: the account is usable once its person sets their own.
            domainController.createUser(userName, Passwords.generate(Passwords.ADMINISTRATOR_LENGTH));
        }
        domainController.addToGroup(DomainController.USERS_GROUP, userName);
        return Map.of();
    }

    Map<String, String> setDomainUserPassword(CommandArguments arguments) {
        String userName = arguments.text(USER_NAME);
        Secret password = Secret.of(arguments.text(PASSWORD));
        requireProvisioned("SET_DOMAIN_USER_PASSWORD");
        Commands.require(platform, GuestCapability.DOMAIN_CONTROLLER);
        DomainController domainController = platform.domainController();
        if (!domainController.users().contains(userName.toLowerCase(Locale.ROOT))) {
            throw new CommandFailure(Commands.NOT_FOUND, "the domain has no account " + userName + " yet", true);
        }
        domainController.createUser(userName, password);
        return Map.of();
    }

    Map<String, String> removeDomainUser(CommandArguments arguments) {
        String userName = arguments.text(USER_NAME);
        requireProvisioned("REMOVE_DOMAIN_USER");
        Commands.require(platform, GuestCapability.DOMAIN_CONTROLLER);
        platform.domainController().removeUser(userName);
        return Map.of();
    }

    Map<String, String> removeBatchNode(CommandArguments arguments) {
        String nodeName = arguments.text(NODE_NAME);
        String reason = arguments.text(REASON);
        requireProvisioned("REMOVE_BATCH_NODE");
        if (hasScheduler()) {
            platform.batchScheduler().removeNode(nodeName, reason);
        }
        return Map.of();
    }

    Map<String, String> batchNodes() {
        requireProvisioned("BATCH_NODES");
        Commands.require(platform, GuestCapability.BATCH_SCHEDULER);
        List<List<String>> rows = platform.batchScheduler().nodes().stream()
                .map(node -> Rows.row(node.name(), node.state(), node.reason(), node.cpus())).toList();
        return Map.of(NODES, Rows.encode(rows));
    }

    private ControllerSettings requireProvisioned(String command) {
        return state.controllerSettings().orElseThrow(() -> new CommandFailure(Commands.NOT_FOUND,
                command + " needs a provisioned controller: send PROVISION_CONTROLLER first", false));
    }
}
