package dev.asterism.realm.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.spi.realm.Bootstrap;
import dev.asterism.spi.realm.OsFamily;
import dev.asterism.spi.realm.PowerState;
import dev.asterism.spi.realm.RealmVmSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The brick boots under QEMU (TCG) and holds what the issue asks of it: the guest agent answers, a Java runtime and
 * the agent are there and enabled, the guest tools are installed, nothing calls out (no time sync, no apt timers),
 * the static addresses from the kernel command line are set, and nothing outside is reachable.
 */
class DebianBrickBootTest {
    private static final String PREFIX = "astqb";
    private static final Path STATE = Path.of("/tmp", PREFIX);
    private static QemuRealm realm;

    @BeforeAll
    static void boot() {
        QemuRealm.removeLeftovers(PREFIX, STATE);
        realm = new QemuRealm(new QemuRealmOptions(PREFIX, STATE, TestBricks.linux(), "tcg", 4));
        realm.create(new RealmVmSpec("boot1", "boot1", OsFamily.LINUX, "linux", 2, 1024, 4,
                new Bootstrap("wss://127.0.0.1:9/agent/v1", "00".repeat(32), "token-boot1"), "bootnet"));
    }

    @AfterAll
    static void destroy() {
        if (realm != null) {
            realm.destroy("boot1");
        }
        QemuRealm.removeLeftovers(PREFIX, STATE);
    }

    @Test
    void the_brick_boots_with_its_agent_tools_and_addresses_and_nothing_that_calls_out() throws Exception {
        GuestAgentClient guest = GuestAgentClient.of(STATE, "boot1");
        long started = System.nanoTime();
        assertThat(guest.awaitPing(Duration.ofMinutes(4))).as("the guest agent answers after boot").isTrue();
        System.out.printf("boot to guest agent: %.1f s%n", (System.nanoTime() - started) / 1e9);
        assertThat(realm.inspect("boot1").orElseThrow().power()).isEqualTo(PowerState.RUNNING);

        assertThat(run(guest, "/opt/asterism/jre/bin/java", "-version").errors()).contains("version \"");
        assertThat(run(guest, "/bin/systemctl", "is-enabled", "asterism-agent.service").output().strip())
                .isEqualTo("enabled");
        for (String tool : List.of("samba-tool", "adcli", "wg", "nft", "smbclient", "kinit", "xrdp", "ldbsearch")) {
            assertThat(run(guest, "/bin/sh", "-c", "command -v " + tool).exitCode()).as(tool).isZero();
        }
        String timers = run(guest, "/bin/systemctl", "list-timers", "--no-pager").output();
        assertThat(timers).as("active timers").doesNotContain("apt-daily").doesNotContain("timesyncd");
        assertThat(run(guest, "/bin/systemctl", "is-enabled", "apt-daily.timer", "apt-daily-upgrade.timer",
                "chrony.service").output().lines().toList()).containsExactly("masked", "masked", "masked");
        assertThat(run(guest, "/bin/sh", "-c", "systemctl is-active systemd-timesyncd chrony ntp || true").output())
                .doesNotContain("\nactive");
        String addresses = run(guest, "/sbin/ip", "-4", "-o", "addr", "show").output();
        assertThat(addresses).contains("eth0").contains("10.211.").contains("eth1").contains("10.0.2.15");
        assertThat(run(guest, "/sbin/ip", "route", "show", "default").output().strip()).as("no default route")
                .isEmpty();
        assertThat(run(guest, "/bin/sh", "-c", "cat /proc/sys/kernel/hostname").output().strip())
                .isEqualTo("boot1");
        assertThat(run(guest, "/bin/sh", "-c", "cat /sys/firmware/qemu_fw_cfg/by_name/opt/dev.asterism/bootstrap/raw")
                .output()).contains("vmId=boot1").contains("serverUrl=wss\\://10.0.2.100\\:9/agent/v1");
        // Outside addresses are unreachable through the management NIC (restrict=on) and there is no other way out.
        assertThat(run(guest, "/usr/bin/python3", "-c", "import socket\ns = socket.socket(); s.settimeout(3)\n"
                + "try:\n  s.connect(('10.0.2.2', 22)); print('open')\nexcept OSError as e:\n  print('closed')")
                .output().strip()).isEqualTo("closed");
    }

    private static GuestAgentClient.Execution run(GuestAgentClient guest, String... command) throws Exception {
        return guest.execute(List.of(command), Duration.ofSeconds(60));
    }
}
