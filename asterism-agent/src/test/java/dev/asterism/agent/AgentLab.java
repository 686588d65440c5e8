package dev.asterism.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.guest.sim.SimGuestNetwork;
import dev.asterism.guest.sim.SimGuestPlatform;
import dev.asterism.protocol.AgentRole;
import dev.asterism.protocol.CommandKind;
import dev.asterism.protocol.CommandResult;
import dev.asterism.protocol.ControllerCommand;
import dev.asterism.protocol.Register;
import dev.asterism.protocol.Registered;
import dev.asterism.protocol.SealedBox;
import dev.asterism.protocol.SealedBundle;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Secret;
import dev.asterism.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sim guests on one network, agents on them with in-memory transports, and the test as their server. Messages are
 * handled on the test's thread, so every exchange is finished when {@code deliver} returns.
 */
final class AgentLab {

    static final String DOMAIN = "C7.ASTERISM.TEST";
    static final String OVERLAY_SUBNET = "10.7.0.0/24";
    static final String HUB_OVERLAY_ADDRESS = "10.7.0.1";
    static final String LISTEN_PORT = "51820";

    final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    final SimGuestNetwork network = new SimGuestNetwork(clock);
    final AgentOptions options = AgentOptions.defaults()
            .withMessagesHandledOnTransportThread(true)
            .withHandshakeWait(Duration.ofSeconds(30), Duration.ofSeconds(1), clock::advance);
    final List<InMemoryTransport> transports = new ArrayList<>();
    private final Path root;
    private final AtomicInteger commandIds = new AtomicInteger();
    private final AtomicInteger addresses = new AtomicInteger(10);

    AgentLab(Path root) {
        this.root = root;
    }

    /** An agent of a running VM: its agent, its channel, its guest and its state directory. */
    record Vm(String vmId, Agent agent, InMemoryTransport transport, SimGuestPlatform guest, Path stateDirectory) {

        AgentState state() {
            return agent.state();
        }
    }

    SimGuestPlatform newGuest(String hostName) {
        return network.addGuest(hostName, Ipv4Address.of("192.168.50." + addresses.getAndIncrement()));
    }

    /** Makes the state of a new VM (as its bootstrap data would) and starts its agent. */
    Vm boot(String vmId, SimGuestPlatform guest) {
        Path directory = root.resolve(vmId);
        AgentState.create(directory, vmId, "wss://server.test:8443/agent", Secret.of("token-of-" + vmId));
        return restart(vmId, guest, directory, options);
    }

    /** A new agent on an existing state directory, as after a crash, a reconnect or a reboot. */
    Vm restart(Vm vm) {
        if (!vm.agent().stopped().isDone()) {
            vm.agent().close();
        }
        return restart(vm.vmId(), vm.guest(), vm.stateDirectory(), options);
    }

    Vm restart(String vmId, SimGuestPlatform guest, Path directory, AgentOptions agentOptions) {
        InMemoryTransport transport = new InMemoryTransport();
        transports.add(transport);
        Agent agent = new Agent(AgentState.load(directory), guest, transport, clock, agentOptions);
        agent.start();
        return new Vm(vmId, agent, transport, guest, directory);
    }

    /** Boots a VM and accepts its registration with {@code role}. */
    Vm registered(String vmId, SimGuestPlatform guest, AgentRole role) {
        Vm vm = boot(vmId, guest);
        assertThat(vm.transport().sent(Register.class)).hasSize(1);
        vm.transport().deliver(new Registered(vmId, role, clock.instant()));
        return vm;
    }

    /** A registered controller, provisioned. */
    Vm provisionedController() {
        SimGuestPlatform guest = newGuest("controller");
        Vm controller = registered("vm-controller", guest, AgentRole.CONTROLLER);
        CommandResult provisioned = command(controller, CommandKind.PROVISION_CONTROLLER, Map.of(
                Commands.DOMAIN, DOMAIN,
                Commands.OVERLAY_SUBNET, OVERLAY_SUBNET,
                Commands.HUB_OVERLAY_ADDRESS, HUB_OVERLAY_ADDRESS,
                Commands.LISTEN_PORT, LISTEN_PORT,
                Commands.UNDERLAY_ADDRESS, guest.underlayAddress().value()));
        assertThat(provisioned.ok()).as(provisioned.message()).isTrue();
        return controller;
    }

    /** Sends a command with a new id and returns the agent's answer. */
    CommandResult command(Vm vm, CommandKind kind, Map<String, String> arguments) {
        return command(vm, "command-" + commandIds.incrementAndGet(), kind, arguments);
    }

    CommandResult command(Vm vm, String commandId, CommandKind kind, Map<String, String> arguments) {
        int before = vm.transport().sent(CommandResult.class).size();
        vm.transport().deliver(new ControllerCommand(commandId, kind, arguments));
        List<CommandResult> results = vm.transport().sent(CommandResult.class);
        assertThat(results).hasSize(before + 1);
        CommandResult result = results.get(results.size() - 1);
        assertThat(result.commandId()).isEqualTo(commandId);
        return result;
    }

    /** Asks the controller for a join bundle sealed to {@code member}, for the computer {@code computerName}. */
    CommandResult seal(Vm controller, Vm member, String computerName) {
        CommandResult sealed = command(controller, CommandKind.SEAL_JOIN_BUNDLE, Map.of(
                Commands.MEMBER_NAME, member.vmId() + "-member",
                Commands.MEMBER_VM_ID, member.vmId(),
                Commands.COMPUTER_NAME, computerName,
                Commands.MEMBER_PUBLIC_KEY, member.state().publicKey(),
                Commands.DC_ADDRESS, controller.guest().underlayAddress().value()));
        assertThat(sealed.ok()).as(sealed.message()).isTrue();
        return sealed;
    }

    /** The server's relay: the sealed bundle of a SEAL_JOIN_BUNDLE result, as it goes to the stub. */
    static SealedBundle relay(CommandResult sealed, String memberName) {
        Map<String, String> results = sealed.results();
        return new SealedBundle(results.get(Commands.BUNDLE_ID), memberName, new SealedBox(
                results.get(Commands.EPHEMERAL_PUBLIC_KEY), results.get(Commands.NONCE),
                results.get(Commands.CIPHERTEXT), results.get(Commands.ASSOCIATED_DATA)));
    }

    /** Opens the member's join ports on the controller for a while. */
    void openJoinPorts(Vm controller, Vm member) {
        CommandResult opened = command(controller, CommandKind.OPEN_PORT_LEASE, Map.of(
                Commands.LEASE_ID, "lease-" + member.vmId(),
                Commands.SOURCE_ADDRESS, member.guest().underlayAddress().value(),
                Commands.EXPIRES_AT, clock.instant().plus(Duration.ofMinutes(10)).toString()));
        assertThat(opened.ok()).as(opened.message()).isTrue();
    }

    /** Everything every agent of this lab sent, as JSON and as {@code toString}. */
    String everythingSent() {
        StringBuilder text = new StringBuilder();
        transports.forEach(transport -> text.append(transport.sentText()).append('\n'));
        return text.toString();
    }
}
