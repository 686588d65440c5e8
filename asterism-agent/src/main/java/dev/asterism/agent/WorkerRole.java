package dev.asterism.agent;

import static dev.asterism.agent.Commands.ALLOWED_SUBNET;
import static dev.asterism.agent.Commands.CONTROLLER_ADDRESS;
import static dev.asterism.agent.Commands.HANDSHAKE;
import static dev.asterism.agent.Commands.HUB_ENDPOINT;
import static dev.asterism.agent.Commands.HUB_PUBLIC_KEY;
import static dev.asterism.agent.Commands.OVERLAY_ADDRESS;
import static dev.asterism.agent.Commands.PUBLIC_KEY;
import static java.util.Objects.requireNonNull;

import dev.asterism.protocol.Rows;
import dev.asterism.spi.guest.ClipboardRule;
import dev.asterism.spi.guest.Endpoint;
import dev.asterism.spi.guest.FirewallBaseline;
import dev.asterism.spi.guest.FirewallRule;
import dev.asterism.spi.guest.GuestCapability;
import dev.asterism.spi.guest.GuestPlatform;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Ipv4Subnet;
import dev.asterism.spi.guest.PortRange;
import dev.asterism.spi.guest.VpnPublicKey;
import dev.asterism.spi.guest.VpnSpoke;
import dev.asterism.spi.guest.VpnSpokeConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The worker role: the member's VPN spoke. The spoke's private key is made on this guest and never leaves it.
 */
final class WorkerRole {

    private final GuestPlatform platform;
    /** The remote desktop's port on every member: RDP's own. */
    static final int REMOTE_DESKTOP_PORT = 3389;

    private final Clock clock;
    private final AgentOptions options;

