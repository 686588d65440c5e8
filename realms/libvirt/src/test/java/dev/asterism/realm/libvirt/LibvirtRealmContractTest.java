package dev.asterism.realm.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.realm.qemu.DebianBrickBuilder;
import dev.asterism.realm.qemu.TestBricks;
import dev.asterism.spi.realm.Bootstrap;
import dev.asterism.spi.realm.OsFamily;
import dev.asterism.spi.realm.PowerState;
import dev.asterism.spi.realm.Realm;
import dev.asterism.spi.realm.RealmVm;
import dev.asterism.spi.realm.RealmVmSpec;
import dev.asterism.testing.RealmContract;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The realm contract on real libvirt domains booting the Debian brick (TCG), through this machine's libvirtd (started
 * here when none runs). Afterwards no domain, network or volume of the prefix is left.
 */
class LibvirtRealmContractTest extends RealmContract {
    private static final String PREFIX = "astlc";
    private static final URI LOCAL = URI.create(LocalLibvirtd.URI);
    private static LocalLibvirtd libvirtd;

    @BeforeAll
    static void startLibvirtd() {
        libvirtd = LocalLibvirtd.ensureRunning();
        LibvirtRealm.removeLeftovers(PREFIX, LOCAL);
    }

    @AfterAll
    static void nothingLeft() {
        try (LibvirtRealm realm = newLibvirtRealm()) {
            assertThat(realm.objects()).as("domains, networks and volumes left by the contract").isEmpty();
        } finally {
            LibvirtRealm.removeLeftovers(PREFIX, LOCAL);
            libvirtd.close();
        }
    }

    /**
     * Beyond the contract: the guest's agent reaches the server's agent port through the management NIC (the
     * listener here gets its TLS hello through QEMU's guestfwd and socat), and QEMU survives it, which it does not
     * under libvirt's default seccomp sandbox.
     */
    @Test
    void a_guests_agent_reaches_the_agent_port_through_the_management_path_and_the_vm_keeps_running()
            throws Exception {
        try (ServerSocket agentPort = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            agentPort.setSoTimeout((int) Duration.ofMinutes(4).toMillis());
            String vmId = newVmId();
            try (LibvirtRealm realm = newLibvirtRealm()) {
                realm.create(new RealmVmSpec(vmId, "dialer", OsFamily.LINUX, TestBricks.linux().directory().toString(),
                        1, 512, 4, new Bootstrap(
                        "wss://127.0.0.1:" + agentPort.getLocalPort() + "/agent/v1", "00".repeat(32), "token"),
                        "dialer"));
                try (Socket agent = agentPort.accept()) {
                    agent.setSoTimeout(30_000);
                    assertThat(agent.getInputStream().read()).as("a TLS handshake record from the guest's agent")
                            .isEqualTo(0x16);
                }
                Thread.sleep(3000);
                assertThat(realm.inspect(vmId)).get().extracting(RealmVm::power).as("after the agent dialed")
                        .isEqualTo(PowerState.RUNNING);
            } finally {
                try (LibvirtRealm realm = newLibvirtRealm()) {
                    realm.destroy(vmId);
                }
            }
        }
    }

    @Override
    protected Realm newRealm() {
        return newLibvirtRealm();
    }

    /**
     * The realm's default brick does not exist: every VM here boots the brick its image names, so the contract also
     * shows that a catalog image chooses the brick.
     */
    private static LibvirtRealm newLibvirtRealm() {
        return new LibvirtRealm(new LibvirtRealmOptions(PREFIX,
                List.of(new LibvirtRealmOptions.Host("local", LOCAL)),
                DebianBrickBuilder.Brick.at(Path.of("/nonexistent/default-brick")), 8, false));
    }

    @Override
    protected RealmVmSpec spec(String vmId) {
        return new RealmVmSpec(vmId, "contract", OsFamily.LINUX, TestBricks.linux().directory().toString(), 1, 512,
                4, new Bootstrap("wss://127.0.0.1:9/agent/v1", "00".repeat(32), "token-" + vmId));
    }
}
