package dev.asterism.store;

import dev.asterism.core.audit.AuditKey;
import dev.asterism.core.store.AuditRepository;
import dev.asterism.core.store.CatalogRepository;
import dev.asterism.core.store.ConstellationRepository;
import dev.asterism.core.store.CredentialRepository;
import dev.asterism.core.store.ProjectRepository;
import dev.asterism.core.store.TeamRepository;
import dev.asterism.core.store.Transaction;
import dev.asterism.core.store.UserRepository;
import dev.asterism.core.store.VmRepository;
import java.util.function.Supplier;

final class JdbcTransaction implements Transaction {
    private final Sql sql;
    private final AuditKey auditKey;

    JdbcTransaction(Sql sql, AuditKey auditKey) {
        this.sql = sql;
        this.auditKey = auditKey;
    }

    @Override
    public UserRepository users() {
        return new JdbcUsers(sql);
    }

    @Override
    public CredentialRepository credentials() {
        return new JdbcCredentials(sql);
    }

    @Override
    public CatalogRepository catalog() {
        return new JdbcCatalog(sql);
    }

    @Override
    public VmRepository vms() {
        return new JdbcVms(sql);
    }

    @Override
    public AuditRepository audit() {
        return new JdbcAudit(sql, auditKey);
    }

    @Override
    public ConstellationRepository constellations() {
        return new JdbcConstellations(sql);
    }

    @Override
    public ProjectRepository projects() {
        return new JdbcProjects(sql);
    }

    @Override
    public TeamRepository teams() {
        return new JdbcTeams(sql);
    }

    @Override
    public String secret(String name, Supplier<String> generator) {
        var existing = sql.queryOne("SELECT secret FROM server_secrets WHERE name = ?", row -> row.getString(1), name);
        if (existing.isPresent()) {
            return existing.get();
        }
        String created = generator.get();
        sql.update("INSERT INTO server_secrets (name, secret) VALUES (?, ?)", name, created);
        return created;
    }

    @Override
    public void replaceSecret(String name, String value) {
        if (sql.update("UPDATE server_secrets SET secret = ? WHERE name = ?", value, name) != 1) {
            throw new IllegalStateException("no server secret named " + name);
        }
    }
}
