package dev.asterism.spi.realm;

/** Optional abilities of a realm driver, declared by {@link Realm#capabilities()} and checked by callers. */
public enum RealmCapability {
    /** {@link Realm#stop} and {@link Realm#start} keep the VM's disk between power cycles. */
    STOP_AND_START
}
