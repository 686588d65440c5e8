package dev.asterism.core.store;

/** The repositories of one transaction. Valid only inside {@link Store#call}. */
public interface Transaction {
    UserRepository users();

    CredentialRepository credentials();

    CatalogRepository catalog();

    VmRepository vms();

    AuditRepository audit();

    ConstellationRepository constellations();

    ProjectRepository projects();

    TeamRepository teams();

    /** A server-wide value kept by name (the registration key's fingerprint), created on first use. */
    String secret(String name, java.util.function.Supplier<String> generator);

    /** Replaces the value kept as {@code name}, which must exist. */
    void replaceSecret(String name, String value);
}
