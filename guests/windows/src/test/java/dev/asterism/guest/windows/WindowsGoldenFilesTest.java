package dev.asterism.guest.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asterism.spi.guest.ClipboardRule;
import dev.asterism.spi.guest.ComputerName;
import dev.asterism.spi.guest.DomainMembership;
import dev.asterism.spi.guest.DomainName;
import dev.asterism.spi.guest.Endpoint;
import dev.asterism.spi.guest.FirewallBaseline;
import dev.asterism.spi.guest.FirewallRule;
import dev.asterism.spi.guest.GuestCapability;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Ipv4Subnet;
import dev.asterism.spi.guest.PortRange;
import dev.asterism.spi.guest.Secret;
import dev.asterism.spi.guest.VpnPublicKey;
import dev.asterism.spi.guest.VpnSpokeConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Windows platform's steps, as the PowerShell each one runs with its environment, against golden files in
 * {@code src/test/resources/golden}. No Windows runs here: this checks what would be run, that no value is ever
 * part of a script's text, and how the platform reads what Windows answers. After a deliberate change, run with
 * {@code -Dasterism.golden.update=true} and review the diff of the golden files.
 */
class WindowsGoldenFilesTest {
    private static final Path GOLDEN = Path.of("src", "test", "resources", "golden");
    private static final String ONE_TIME_PASSWORD = "Otp-Sealed-4711-xyz";
    private static final String HUB_KEY = "hMnbNmX7cGMFnL0Dk0CqGOeJ5S2a8Af0mJX6OI3Mq0s=";
    private static final String SPOKE_KEY = "sPokeKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    @TempDir
    Path state;
    private final RecordingPowerShell shell = new RecordingPowerShell();
    private final AtomicInteger restarts = new AtomicInteger();
    private WindowsGuestPlatform platform;

    @BeforeEach
    void open() {
        platform = new WindowsGuestPlatform(shell, state, restarts::incrementAndGet);
    }

    @Test
    void a_join_is_an_unsecured_add_computer_with_the_one_time_password_followed_by_a_restart() throws IOException {
        shell.answer("membership", 0, "True C7.ASTERISM.TEST C7-W1");
        platform.domainMember().join(DomainName.of("C7.ASTERISM.TEST"), Ipv4Address.of("10.210.0.10"),
                ComputerName.of("C7-W1"), Secret.of(ONE_TIME_PASSWORD));
        assertGolden("join", shell.transcript());
        assertThat(restarts).as("the join restarts the computer").hasValue(1);
        assertThat(shell.scriptsText()).doesNotContain(ONE_TIME_PASSWORD);
        assertThat(platform.domainMember().membership()).contains(new DomainMembership(
                DomainName.of("C7.ASTERISM.TEST"), ComputerName.of("C7-W1"), Ipv4Address.of("10.210.0.10")));
    }

    @Test
    void joining_again_after_the_restart_finds_the_computer_joined_and_does_not_restart_it() {
        shell.answer("join-domain", 0, "joined already");
        platform.domainMember().join(DomainName.of("C7.ASTERISM.TEST"), Ipv4Address.of("10.210.0.10"),
                ComputerName.of("C7-W1"), Secret.of(ONE_TIME_PASSWORD));
        assertThat(restarts).hasValue(0);
        platform.domainMember().useController(Ipv4Address.of("10.77.0.1"));
        assertThat(shell.names()).containsExactly("join-domain", "use-controller");
    }

    @Test
    void add_computer_refusals_become_the_contracts_codes() {
        shell.answer("join-domain", 1, "Add-Computer : Computer 'WIN-1' failed to join domain 'C7.ASTERISM.TEST' "
                + "from its current workgroup 'WORKGROUP' with following error message: The user name or password "
                + "is incorrect.");
        assertThatThrownBy(() -> platform.domainMember().join(DomainName.of("C7.ASTERISM.TEST"),
                Ipv4Address.of("10.210.0.10"), ComputerName.of("C7-W1"), Secret.of(ONE_TIME_PASSWORD)))
                .isInstanceOfSatisfying(GuestException.class, e -> {
                    assertThat(e.code()).isEqualTo(GuestException.Code.INVALID);
                    assertThat(e.getMessage()).doesNotContain(ONE_TIME_PASSWORD);
                });
        shell.answer("join-domain", 1, "The specified domain either does not exist or could not be contacted.");
        assertThatThrownBy(() -> platform.domainMember().join(DomainName.of("C7.ASTERISM.TEST"),
                Ipv4Address.of("10.210.0.10"), ComputerName.of("C7-W1"), Secret.of(ONE_TIME_PASSWORD)))
                .isInstanceOfSatisfying(GuestException.class,
                        e -> assertThat(e.code()).isEqualTo(GuestException.Code.UNAVAILABLE));
        assertThat(restarts).hasValue(0);
    }

