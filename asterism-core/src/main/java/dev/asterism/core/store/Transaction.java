package dev.asterism.core.store;

/** The repositories of one transaction. Valid only inside {@link Store#call}. */
public interface Transaction {
    UserRepository users();

    CredentialRepository credentials();

    CatalogRepository catalog();

    VmRepository vms();

    AuditRepository audit();

    ConstellationRepository constellations();

    /** Server-wide secrets (the registration-token key), created on first use. */
    String secret(String name, java.util.function.Supplier<String> generator);
}
