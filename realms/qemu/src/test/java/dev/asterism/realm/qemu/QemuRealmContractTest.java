package dev.asterism.realm.qemu;

import dev.asterism.spi.realm.Bootstrap;
import dev.asterism.spi.realm.OsFamily;
import dev.asterism.spi.realm.Realm;
import dev.asterism.spi.realm.RealmVmSpec;
import dev.asterism.testing.RealmContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The realm contract on real QEMU processes booting the Debian brick (TCG). */
class QemuRealmContractTest extends RealmContract {
    private static final String PREFIX = "astqr";
    private static final Path STATE = Path.of("/tmp", PREFIX);

    @BeforeAll
    static void clearLeftovers() {
        QemuRealm.removeLeftovers(PREFIX, STATE);
    }

    @AfterAll
    static void clearAfterwards() {
        QemuRealm.removeLeftovers(PREFIX, STATE);
    }

    @Override
    protected Realm newRealm() {
        return new QemuRealm(new QemuRealmOptions(PREFIX, STATE, TestBricks.linux(), "tcg", 8));
    }

    @Override
    protected RealmVmSpec spec(String vmId) {
        return new RealmVmSpec(vmId, "contract", OsFamily.LINUX, "linux", 1, 512, 4,
                new Bootstrap("wss://127.0.0.1:9/agent/v1", "00".repeat(32), "token-" + vmId));
    }
}
