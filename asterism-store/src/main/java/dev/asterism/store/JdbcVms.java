package dev.asterism.store;

import dev.asterism.core.store.VmRepository;
import dev.asterism.core.vm.DesiredState;
import dev.asterism.core.reconciliation.Claim;
import dev.asterism.core.vm.Vm;
import dev.asterism.core.vm.VmState;
import dev.asterism.spi.realm.OsFamily;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

final class JdbcVms implements VmRepository {
    private static final String COLUMNS = "id, name, owner_name, project, brick, realm, profile, os_family,"
            + " image_source, vcpus, memory_mib, disk_gib, network, state, desired_state, reason, addresses,"
            + " created_at, updated_at, registration_deadline, registered_at, next_check_at, attempts, version";
    private final Sql sql;

    JdbcVms(Sql sql) {
        this.sql = sql;
    }

    @Override
    public void insert(Vm vm) {
        sql.insertUnique("vm", vm.name(), "INSERT INTO vms (" + COLUMNS + ", live_name)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                vm.id(), vm.name(), vm.owner(), vm.project(), vm.brick(), vm.realm(), vm.profile(), vm.osFamily(),
                vm.image(),
                vm.vcpus(), vm.memoryMib(), vm.diskGib(), vm.network(), vm.state(), vm.desiredState(), vm.reason(),
                String.join(",", vm.addresses()), vm.createdAt(), vm.updatedAt(), vm.registrationDeadline(),
                vm.registeredAt(), vm.nextCheckAt(), vm.attempts(), vm.version(), liveName(vm));
    }

    @Override
    public Optional<Vm> find(String name) {
        Optional<Vm> live = sql.queryOne("SELECT " + COLUMNS + " FROM vms WHERE live_name = ?", JdbcVms::map, name);
        if (live.isPresent()) {
            return live;
        }
        return sql.query("SELECT " + COLUMNS + " FROM vms WHERE name = ? ORDER BY created_at DESC", JdbcVms::map, name)
                .stream().findFirst();
    }

    @Override
    public Optional<Vm> findById(String id) {
        return sql.queryOne("SELECT " + COLUMNS + " FROM vms WHERE id = ?", JdbcVms::map, id);
    }

    @Override
    public List<Vm> list(String owner) {
        if (owner == null) {
            return sql.query("SELECT " + COLUMNS + " FROM vms WHERE live_name IS NOT NULL ORDER BY name", JdbcVms::map);
        }
        return sql.query("SELECT " + COLUMNS + " FROM vms WHERE live_name IS NOT NULL AND owner_name = ? ORDER BY name",
                JdbcVms::map, owner);
    }

    @Override
    public int renameOwner(String from, String to) {
        return sql.update("UPDATE vms SET owner_name = ?, version = version + 1 WHERE owner_name = ?", to, from);
    }

    @Override
    public List<Vm> claimDue(Claim claim, int limit) {
        return sql.claimDue("vms", COLUMNS, JdbcVms::map, claim, limit);
    }

    @Override
    public List<Vm> expectedInRealm(String realm) {
        return sql.query("SELECT " + COLUMNS + " FROM vms WHERE realm = ? AND state NOT IN ('DESTROYED', 'FAILED')",
                JdbcVms::map, realm);
    }

    @Override
    public Optional<Vm> update(Vm vm) {
        int updated = sql.update("UPDATE vms SET state = ?, desired_state = ?, reason = ?, addresses = ?,"
                        + " updated_at = ?, registered_at = ?, next_check_at = ?, attempts = ?, version = ?, live_name = ?"
                        + " WHERE id = ? AND version = ?",
                vm.state(), vm.desiredState(), vm.reason(), String.join(",", vm.addresses()), vm.updatedAt(),
                vm.registeredAt(), vm.nextCheckAt(), vm.attempts(), vm.version() + 1, liveName(vm), vm.id(),
                vm.version());
        return updated == 0 ? Optional.empty() : Optional.of(vm.withVersion(vm.version() + 1));
    }

