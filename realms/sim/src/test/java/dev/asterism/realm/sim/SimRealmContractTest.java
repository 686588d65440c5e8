package dev.asterism.realm.sim;

import dev.asterism.spi.realm.Realm;
import dev.asterism.testing.MutableClock;
import dev.asterism.testing.RealmContract;
import java.time.Duration;
import java.time.Instant;

/** The realm contract against the sim realm with realistic delays, on a clock the suite moves by hand. */
class SimRealmContractTest extends RealmContract {

    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));

    @Override
    protected Realm newRealm() {
        return new SimRealm(clock, SimRealmOptions.realistic());
    }

    @Override
    protected void letTimePass(Duration duration) {
        clock.advance(duration);
    }
}