    @Test
    void the_member_baseline_becomes_windows_firewall_rules_and_reads_back() throws IOException {
        FirewallBaseline baseline = new FirewallBaseline(List.of(
                new FirewallRule(Ipv4Subnet.of("10.77.0.0/24"), PortRange.tcp(1, 65535)),
                new FirewallRule(Ipv4Subnet.of("10.77.0.0/24"), new PortRange(PortRange.Protocol.UDP, 1, 65535)),
                new FirewallRule(Ipv4Subnet.of("10.77.0.0/24"), PortRange.icmpEcho())));
        platform.firewall().applyBaseline(baseline);
        assertGolden("firewall-baseline", shell.transcript());
        assertThat(platform.firewall().baseline()).contains(baseline);
        assertThat(platform.firewall().openLeases()).isEmpty();
        assertThatThrownBy(() -> platform.firewall().openLease("l1", Ipv4Address.of("10.210.0.11"),
                List.of(PortRange.tcp(389, 389)), Instant.now().plusSeconds(60)))
                .isInstanceOfSatisfying(GuestException.class,
                        e -> assertThat(e.code()).isEqualTo(GuestException.Code.UNSUPPORTED));
    }

    @Test
    void the_spoke_is_the_wireguard_tunnel_service_with_the_hub_as_its_one_peer() throws IOException {
        shell.answer("vpn-spoke-key", 0, SPOKE_KEY + "\r\n");
        VpnSpokeConfig config = new VpnSpokeConfig(VpnPublicKey.of(HUB_KEY),
                new Endpoint(Ipv4Address.of("10.210.0.10"), 51820), Ipv4Address.of("10.77.0.11"),
                Ipv4Subnet.of("10.77.0.0/24"));
        assertThat(platform.vpnSpoke().ensureInterface()).isEqualTo(VpnPublicKey.of(SPOKE_KEY));
        platform.vpnSpoke().configure(config);
        platform.vpnSpoke().persist();
        assertGolden("vpn-spoke", shell.transcript());
        assertThat(platform.vpnSpoke().configuration()).contains(config);
        shell.answer("vpn-spoke-handshake", 0, "1795000000\r\n");
        assertThat(platform.vpnSpoke().latestHandshake()).contains(Instant.ofEpochSecond(1_795_000_000L));
        shell.answer("vpn-spoke-handshake", 0, "0\r\n");
        assertThat(platform.vpnSpoke().latestHandshake()).isEmpty();
    }

    @Test
    void remote_desktop_is_for_the_constellations_people_with_network_level_authentication_and_the_share_as_s()
            throws IOException {
        assertThatThrownBy(() -> platform.remoteDesktop().enable(3389)).as("before the join")
                .isInstanceOf(GuestException.class).hasMessageContaining("join it first");
        shell.answer("join-domain", 0, "joined already");
        platform.domainMember().join(DomainName.of("C7.ASTERISM.TEST"), Ipv4Address.of("10.210.0.10"),
                ComputerName.of("C7-W1"), Secret.of(ONE_TIME_PASSWORD));
        platform.domainMember().useController(Ipv4Address.of("10.77.0.1"));
        shell.calls.clear();
        platform.remoteDesktop().enable(3389);
        assertGolden("remote-desktop", shell.transcript());
        shell.answer("remote-desktop-port", 0, "3389\r\n");
        assertThat(platform.remoteDesktop().listeningPort()).contains(3389);
        assertThatThrownBy(() -> platform.remoteDesktop().enable(0)).isInstanceOf(GuestException.class);
    }

    @Test
    void the_clipboard_rule_is_machine_policy_and_is_read_back_from_it() throws IOException {
        platform.remoteDesktop().restrictClipboard(ClipboardRule.FROM_DESKTOP);
        assertGolden("clipboard", shell.transcript());
        shell.answer("remote-desktop-clipboard-rule", 0, "false true\r\n");
        assertThat(platform.remoteDesktop().clipboardRule()).isEqualTo(ClipboardRule.FROM_DESKTOP);
        shell.answer("remote-desktop-clipboard-rule", 0, "something else\r\n");
        assertThat(platform.remoteDesktop().clipboardRule()).isEqualTo(ClipboardRule.OFF);
        shell.answer("remote-desktop-clipboard-rule", 0, "\r\n");
        assertThatThrownBy(() -> platform.remoteDesktop().clipboardRule()).isInstanceOf(GuestException.class)
                .hasMessageContaining("not two words");
    }

