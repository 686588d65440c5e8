package dev.asterism.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.asterism.spi.guest.ComputerAccount;
import dev.asterism.spi.guest.ComputerName;
import dev.asterism.spi.guest.DomainController;
import dev.asterism.spi.guest.DomainMembership;
import dev.asterism.spi.guest.DomainName;
import dev.asterism.spi.guest.Endpoint;
import dev.asterism.spi.guest.FirewallBaseline;
import dev.asterism.spi.guest.FirewallRule;
import dev.asterism.spi.guest.GuestCapability;
import dev.asterism.spi.guest.ClipboardRule;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestPlatform;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Ipv4Subnet;
import dev.asterism.spi.guest.PortLease;
import dev.asterism.spi.guest.PortRange;
import dev.asterism.spi.guest.ScriptResult;
import dev.asterism.spi.guest.Secret;
import dev.asterism.spi.guest.VpnPeer;
import dev.asterism.spi.guest.VpnPublicKey;
import dev.asterism.spi.guest.VpnSpokeConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every guest platform promises, run against each platform the machine can run ({@code sim} now,
 * {@code linux} in network namespaces later), as Nova runs one suite against its fake and libvirt drivers.
 *
 * <p>A platform's test extends this class and implements {@link #openLab()}: a controller guest and member guests on
 * one network, with every capability, fresh for each test and closed after it. Waits go through
 * {@link GuestLab#letTimePass}, so a sim lab runs without waiting in real time.
 */
public abstract class GuestPlatformContract {

    protected static final DomainName DOMAIN = DomainName.of("C7.ASTERISM.TEST");
    protected static final Secret ADMINISTRATOR_PASSWORD = Secret.of("Contract-Admin-2030");
    protected static final Ipv4Subnet OVERLAY = Ipv4Subnet.of("10.77.0.0/24");
    protected static final Ipv4Address HUB_OVERLAY_ADDRESS = Ipv4Address.of("10.77.0.1");
    protected static final int VPN_PORT = 51820;

    private GuestLab lab;

    /** Makes the lab for one test; closed after it. */
    protected abstract GuestLab openLab();

    /** How long a lease lives in the expiry test; real platforms may want a few seconds. */
    protected Duration shortLeaseDuration() {
        return Duration.ofSeconds(3);
    }

    /** How long to wait for a VPN handshake before it counts as missing. */
    protected Duration handshakeTimeout() {
        return Duration.ofSeconds(20);
    }

    /** A script in the platform's shell that prints {@code text} and exits with {@code exitCode}. */
    protected String printAndExit(String text, int exitCode) {
        return "echo " + text + "\nexit " + exitCode + "\n";
    }

    @BeforeEach
    public final void openTheLab() {
        lab = openLab();
    }

    @AfterEach
    public final void closeTheLab() {
        lab.close();
    }

    protected final GuestLab lab() {
        return lab;
    }

    protected final GuestPlatform controller() {
        return lab.controller();
    }

    protected final DomainController provisionedController() {
        DomainController domainController = controller().domainController();
        domainController.provision(DOMAIN, ADMINISTRATOR_PASSWORD);
        return domainController;
    }

    /** Opens the controller's join ports for {@code member} for ten minutes, as the OPEN_PORTS phase does. */
    protected final void openJoinPortsFor(GuestPlatform member) {
        controller().firewall().openLease("join-" + lab.underlayAddress(member).value().replace('.', '-'),
                lab.underlayAddress(member), controller().domainController().joinPorts(),
                lab.clock().instant().plus(Duration.ofMinutes(10)));
    }

    /** Opens the join ports for {@code member}, presets {@code name} and joins the member as it, as onboarding does. */
    protected final void presetAndJoin(GuestPlatform member, ComputerName name, Secret oneTimePassword) {
        openJoinPortsFor(member);
        controller().domainController().presetComputer(name, oneTimePassword);
        join(member, name, oneTimePassword);
    }

    protected final void join(GuestPlatform member, ComputerName name, Secret oneTimePassword) {
        member.domainMember().join(DOMAIN, lab.underlayAddress(controller()), name, oneTimePassword);
    }

    protected static GuestException.Code failureCode(ThrowingCallable call) {
        GuestException failure = catchThrowableOfType(GuestException.class, call);
        assertThat(failure).as("expected a GuestException").isNotNull();
        assertThat(failure.getMessage()).isNotBlank();
        return failure.code();
    }

    /** Waits, letting time pass in small steps, until {@code condition} holds or {@code timeout} passed. */
    protected final boolean eventually(Duration timeout, BooleanSupplier condition) {
        Duration step = Duration.ofMillis(200);
        for (Duration waited = Duration.ZERO; waited.compareTo(timeout) <= 0; waited = waited.plus(step)) {
            if (condition.getAsBoolean()) {
                return true;
            }
            lab.letTimePass(step);
        }
        return condition.getAsBoolean();
    }

    private List<String> leaseIds() {
        return controller().firewall().openLeases().stream().map(PortLease::leaseId).toList();
    }

    // ---- the platform ---------------------------------------------------------------------------------------

    @Test
    public void the_lab_guests_declare_every_part_and_hand_it_out() {
        GuestPlatform member = lab.newMember("member-a");

        for (GuestPlatform guest : List.of(controller(), member)) {
            assertThat(guest.name()).isNotBlank();
            assertThat(guest.osFamily()).isNotNull();
            // Every part a constellation needs; the batch parts only where the platform runs Slurm for real.
            assertThat(guest.capabilities()).containsAll(EnumSet.complementOf(EnumSet.of(
                    GuestCapability.BATCH_SCHEDULER, GuestCapability.BATCH_NODE)));
            assertThat(guest.domainController()).isNotNull();
            assertThat(guest.domainMember()).isNotNull();
            assertThat(guest.firewall()).isNotNull();
            assertThat(guest.vpnHub()).isNotNull();
            assertThat(guest.vpnSpoke()).isNotNull();
            assertThat(guest.fileShare()).isNotNull();
            assertThat(guest.fileShareClient()).isNotNull();
            assertThat(guest.remoteDesktop()).isNotNull();
            assertThat(guest.scripts()).isNotNull();
            assertThat(guest.power()).isNotNull();
        }
    }

    // ---- firewall -------------------------------------------------------------------------------------------

    @Test
    public void applying_the_same_baseline_twice_changes_nothing() {
        FirewallBaseline baseline = new FirewallBaseline(List.of(
                new FirewallRule(Ipv4Subnet.of("0.0.0.0/0"), PortRange.udp(VPN_PORT)),
                new FirewallRule(OVERLAY, PortRange.tcp(445))));

        controller().firewall().applyBaseline(baseline);
        controller().firewall().applyBaseline(baseline);

        assertThat(controller().firewall().baseline()).contains(baseline);
        assertThat(controller().firewall().openLeases()).isEmpty();
    }

    @Test
    public void a_new_baseline_replaces_the_old_one_and_keeps_the_leases() {
        Ipv4Address source = Ipv4Address.of("192.0.2.10");
        controller().firewall().applyBaseline(FirewallBaseline.dropAll());
        controller().firewall().openLease("keep-me", source, List.of(PortRange.tcp(389)),
                lab.clock().instant().plus(Duration.ofMinutes(5)));
        FirewallBaseline replacement = new FirewallBaseline(
                List.of(new FirewallRule(Ipv4Subnet.of("0.0.0.0/0"), PortRange.udp(VPN_PORT))));

        controller().firewall().applyBaseline(replacement);

        assertThat(controller().firewall().baseline()).contains(replacement);
        assertThat(leaseIds()).containsExactly("keep-me");
    }

    @Test
    public void a_lease_opens_is_listed_and_closes_and_closing_it_twice_succeeds() {
        Ipv4Address source = Ipv4Address.of("192.0.2.10");
        Instant expiresAt = lab.clock().instant().plus(Duration.ofMinutes(5));
        List<PortRange> ports = List.of(PortRange.tcp(389), PortRange.tcp(49152, 65535), PortRange.udp(53));
        controller().firewall().applyBaseline(FirewallBaseline.dropAll());

        controller().firewall().openLease("lease-1", source, ports, expiresAt);

        assertThat(controller().firewall().openLeases()).singleElement().satisfies(lease -> {
            assertThat(lease.leaseId()).isEqualTo("lease-1");
            assertThat(lease.source()).isEqualTo(source);
            assertThat(lease.ports()).containsExactlyInAnyOrderElementsOf(ports);
            assertThat(Duration.between(lease.expiresAt(), expiresAt).abs()).isLessThanOrEqualTo(Duration.ofSeconds(1));
        });

        controller().firewall().closeLease("lease-1");
        assertThat(controller().firewall().openLeases()).isEmpty();
        assertThatCode(() -> controller().firewall().closeLease("lease-1")).doesNotThrowAnyException();
        assertThatCode(() -> controller().firewall().closeLease("never-opened")).doesNotThrowAnyException();
    }

    @Test
    public void opening_a_lease_again_keeps_one_lease_with_the_new_deadline() {
        Ipv4Address source = Ipv4Address.of("192.0.2.11");
        Instant first = lab.clock().instant().plus(Duration.ofMinutes(5));
        Instant later = first.plus(Duration.ofMinutes(5));

        controller().firewall().openLease("lease-2", source, List.of(PortRange.tcp(88)), first);
        controller().firewall().openLease("lease-2", source, List.of(PortRange.tcp(88)), later);

        assertThat(controller().firewall().openLeases()).singleElement().satisfies(lease ->
                assertThat(Duration.between(lease.expiresAt(), later).abs()).isLessThanOrEqualTo(Duration.ofSeconds(1)));
    }

    @Test
    public void a_lease_expires_by_itself_at_its_deadline() {
        Ipv4Address source = Ipv4Address.of("192.0.2.12");
        controller().firewall().applyBaseline(FirewallBaseline.dropAll());
        Instant expiresAt = lab.clock().instant().plus(shortLeaseDuration());

        controller().firewall().openLease("short", source, List.of(PortRange.tcp(389)), expiresAt);
        assertThat(leaseIds()).containsExactly("short");

        lab.letTimePass(shortLeaseDuration());

        assertThat(controller().firewall().openLeases()).isEmpty();
        assertThatCode(() -> controller().firewall().closeLease("short")).doesNotThrowAnyException();
    }

    @Test
    public void a_lease_whose_deadline_has_passed_is_refused_as_invalid() {
        Instant past = lab.clock().instant().minus(Duration.ofSeconds(1));

        assertThat(failureCode(() -> controller().firewall().openLease(
                "late", Ipv4Address.of("192.0.2.13"), List.of(PortRange.tcp(389)), past)))
                .isEqualTo(GuestException.Code.INVALID);
        assertThat(controller().firewall().openLeases()).isEmpty();
    }

    // ---- domain ---------------------------------------------------------------------------------------------

    @Test
    public void provisioning_the_same_domain_twice_succeeds_and_another_domain_conflicts() {
        DomainController domainController = provisionedController();

        domainController.provision(DOMAIN, ADMINISTRATOR_PASSWORD);

        assertThat(domainController.provisionedDomain()).contains(DOMAIN);
        assertThat(domainController.joinPorts()).isNotEmpty();
        assertThat(failureCode(() -> domainController.provision(DomainName.of("OTHER.ASTERISM.TEST"),
                ADMINISTRATOR_PASSWORD))).isEqualTo(GuestException.Code.CONFLICT);
    }

    @Test
    public void presetting_a_computer_without_a_domain_is_not_found() {
        assertThat(failureCode(() -> controller().domainController()
                .presetComputer(ComputerName.of("WORKER-1"), Secret.of("One-Time-Pass-1"))))
                .isEqualTo(GuestException.Code.NOT_FOUND);
    }

    @Test
    public void a_preset_computer_joins_once_and_is_verified() {
        DomainController domainController = provisionedController();
        GuestPlatform member = lab.newMember("worker-1");
        ComputerName name = ComputerName.of("WORKER-1");
        Secret oneTimePassword = Secret.of("One-Time-Pass-1");
        controller().firewall().applyBaseline(FirewallBaseline.dropAll());
        openJoinPortsFor(member);
        domainController.presetComputer(name, oneTimePassword);
        assertThat(domainController.verifyJoin(name)).as("verified before the join").isFalse();

        join(member, name, oneTimePassword);

        assertThat(member.domainMember().membership())
                .contains(new DomainMembership(DOMAIN, name, lab.underlayAddress(controller())));
        assertThat(domainController.verifyJoin(name)).isTrue();
        assertThat(domainController.computers()).containsExactly(new ComputerAccount(name, true));
    }

    @Test
    public void a_joined_member_uses_its_controller_at_a_new_address_and_an_unjoined_one_cannot() {
        provisionedController();
        GuestPlatform member = lab.newMember("worker-1");
        GuestPlatform unjoined = lab.newMember("worker-2");
        ComputerName name = ComputerName.of("WORKER-1");
        presetAndJoin(member, name, Secret.of("One-Time-Pass-1"));

        member.domainMember().useController(HUB_OVERLAY_ADDRESS);
        member.domainMember().useController(HUB_OVERLAY_ADDRESS);

        assertThat(member.domainMember().membership()).contains(new DomainMembership(DOMAIN, name, HUB_OVERLAY_ADDRESS));
        assertThat(failureCode(() -> unjoined.domainMember().useController(HUB_OVERLAY_ADDRESS)))
                .isEqualTo(GuestException.Code.NOT_FOUND);
    }

    @Test
    public void joining_again_as_the_joined_computer_succeeds_without_the_password() {
        DomainController domainController = provisionedController();
        GuestPlatform member = lab.newMember("worker-1");
        ComputerName name = ComputerName.of("WORKER-1");
        Secret oneTimePassword = Secret.of("One-Time-Pass-1");
        presetAndJoin(member, name, oneTimePassword);

        assertThatCode(() -> join(member, name, oneTimePassword)).doesNotThrowAnyException();
        assertThat(domainController.verifyJoin(name)).isTrue();
    }

    /**
     * A reused one-time password fails, and the impostor stays unjoined. A platform that can tell reuse apart says
     * {@code ALREADY_USED}; one that cannot (adcli: the first join replaced the password, so a reuse is a wrong
     * password to it) says {@code INVALID}.
     */
    @Test
    public void reusing_a_one_time_password_fails_with_already_used_or_invalid() {
        DomainController domainController = provisionedController();
        GuestPlatform first = lab.newMember("worker-1");
        GuestPlatform impostor = lab.newMember("worker-2");
        ComputerName name = ComputerName.of("WORKER-1");
        Secret oneTimePassword = Secret.of("One-Time-Pass-1");
        openJoinPortsFor(first);
        openJoinPortsFor(impostor);
        domainController.presetComputer(name, oneTimePassword);
        join(first, name, oneTimePassword);

        assertThat(failureCode(() -> join(impostor, name, oneTimePassword)))
                .isIn(GuestException.Code.ALREADY_USED, GuestException.Code.INVALID);
        assertThat(impostor.domainMember().membership()).isEmpty();
    }

    @Test
    public void a_wrong_one_time_password_fails_with_invalid_and_the_right_one_still_works() {
        DomainController domainController = provisionedController();
        GuestPlatform member = lab.newMember("worker-1");
        ComputerName name = ComputerName.of("WORKER-1");
        openJoinPortsFor(member);
        domainController.presetComputer(name, Secret.of("One-Time-Pass-1"));

        assertThat(failureCode(() -> join(member, name, Secret.of("Wrong-Pass-99"))))
                .isEqualTo(GuestException.Code.INVALID);
        assertThat(member.domainMember().membership()).isEmpty();

        join(member, name, Secret.of("One-Time-Pass-1"));
        assertThat(domainController.verifyJoin(name)).isTrue();
    }

    @Test
    public void presetting_a_computer_again_resets_it_for_the_new_password() {
        DomainController domainController = provisionedController();
        GuestPlatform first = lab.newMember("worker-1");
        GuestPlatform replacement = lab.newMember("worker-1b");
        ComputerName name = ComputerName.of("WORKER-1");
        openJoinPortsFor(first);
        openJoinPortsFor(replacement);
        domainController.presetComputer(name, Secret.of("One-Time-Pass-1"));
        join(first, name, Secret.of("One-Time-Pass-1"));

        domainController.presetComputer(name, Secret.of("One-Time-Pass-2"));

        assertThat(domainController.verifyJoin(name)).isFalse();
        join(replacement, name, Secret.of("One-Time-Pass-2"));
        assertThat(domainController.verifyJoin(name)).isTrue();
        assertThat(domainController.computers()).hasSize(1);
    }

    @Test
    public void removing_a_computer_twice_succeeds_and_its_join_no_longer_verifies() {
        DomainController domainController = provisionedController();
        GuestPlatform member = lab.newMember("worker-1");
        ComputerName name = ComputerName.of("WORKER-1");
        presetAndJoin(member, name, Secret.of("One-Time-Pass-1"));
        assertThat(domainController.verifyJoin(name)).isTrue();

        domainController.removeComputer(name);
        assertThatCode(() -> domainController.removeComputer(name)).doesNotThrowAnyException();

        assertThat(domainController.verifyJoin(name)).isFalse();
        assertThat(domainController.computers()).isEmpty();
    }

    @Test
    public void a_member_reboot_keeps_the_joined_domain() {
        DomainController domainController = provisionedController();
        GuestPlatform member = lab.newMember("worker-1");
        ComputerName name = ComputerName.of("WORKER-1");
        presetAndJoin(member, name, Secret.of("One-Time-Pass-1"));
        String bootBefore = member.power().bootId();

        member.power().reboot();

        assertThat(member.power().bootId()).isNotEqualTo(bootBefore);
        assertThat(member.domainMember().membership()).map(DomainMembership::domain).contains(DOMAIN);
        assertThat(domainController.verifyJoin(name)).isTrue();
    }

    @Test
    public void users_are_created_idempotently_and_removed_twice() {
        DomainController domainController = provisionedController();

        domainController.createUser("alice", Secret.of("Alice-Pass-2030"));
        domainController.createUser("alice", Secret.of("Alice-Pass-2031"));
        assertThat(domainController.users()).containsExactly("alice");

        domainController.removeUser("alice");
        assertThatCode(() -> domainController.removeUser("alice")).doesNotThrowAnyException();
        assertThat(domainController.users()).isEmpty();
    }

    @Test
    public void a_user_added_to_a_group_is_listed_once_and_leaves_it_with_the_account() {
        DomainController domainController = provisionedController();
        assertThat(domainController.groupMembers("contract-team")).as("a group that does not exist").isEmpty();
        assertThat(failureCode(() -> domainController.addToGroup("contract-team", "nobody")))
                .isEqualTo(GuestException.Code.NOT_FOUND);

        domainController.createUser("alice", Secret.of("Alice-Pass-2030"));
        domainController.addToGroup("contract-team", "alice");
        domainController.addToGroup("contract-team", "alice");
        assertThat(domainController.groupMembers("contract-team")).containsExactly("alice");

        domainController.removeUser("alice");
        assertThat(domainController.groupMembers("contract-team")).isEmpty();
    }

    // ---- VPN ------------------------------------------------------------------------------------------------

    @Test
    public void the_hub_and_spoke_keys_stay_the_same_across_calls() {
        GuestPlatform member = lab.newMember("worker-1");

        VpnPublicKey hubKey = controller().vpnHub().ensureInterface(HUB_OVERLAY_ADDRESS, OVERLAY, VPN_PORT);
        VpnPublicKey spokeKey = member.vpnSpoke().ensureInterface();

        assertThat(controller().vpnHub().ensureInterface(HUB_OVERLAY_ADDRESS, OVERLAY, VPN_PORT)).isEqualTo(hubKey);
        assertThat(controller().vpnHub().publicKey()).contains(hubKey);
        assertThat(member.vpnSpoke().ensureInterface()).isEqualTo(spokeKey);
        assertThat(spokeKey).isNotEqualTo(hubKey);
    }

    @Test
    public void adding_a_peer_twice_keeps_one_peer() {
        GuestPlatform member = lab.newMember("worker-1");
        controller().vpnHub().ensureInterface(HUB_OVERLAY_ADDRESS, OVERLAY, VPN_PORT);
        VpnPublicKey spokeKey = member.vpnSpoke().ensureInterface();
        Ipv4Address overlayAddress = Ipv4Address.of("10.77.0.11");

        controller().vpnHub().addPeer(spokeKey, overlayAddress, Optional.empty());
        controller().vpnHub().addPeer(spokeKey, overlayAddress, Optional.empty());

        assertThat(controller().vpnHub().peers()).singleElement().satisfies(peer -> {
            assertThat(peer.publicKey()).isEqualTo(spokeKey);
            assertThat(peer.overlayAddress()).isEqualTo(overlayAddress);
        });
    }

    @Test
    public void adding_a_peer_before_the_hub_interface_is_not_found() {
        GuestPlatform member = lab.newMember("worker-1");
        VpnPublicKey spokeKey = member.vpnSpoke().ensureInterface();

        assertThat(failureCode(() -> controller().vpnHub().addPeer(spokeKey, Ipv4Address.of("10.77.0.11"),
                Optional.empty()))).isEqualTo(GuestException.Code.NOT_FOUND);
    }

    @Test
    public void a_configured_spoke_sees_a_handshake_with_the_hub_that_admitted_it() {
        GuestPlatform member = lab.newMember("worker-1");
        VpnPublicKey hubKey = controller().vpnHub().ensureInterface(HUB_OVERLAY_ADDRESS, OVERLAY, VPN_PORT);
        VpnPublicKey spokeKey = member.vpnSpoke().ensureInterface();
        Ipv4Address overlayAddress = Ipv4Address.of("10.77.0.11");
        controller().vpnHub().addPeer(spokeKey, overlayAddress,
                Optional.of(new Endpoint(lab.underlayAddress(member), VPN_PORT)));
        VpnSpokeConfig config = new VpnSpokeConfig(
                hubKey, new Endpoint(lab.underlayAddress(controller()), VPN_PORT), overlayAddress, OVERLAY);

        member.vpnSpoke().configure(config);
        member.vpnSpoke().configure(config);

        assertThat(member.vpnSpoke().configuration()).contains(config);
        assertThat(eventually(handshakeTimeout(), member.vpnSpoke()::handshakeSeen))
                .as("handshake seen within %s", handshakeTimeout()).isTrue();
        assertThat(controller().vpnHub().peers()).singleElement()
                .extracting(VpnPeer::latestHandshake).satisfies(handshake -> assertThat(handshake).isPresent());
    }

    @Test
    public void removing_a_peer_twice_succeeds() {
        GuestPlatform member = lab.newMember("worker-1");
        controller().vpnHub().ensureInterface(HUB_OVERLAY_ADDRESS, OVERLAY, VPN_PORT);
        VpnPublicKey spokeKey = member.vpnSpoke().ensureInterface();
        controller().vpnHub().addPeer(spokeKey, Ipv4Address.of("10.77.0.11"), Optional.empty());

        controller().vpnHub().removePeer(spokeKey);
        assertThatCode(() -> controller().vpnHub().removePeer(spokeKey)).doesNotThrowAnyException();

        assertThat(controller().vpnHub().peers()).isEmpty();
    }

    @Test
    public void a_member_reboot_keeps_its_spoke_key_and_persisted_configuration() {
        GuestPlatform member = lab.newMember("worker-1");
        VpnPublicKey hubKey = controller().vpnHub().ensureInterface(HUB_OVERLAY_ADDRESS, OVERLAY, VPN_PORT);
        VpnPublicKey spokeKey = member.vpnSpoke().ensureInterface();
        Ipv4Address overlayAddress = Ipv4Address.of("10.77.0.11");
        controller().vpnHub().addPeer(spokeKey, overlayAddress, Optional.empty());
        VpnSpokeConfig config = new VpnSpokeConfig(
                hubKey, new Endpoint(lab.underlayAddress(controller()), VPN_PORT), overlayAddress, OVERLAY);
        member.vpnSpoke().configure(config);
        member.vpnSpoke().persist();

        member.power().reboot();

        assertThat(member.vpnSpoke().ensureInterface()).isEqualTo(spokeKey);
        assertThat(member.vpnSpoke().configuration()).contains(config);
        assertThat(eventually(handshakeTimeout(), member.vpnSpoke()::handshakeSeen)).isTrue();
    }

    // ---- file share -----------------------------------------------------------------------------------------

    @Test
    public void a_domain_user_writes_a_file_that_another_member_reads() {
        DomainController domainController = provisionedController();
        domainController.createUser("alice", Secret.of("Alice-Pass-2030"));
        controller().fileShare().ensureShare("data", "/srv/asterism/data");
        controller().fileShare().ensureShare("data", "/srv/asterism/data");
        GuestPlatform writer = lab.newMember("worker-1");
        GuestPlatform reader = lab.newMember("worker-2");
        Ipv4Address server = lab.underlayAddress(controller());
        byte[] content = "shared across the constellation".getBytes(StandardCharsets.UTF_8);

        writer.fileShareClient().writeFile(server, "data", "notes/hello.txt", "alice", Secret.of("Alice-Pass-2030"), content);

        assertThat(controller().fileShare().shares()).containsEntry("data", "/srv/asterism/data");
        assertThat(reader.fileShareClient().readFile(server, "data", "notes/hello.txt", "alice",
                Secret.of("Alice-Pass-2030"))).isEqualTo(content);
        assertThat(failureCode(() -> reader.fileShareClient().readFile(server, "data", "notes/hello.txt", "alice",
                Secret.of("Wrong-Pass-2030")))).isEqualTo(GuestException.Code.INVALID);
        controller().fileShare().removeShare("data");
        assertThatCode(() -> controller().fileShare().removeShare("data")).doesNotThrowAnyException();
    }

    // ---- remote desktop -------------------------------------------------------------------------------------

    @Test
    public void remote_desktop_listens_once_enabled_and_again_after_a_reboot() {
        GuestPlatform member = lab.newMember("worker-1");
        assertThat(member.remoteDesktop().listeningPort()).as("before it is enabled").isEmpty();

        member.remoteDesktop().enable(3389);
        member.remoteDesktop().enable(3389);
        assertThat(member.remoteDesktop().listeningPort()).contains(3389);
        assertThat(member.remoteDesktop().clipboardRule()).as("the clipboard before any rule").isEqualTo(ClipboardRule.OFF);
        member.remoteDesktop().restrictClipboard(ClipboardRule.FROM_DESKTOP);
        assertThat(member.remoteDesktop().clipboardRule()).isEqualTo(ClipboardRule.FROM_DESKTOP);

        member.power().reboot();
        assertThat(eventually(Duration.ofSeconds(20), () -> member.remoteDesktop().listeningPort().isPresent()))
                .as("listening again after the reboot").isTrue();
        assertThat(member.remoteDesktop().listeningPort()).contains(3389);
        assertThat(member.remoteDesktop().clipboardRule()).as("the rule after the reboot")
                .isEqualTo(ClipboardRule.FROM_DESKTOP);
        member.remoteDesktop().restrictClipboard(ClipboardRule.BOTH);
        member.remoteDesktop().enable(3389);
        assertThat(member.remoteDesktop().clipboardRule()).as("enabling again keeps the rule")
                .isEqualTo(ClipboardRule.BOTH);
        assertThat(failureCode(() -> member.remoteDesktop().enable(0))).isEqualTo(GuestException.Code.INVALID);
    }

    @Test
    public void ending_the_sessions_of_a_user_without_any_succeeds_and_a_bad_name_is_invalid() {
        GuestPlatform member = lab.newMember("worker-1");
        assertThat(member.remoteDesktop().sessions()).isEmpty();
        assertThatCode(() -> member.remoteDesktop().endSessions("alice")).doesNotThrowAnyException();
        assertThat(failureCode(() -> member.remoteDesktop().endSessions("alice; reboot")))
                .isEqualTo(GuestException.Code.INVALID);
    }

    // ---- scripts --------------------------------------------------------------------------------------------

    @Test
    public void a_script_returns_its_exit_code_and_trimmed_output() {
        ScriptResult failed = controller().scripts().run("contract-step", printAndExit("hello", 3), Duration.ofSeconds(30));
        ScriptResult succeeded = controller().scripts().run("contract-step", printAndExit("done", 0), Duration.ofSeconds(30));

        assertThat(failed.exitCode()).isEqualTo(3);
        assertThat(failed.output()).isEqualTo("hello");
        assertThat(failed.succeeded()).isFalse();
        assertThat(succeeded.exitCode()).isZero();
        assertThat(succeeded.output()).isEqualTo("done");
        assertThat(succeeded.truncated()).isFalse();
    }
}
