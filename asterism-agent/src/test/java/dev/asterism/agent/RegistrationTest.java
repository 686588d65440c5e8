package dev.asterism.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.guest.sim.SimGuestPlatform;
import dev.asterism.protocol.AgentRole;
import dev.asterism.protocol.CommandKind;
import dev.asterism.protocol.CommandResult;
import dev.asterism.protocol.ControllerCommand;
import dev.asterism.protocol.Heartbeat;
import dev.asterism.protocol.Register;
import dev.asterism.protocol.Registered;
import dev.asterism.protocol.RegistrationRefused;
import dev.asterism.protocol.Sealing;
import dev.asterism.spi.guest.Secret;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistrationTest {

    @TempDir
    Path root;

    @Test
    void a_new_stub_registers_with_its_vm_id_token_public_key_version_and_os_family() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm vm = lab.boot("vm-1", lab.newGuest("member-1"));

        assertThat(vm.transport().sent()).hasSize(1);
        Register register = vm.transport().sent(Register.class).get(0);
        assertThat(register.vmId()).isEqualTo("vm-1");
        assertThat(register.registrationToken()).isEqualTo("token-of-vm-1");
        assertThat(register.agentPublicKey()).isEqualTo(vm.state().publicKey());
        assertThat(Sealing.decodePublicKey(register.agentPublicKey()))
                .isEqualTo(Sealing.publicKeyOf(vm.state().privateKey()));
        assertThat(register.agentVersion()).contains(AgentOptions.VERSION);
        assertThat(register.osFamily()).contains("linux");
    }

    @Test
    void an_accepted_registration_keeps_the_role_and_forgets_the_token() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm vm = lab.registered("vm-1", lab.newGuest("member-1"), AgentRole.STUB);

        AgentState reloaded = AgentState.load(vm.stateDirectory());
        assertThat(reloaded.role()).contains(AgentRole.STUB);
        assertThat(reloaded.registrationToken()).isEmpty();
        assertThat(vm.stateDirectory().resolve(AgentState.FILE_NAME)).content().doesNotContain("token-of-vm-1");
        assertThat(vm.agent().stopped()).isNotDone();
    }

    @Test
    void a_refused_registration_stops_the_agent_with_the_servers_reason_and_never_logs_the_token() {
        AgentLab lab = new AgentLab(root);
        try (LogCapture log = new LogCapture()) {
            AgentLab.Vm vm = lab.boot("vm-1", lab.newGuest("member-1"));
            vm.transport().deliver(new RegistrationRefused("the registration token of VM vm-1 was used already"));

            assertThat(vm.agent().stopped()).isCompletedWithValue(new Agent.Stop(
                    Agent.StopReason.REGISTRATION_REFUSED, "the registration token of VM vm-1 was used already"));
            assertThat(vm.transport().isClosed()).isTrue();
            assertThat(log.text()).contains("the registration token of VM vm-1 was used already")
                    .doesNotContain("token-of-vm-1");
            assertThat(AgentState.load(vm.stateDirectory()).role()).isEmpty();
        }
    }

    @Test
    void a_registered_agent_restarted_on_its_state_does_not_register_again_and_says_it_is_alive() {
        AgentLab lab = new AgentLab(root);
        SimGuestPlatform guest = lab.newGuest("member-1");
        AgentLab.Vm first = lab.registered("vm-1", guest, AgentRole.STUB);
        String publicKey = first.state().publicKey();

        AgentLab.Vm second = lab.restart(first);

        assertThat(first.agent().stopped()).isCompletedWithValue(new Agent.Stop(Agent.StopReason.CLOSED,
                "the agent was closed"));
        assertThat(second.transport().sent(Register.class)).isEmpty();
        assertThat(second.transport().sent(Heartbeat.class)).singleElement()
                .satisfies(heartbeat -> assertThat(heartbeat.vmId()).isEqualTo("vm-1"));
        assertThat(second.state().publicKey()).isEqualTo(publicKey);
        assertThat(second.state().role()).contains(AgentRole.STUB);
    }

    @Test
    void a_registered_agent_sends_heartbeats_at_its_interval() throws Exception {
        AgentLab lab = new AgentLab(root);
        AgentState.create(root.resolve("vm-1"), "vm-1", "wss://server.test", Secret.of("t"));
        InMemoryTransport transport = new InMemoryTransport();
        try (Agent agent = new Agent(AgentState.load(root.resolve("vm-1")), lab.newGuest("member-1"), transport,
                lab.clock, lab.options.withHeartbeatInterval(Duration.ofMillis(20)))) {
            agent.start();
            transport.deliver(new Registered("vm-1", AgentRole.STUB, lab.clock.instant()));

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (transport.sent(Heartbeat.class).size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(transport.sent(Heartbeat.class)).hasSizeGreaterThanOrEqualTo(2)
                    .allSatisfy(heartbeat -> assertThat(heartbeat.sentAt()).isEqualTo(lab.clock.instant()));
        }
        assertThat(transport.isClosed()).isTrue();
    }

    @Test
    void by_default_messages_are_handled_in_order_on_the_agents_own_thread() throws Exception {
        AgentLab lab = new AgentLab(root);
        AgentState.create(root.resolve("vm-1"), "vm-1", "wss://server.test", Secret.of("t"));
        InMemoryTransport transport = new InMemoryTransport();
        try (Agent agent = new Agent(AgentState.load(root.resolve("vm-1")), lab.newGuest("member-1"), transport,
                lab.clock, lab.options.withMessagesHandledOnTransportThread(false))) {
            agent.start();
            transport.deliver(new Registered("vm-1", AgentRole.STUB, lab.clock.instant()));
            transport.deliver(new ControllerCommand("key-1",
                    CommandKind.VPN_SPOKE_KEY, Map.of()));

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (transport.sent(CommandResult.class).isEmpty()
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(transport.sent(CommandResult.class)).singleElement()
                    .satisfies(result -> assertThat(result.ok()).as(result.message()).isTrue());
            assertThat(agent.state().role()).contains(AgentRole.STUB);
        }
    }

    @Test
    void the_channel_closing_stops_the_agent() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm vm = lab.registered("vm-1", lab.newGuest("member-1"), AgentRole.STUB);

        vm.transport().close();

        assertThat(vm.agent().stopped()).isCompletedWithValue(
                new Agent.Stop(Agent.StopReason.CHANNEL_CLOSED, "the channel to the server closed"));
    }
}
