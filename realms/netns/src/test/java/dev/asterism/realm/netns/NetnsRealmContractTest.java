package dev.asterism.realm.netns;

import dev.asterism.guest.linux.LinuxPackages;
import dev.asterism.guest.linux.NetnsHosts;
import dev.asterism.spi.realm.Realm;
import dev.asterism.testing.RealmContract;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The realm contract on the netns realm: real namespaces, links and mounts, hosts without agents (the contract is
 * about the realm; the agents inside are exercised by the end-to-end tests). Needs root and the packages
 * {@link LinuxPackages} names; the prefix {@value #PREFIX} is this test's own and cleaned before and after.
 */
class NetnsRealmContractTest extends RealmContract {
    private static final String PREFIX = "astrc";

    @BeforeAll
    static void clearLeftovers() {
        LinuxPackages.requireInstalled();
        new NetnsHosts(PREFIX).removeLeftovers();
    }

    @AfterAll
    static void leaveNothing() {
        new NetnsHosts(PREFIX).removeLeftovers();
    }

    @Override
    protected Realm newRealm() {
        return new NetnsRealm(new NetnsRealmOptions(PREFIX, 20, List.of(), Optional.empty()));
    }

    @Override
    protected Duration pollInterval() {
        return Duration.ofMillis(100);
    }
}