    @Override
    public Map<VmState, Long> countByState() {
        Map<VmState, Long> counts = new EnumMap<>(VmState.class);
        for (VmState state : VmState.values()) {
            counts.put(state, 0L);
        }
        sql.query("SELECT state, COUNT(*) FROM vms GROUP BY state", row -> {
            counts.put(VmState.valueOf(row.getString(1)), row.getLong(2));
            return null;
        });
        return counts;
    }

    @Override
    public void putAgentKeys(String vmId, String publicKey, String tlsPublicKey) {
        sql.update("UPDATE vms SET agent_public_key = ?, agent_tls_key = ? WHERE id = ?", publicKey, tlsPublicKey,
                vmId);
    }

    @Override
    public Optional<String> agentTlsKey(String vmId) {
        return sql.queryOne("SELECT agent_tls_key FROM vms WHERE id = ?", row -> row.getString(1), vmId)
                .filter(key -> key != null);
    }

    @Override
    public Optional<String> agentKey(String vmId) {
        return sql.queryOne("SELECT agent_public_key FROM vms WHERE id = ?", row -> row.getString(1), vmId)
                .filter(key -> key != null);
    }

    @Override
    public List<Vm> inProject(String project) {
        return sql.query("SELECT " + COLUMNS + " FROM vms WHERE live_name IS NOT NULL AND project = ? ORDER BY name",
                JdbcVms::map, project);
    }

    @Override
    public List<Vm> inProjectSince(String project, Instant since) {
        return sql.query("SELECT " + COLUMNS + " FROM vms WHERE project = ?"
                + " AND (live_name IS NOT NULL OR updated_at >= ?) ORDER BY created_at, id", JdbcVms::map, project,
                since);
    }

    @Override
    public Map<String, Instant> orphans(String realm) {
        Map<String, Instant> orphans = new LinkedHashMap<>();
        sql.query("SELECT vm_id, first_seen FROM realm_orphans WHERE realm = ? ORDER BY vm_id", row -> {
            orphans.put(row.getString(1), Sql.instant(row, "first_seen"));
            return null;
        }, realm);
        return orphans;
    }

    @Override
    public void putOrphan(String realm, String vmId, Instant firstSeen) {
        if (sql.update("UPDATE realm_orphans SET first_seen = first_seen WHERE realm = ? AND vm_id = ?", realm, vmId) == 0) {
            sql.update("INSERT INTO realm_orphans (realm, vm_id, first_seen) VALUES (?, ?, ?)", realm, vmId, firstSeen);
        }
    }

    @Override
    public void deleteOrphan(String realm, String vmId) {
        sql.update("DELETE FROM realm_orphans WHERE realm = ? AND vm_id = ?", realm, vmId);
    }

    private static String liveName(Vm vm) {
        return vm.state() == VmState.DESTROYED ? null : vm.name();
    }

    private static Vm map(ResultSet row) throws SQLException {
        String addresses = row.getString("addresses");
        return new Vm(row.getString("id"), row.getString("name"), row.getString("owner_name"), row.getString("project"),
                row.getString("brick"),
                row.getString("realm"), row.getString("profile"), OsFamily.valueOf(row.getString("os_family")),
                row.getString("image_source"), row.getInt("vcpus"), row.getInt("memory_mib"), row.getInt("disk_gib"),
                row.getString("network"),
                VmState.valueOf(row.getString("state")), DesiredState.valueOf(row.getString("desired_state")),
                row.getString("reason"),
                addresses.isEmpty() ? List.of() : Arrays.asList(addresses.split(",")),
                Sql.instant(row, "created_at"), Sql.instant(row, "updated_at"),
                Sql.instant(row, "registration_deadline"), Sql.instant(row, "registered_at"),
                Sql.instant(row, "next_check_at"), row.getInt("attempts"), row.getLong("version"));
    }
}