    @Test
    void a_persons_sessions_are_signed_out_and_their_processes_ended_and_sessions_are_read_from_quser()
            throws IOException {
        platform.remoteDesktop().endSessions("alice");
        assertGolden("end-sessions", shell.transcript());
        assertThatThrownBy(() -> platform.remoteDesktop().endSessions("alice; logoff 1"))
                .isInstanceOf(GuestException.class);
        shell.answer("remote-desktop-sessions", 0, "alice\r\nbob\r\nalice\r\n");
        assertThat(platform.remoteDesktop().sessions()).containsExactly("alice", "bob");
    }

    @Test
    void injected_scripts_get_their_secrets_as_environment_variables_only() {
        shell.answer("set-wallpaper", 0, "done");
        var result = platform.scripts().run("set-wallpaper", "Write-Output $env:TOKEN",
                Map.of("TOKEN", Secret.of("s3cret-value")), Duration.ofSeconds(30));
        assertThat(result.exitCode()).isZero();
        assertThat(shell.calls.get(0).script()).isEqualTo("Write-Output $env:TOKEN");
        assertThat(shell.calls.get(0).environment()).containsEntry("TOKEN", "s3cret-value");
        assertThatThrownBy(() -> platform.scripts().run("bad name", "x", Duration.ofSeconds(1)))
                .isInstanceOf(GuestException.class);
    }

    @Test
    void a_windows_guest_is_a_member_only() {
        assertThat(platform.capabilities()).containsExactlyInAnyOrder(GuestCapability.DOMAIN_MEMBER,
                GuestCapability.FIREWALL, GuestCapability.VPN_SPOKE, GuestCapability.REMOTE_DESKTOP);
        for (Runnable part : List.<Runnable>of(platform::domainController, platform::vpnHub, platform::fileShare,
                platform::fileShareClient)) {
            assertThatThrownBy(part::run).isInstanceOfSatisfying(GuestException.class,
                    e -> assertThat(e.code()).isEqualTo(GuestException.Code.UNSUPPORTED));
        }
        assertThat(platform.name()).isEqualTo("windows");
    }

    private static void assertGolden(String name, String transcript) throws IOException {
        Path file = GOLDEN.resolve(name + ".txt");
        if (Boolean.getBoolean("asterism.golden.update")) {
            Files.createDirectories(GOLDEN);
            Files.writeString(file, transcript, StandardCharsets.UTF_8);
        }
        assertThat(file).as("golden file %s (write it with -Dasterism.golden.update=true)", file).exists();
        assertThat(transcript).as("the PowerShell of %s against %s", name, file)
                .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    }

    /** Plays Windows: records every script with its environment and answers what the test told it to. */
    private static final class RecordingPowerShell implements PowerShell {
        record Call(String name, String script, Map<String, String> environment) {}

        final List<Call> calls = new ArrayList<>();
        private final Map<String, Result> answers = new HashMap<>();

        void answer(String name, int exitCode, String output) {
            answers.put(name, new Result(exitCode, output));
        }

        @Override
        public Result run(String name, String script, Map<String, String> environment, Duration timeout) {
            calls.add(new Call(name, script, Map.copyOf(environment)));
            return Optional.ofNullable(answers.get(name)).orElse(new Result(0, ""));
        }

        List<String> names() {
            return calls.stream().map(Call::name).toList();
        }

        String scriptsText() {
            return String.join("\n", calls.stream().map(Call::script).toList());
        }

        /** Every script run, with its environment (one-time passwords shown as their variable only). */
        String transcript() {
            StringBuilder out = new StringBuilder();
            for (Call call : calls) {
                out.append("==== ").append(call.name()).append(" ====\n");
                call.environment().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(variable -> out
                        .append(variable.getKey()).append('=')
                        .append(variable.getKey().contains("PASSWORD") ? "<secret>" : variable.getValue())
                        .append('\n'));
                out.append("----\n").append(call.script());
                if (!call.script().endsWith("\n")) {
                    out.append('\n');
                }
            }
            return out.toString();
        }
    }
}
