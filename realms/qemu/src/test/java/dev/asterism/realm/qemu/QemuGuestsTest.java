package dev.asterism.realm.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.asterism.spi.realm.Bootstrap;
import dev.asterism.spi.realm.OsFamily;
import dev.asterism.spi.realm.RealmException;
import dev.asterism.spi.realm.RealmVmSpec;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a VM of the brick is wired, shared by the qemu and libvirt realms. */
class QemuGuestsTest {
    @TempDir
    Path directory;

    @Test
    void an_image_naming_a_brick_directory_chooses_it_and_any_other_image_boots_the_default() throws IOException {
        DebianBrickBuilder.Brick fallback = brick("default");
        DebianBrickBuilder.Brick named = brick("named");

        assertThat(QemuGuests.brickFor(named.directory().toString(), fallback).directory())
                .isEqualTo(named.directory());
        assertThat(QemuGuests.brickFor("bookworm", fallback)).isSameAs(fallback);
        RealmException refused = catchThrowableOfType(RealmException.class,
                () -> QemuGuests.brickFor(directory.resolve("nothing").toString(), fallback));
        assertThat(refused.code()).isEqualTo(RealmException.Code.INVALID_SPEC);
        assertThat(refused.getMessage()).contains("rootfs.raw is missing").contains("named by the VM's image");
    }

    @Test
    void underlay_addresses_keep_a_network_in_one_subnet_and_networks_apart() {
        List<QemuGuests.Placement> taken = List.of(new QemuGuests.Placement("a", 1, "10.211.1.10"),
                new QemuGuests.Placement("b", 2, "10.211.2.10"));

        assertThat(QemuGuests.place("a", taken)).isEqualTo(new QemuGuests.Placement("a", 1, "10.211.1.11"));
        assertThat(QemuGuests.place("c", taken)).isEqualTo(new QemuGuests.Placement("c", 3, "10.211.3.10"));
    }

    @Test
    void the_management_nic_forwards_one_address_to_the_agent_port_and_takes_no_odd_host() {
        assertThat(QemuGuests.managementNetdev("127.0.0.1", 8441)).contains("restrict=on")
                .endsWith("guestfwd=tcp:10.0.2.100:8441-cmd:socat STDIO TCP:127.0.0.1:8441");
        assertThat(catchThrowableOfType(RealmException.class,
                () -> QemuGuests.managementNetdev("x,hostfwd=tcp::22-:22", 8441)).code())
                .isEqualTo(RealmException.Code.INVALID_SPEC);
    }

    @Test
    void the_bootstrap_points_the_agent_at_the_forwarded_address() throws IOException {
        RealmVmSpec spec = new RealmVmSpec("vm-1", "w1", OsFamily.LINUX, "bookworm", 1, 512, 4,
                new Bootstrap("wss://127.0.0.1:8441/agent/v1", "ab".repeat(32), "one-time"), "net");

        Properties bootstrap = new Properties();
        bootstrap.load(new StringReader(QemuGuests.bootstrap(spec, "10.211.1.10")));

        assertThat(bootstrap.getProperty("serverUrl")).isEqualTo("wss://10.0.2.100:8441/agent/v1");
        assertThat(bootstrap.getProperty("registrationToken")).isEqualTo("one-time");
        assertThat(bootstrap.getProperty("underlayAddress")).isEqualTo("10.211.1.10");
        assertThat(QemuGuests.bootstrap(spec, "10.211.1.10")).doesNotStartWith("#");
    }

    private DebianBrickBuilder.Brick brick(String name) throws IOException {
        DebianBrickBuilder.Brick brick = DebianBrickBuilder.Brick.at(Files.createDirectories(directory.resolve(name)));
        for (Path file : List.of(brick.rootFileSystem(), brick.kernel(), brick.initrd())) {
            Files.writeString(file, "");
        }
        return brick;
    }
}
