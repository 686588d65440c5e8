package dev.asterism.core.vm;

import dev.asterism.spi.realm.Realm;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The realm drivers this server runs, by realm name. */
public final class Realms implements AutoCloseable {
    private final Map<String, Realm> byName;
    private final String defaultRealm;

    public Realms(Map<String, Realm> byName, String defaultRealm) {
        this.byName = new TreeMap<>(byName);
        if (!this.byName.containsKey(defaultRealm)) {
            throw new IllegalArgumentException("the default realm '" + defaultRealm + "' has no driver");
        }
        this.defaultRealm = defaultRealm;
    }

    public Optional<Realm> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Map<String, Realm> all() {
        return java.util.Collections.unmodifiableMap(byName);
    }

    public String defaultRealm() {
        return defaultRealm;
    }

    @Override
    public void close() {
        byName.values().forEach(Realm::close);
    }
}
