package dev.asterism.testing;

import dev.asterism.spi.realm.PowerState;
import dev.asterism.spi.realm.Realm;
import dev.asterism.spi.realm.RealmCapability;
import dev.asterism.spi.realm.RealmException;
import dev.asterism.spi.realm.RealmVm;
import dev.asterism.spi.realm.RealmVmSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs the contract against the smallest realm that keeps it without {@link RealmCapability#STOP_AND_START}, so
 * that the suite's own branch for such drivers is exercised even though the {@code sim} realm declares it.
 */
class RealmContractWithoutStopAndStartTest extends RealmContract {

    @Override
    protected Realm newRealm() {
        return new AlwaysRunningRealm();
    }

    /** Every VM runs from the moment it is created; it can only be created and destroyed. */
    private static final class AlwaysRunningRealm implements Realm {
        private final Map<String, RealmVmSpec> specs = new ConcurrentHashMap<>();

        @Override
        public String driver() {
            return "always-running";
        }

        @Override
        public Set<RealmCapability> capabilities() {
            return Set.of();
        }

        @Override
        public RealmVm create(RealmVmSpec spec) {
            specs.putIfAbsent(spec.vmId(), spec);
            return running(spec.vmId());
        }

        @Override
        public Optional<RealmVm> inspect(String vmId) {
            return Optional.ofNullable(specs.get(vmId)).map(spec -> running(vmId));
        }

        @Override
        public List<RealmVm> list() {
            return specs.keySet().stream().map(this::running).toList();
        }

        @Override
        public void stop(String vmId) {
            throw new RealmException(RealmException.Code.UNSUPPORTED, "this realm cannot stop VMs");
        }

        @Override
        public void start(String vmId) {
            throw new RealmException(RealmException.Code.UNSUPPORTED, "this realm cannot start VMs");
        }

        @Override
        public void destroy(String vmId) {
            specs.remove(vmId);
        }

        @Override
        public void close() {}

        private RealmVm running(String vmId) {
            return new RealmVm(vmId, PowerState.RUNNING, List.of(), "always running");
        }
    }
}