    WorkerRole(GuestPlatform platform, Clock clock, AgentOptions options) {
        this.platform = requireNonNull(platform, "platform is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.options = requireNonNull(options, "options is null");
    }

    Map<String, String> spokeKey() {
        Commands.require(platform, GuestCapability.VPN_SPOKE);
        return Map.of(PUBLIC_KEY, platform.vpnSpoke().ensureInterface().value());
    }

    /**
     * Configures the spoke, waits for its first handshake with the hub, and only then persists the configuration,
     * so that a configuration that never worked does not come back after a reboot.
     */
    Map<String, String> configureSpoke(CommandArguments arguments) {
        VpnPublicKey hubKey = arguments.parsed(HUB_PUBLIC_KEY, VpnPublicKey::of);
        Endpoint hubEndpoint = arguments.parsed(HUB_ENDPOINT, Commands::endpoint);
        Ipv4Address overlayAddress = arguments.parsed(OVERLAY_ADDRESS, Ipv4Address::of);
        Ipv4Subnet allowedSubnet = arguments.parsed(ALLOWED_SUBNET, Ipv4Subnet::of);
        VpnSpokeConfig config = configuration(hubKey, hubEndpoint, overlayAddress, allowedSubnet);
        Commands.require(platform, GuestCapability.VPN_SPOKE);
        if (platform.capabilities().contains(GuestCapability.FIREWALL)) {
            platform.firewall().applyBaseline(baseline(allowedSubnet));
        }
        VpnSpoke spoke = platform.vpnSpoke();
        spoke.ensureInterface();
        spoke.configure(config);
        if (!awaitHandshake(spoke)) {
            throw new CommandFailure("TIMEOUT", "CONFIGURE_VPN_SPOKE: no handshake with the hub " + hubKey + " at "
                    + hubEndpoint + " within " + options.handshakeTimeout().toSeconds() + " s; check that the hub"
                    + " has this spoke's key as a peer with " + overlayAddress + " and that its firewall lets UDP "
                    + hubEndpoint.port() + " in", true);
        }
        spoke.persist();
        // On the VPN, the domain is reached through the tunnel: the controller's underlay ports close after this.
        Optional<Ipv4Address> controller = arguments.optionalParsed(CONTROLLER_ADDRESS, Ipv4Address::of);
        if (controller.isPresent() && platform.capabilities().contains(GuestCapability.DOMAIN_MEMBER)
                && platform.domainMember().membership().isPresent()) {
            platform.domainMember().useController(controller.get());
        }
        // A member that got the batch scheduler's key in its bundle registers with it, over the tunnel.
        if (controller.isPresent() && platform.capabilities().contains(GuestCapability.BATCH_NODE)
                && platform.batchNode().nodeName().isPresent()) {
            platform.batchNode().join(controller.get());
        }
        // Remote desktop listens from now on; the member's baseline lets only the overlay reach it.
        if (platform.capabilities().contains(GuestCapability.REMOTE_DESKTOP)) {
            platform.remoteDesktop().enable(REMOTE_DESKTOP_PORT);
        }
        return Map.of(HANDSHAKE, "true");
    }

    /**
     * A member's permanent firewall: everything from the overlay (the constellation, through the hub), nothing else
     * inbound, so members reach each other only over the VPN and nothing on the underlay reaches a member.
     */
    Map<String, String> endUserSessions(CommandArguments arguments) {
        String userName = arguments.text(Commands.USER_NAME);
        Commands.require(platform, GuestCapability.REMOTE_DESKTOP);
        platform.remoteDesktop().endSessions(userName);
        return Map.of();
    }

    Map<String, String> setClipboardRule(CommandArguments arguments) {
        ClipboardRule rule = arguments.parsed(Commands.CLIPBOARD, name -> ClipboardRule.ofWireName(name).orElseThrow(
                () -> new IllegalArgumentException("a clipboard rule is one of " + ClipboardRule.wireNames())));
        // A guest without a remote desktop has no session clipboard: nothing to restrict.
        if (platform.capabilities().contains(GuestCapability.REMOTE_DESKTOP)) {
            platform.remoteDesktop().restrictClipboard(rule);
        }
        return Map.of();
    }

    Map<String, String> batchJobs() {
        Commands.require(platform, GuestCapability.BATCH_NODE);
        List<List<String>> rows = platform.batchNode().jobs().stream()
                .map(job -> Rows.row(job.id(), job.user(), job.name(), job.state(), job.nodes(), job.reason()))
                .toList();
        return Map.of(Commands.JOBS, Rows.encode(rows));
    }

    static FirewallBaseline baseline(Ipv4Subnet overlaySubnet) {
        return new FirewallBaseline(List.of(new FirewallRule(overlaySubnet, PortRange.tcp(1, 65535)),
                new FirewallRule(overlaySubnet, new PortRange(PortRange.Protocol.UDP, 1, 65535)),
                new FirewallRule(overlaySubnet, PortRange.icmpEcho())));
    }

    private static VpnSpokeConfig configuration(VpnPublicKey hubKey, Endpoint hubEndpoint, Ipv4Address overlayAddress,
            Ipv4Subnet allowedSubnet) {
        try {
            return new VpnSpokeConfig(hubKey, hubEndpoint, overlayAddress, allowedSubnet);
        } catch (IllegalArgumentException invalid) {
            throw new CommandFailure(Commands.INVALID, "CONFIGURE_VPN_SPOKE: " + invalid.getMessage(), false);
        }
    }

    /**
     * Polls for the handshake until the handshake timeout has passed on the agent's clock, and at most as many
     * times as polls fit in it, so that the wait ends even on a clock that stands still.
     */
    private boolean awaitHandshake(VpnSpoke spoke) {
        Instant deadline = clock.instant().plus(options.handshakeTimeout());
        long pollsLeft = Math.max(1, options.handshakeTimeout().toMillis()
                / Math.max(1, options.handshakePollInterval().toMillis()));
        while (!spoke.handshakeSeen()) {
            if (pollsLeft-- <= 0 || !clock.instant().isBefore(deadline)) {
                return false;
            }
            sleep(options.handshakePollInterval());
        }
        return true;
    }

    private void sleep(Duration duration) {
        try {
            options.sleeper().sleep(duration);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new CommandFailure("TIMEOUT", "CONFIGURE_VPN_SPOKE: the agent stopped while waiting for the"
                    + " handshake", true);
        }
    }
}
