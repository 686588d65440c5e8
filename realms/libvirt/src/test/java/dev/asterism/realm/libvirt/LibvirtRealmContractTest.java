package dev.asterism.realm.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.realm.qemu.TestBricks;
import dev.asterism.spi.realm.Bootstrap;
import dev.asterism.spi.realm.OsFamily;
import dev.asterism.spi.realm.Realm;
import dev.asterism.spi.realm.RealmVmSpec;
import dev.asterism.testing.RealmContract;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

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

    @Override
    protected Realm newRealm() {
        return newLibvirtRealm();
    }

    private static LibvirtRealm newLibvirtRealm() {
        return new LibvirtRealm(new LibvirtRealmOptions(PREFIX,
                List.of(new LibvirtRealmOptions.Host("local", LOCAL)), TestBricks.linux(), 8));
    }

    @Override
    protected RealmVmSpec spec(String vmId) {
        return new RealmVmSpec(vmId, "contract", OsFamily.LINUX, "linux", 1, 512, 4,
                new Bootstrap("wss://127.0.0.1:9/agent/v1", "00".repeat(32), "token-" + vmId));
    }
}
