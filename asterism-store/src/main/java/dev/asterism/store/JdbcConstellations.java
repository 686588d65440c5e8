package dev.asterism.store;

import dev.asterism.core.constellation.Constellation;
import dev.asterism.core.constellation.ConstellationState;
import dev.asterism.core.constellation.Member;
import dev.asterism.core.constellation.JoinMode;
import dev.asterism.core.constellation.MemberPhase;
import dev.asterism.core.constellation.Person;
import dev.asterism.core.constellation.PersonState;
import dev.asterism.core.reconciliation.Claim;
import dev.asterism.core.store.ConstellationRepository;
import dev.asterism.spi.guest.ClipboardRule;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

final class JdbcConstellations implements ConstellationRepository {
    private static final String COLUMNS = "name, owner_name, project, controller_brick, controller_vm, domain, overlay_subnet,"
            + " join_mode, clipboard, state, reason, hub_public_key, created_at, updated_at, next_check_at, attempts, version";
    private static final String MEMBER_COLUMNS = "id, constellation, name, brick, profile, vm_name, overlay_address,"
            + " phase, removal_requested, member_condition, sealed_bundle, join_status, vpn_public_key, clipboard,"
            + " phase_started_at, created_at, updated_at, next_check_at, attempts, version";
    private static final String PERSON_COLUMNS = "id, constellation, username, state, person_condition, password_set,"
            + " created_at, updated_at, version";
    private final Sql sql;

    JdbcConstellations(Sql sql) {
        this.sql = sql;
    }

    @Override
    public void insert(String id, Constellation c) {
        sql.insertUnique("constellation", c.name(), "INSERT INTO constellations (id, live_name, " + COLUMNS + ")"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                id, c.name(), c.name(), c.owner(), c.project(), c.controllerBrick(), c.controllerVm(), c.domain(),
                c.overlaySubnet(), c.joinMode(), c.clipboard(), c.state(), c.reason(), c.hubPublicKey(), c.createdAt(), c.updatedAt(),
                c.nextCheckAt(), c.attempts(), c.version());
    }

    @Override
    public Optional<Constellation> find(String name) {
        Optional<Constellation> live = sql.queryOne("SELECT " + COLUMNS + " FROM constellations WHERE live_name = ?",
                JdbcConstellations::map, name);
        if (live.isPresent()) {
            return live;
        }
        return sql.query("SELECT " + COLUMNS + " FROM constellations WHERE name = ? ORDER BY created_at DESC",
                JdbcConstellations::map, name).stream().findFirst();
    }

    @Override
    public List<Constellation> list(String owner) {
        if (owner == null) {
            return sql.query("SELECT " + COLUMNS + " FROM constellations WHERE live_name IS NOT NULL ORDER BY name",
                    JdbcConstellations::map);
        }
        return sql.query("SELECT " + COLUMNS + " FROM constellations WHERE live_name IS NOT NULL AND owner_name = ?"
                + " ORDER BY name", JdbcConstellations::map, owner);
    }

    @Override
    public List<Constellation> inProject(String project) {
        return sql.query("SELECT " + COLUMNS + " FROM constellations WHERE live_name IS NOT NULL AND project = ?"
                + " ORDER BY name", JdbcConstellations::map, project);
    }

    @Override
    public int renameOwner(String from, String to) {
        return sql.update("UPDATE constellations SET owner_name = ?, version = version + 1 WHERE owner_name = ?", to,
                from);
    }

    @Override
    public List<Constellation> claimDue(Claim claim, int limit) {
        return sql.claimDue("constellations", COLUMNS, JdbcConstellations::map, claim, limit);
    }

    @Override
    public Optional<Constellation> update(Constellation c) {
        int updated = sql.update("UPDATE constellations SET clipboard = ?, state = ?, reason = ?, hub_public_key = ?,"
                        + " updated_at = ?, next_check_at = ?, attempts = ?, version = ?, live_name = ?"
                        + " WHERE live_name = ? AND version = ?",
                c.clipboard(), c.state(), c.reason(), c.hubPublicKey(), c.updatedAt(), c.nextCheckAt(), c.attempts(), c.version() + 1,
                c.state() == ConstellationState.DESTROYED ? null : c.name(), c.name(), c.version());
        if (updated == 0) {
            return Optional.empty();
        }
        return Optional.of(c.withVersion(c.version() + 1));
    }

    @Override
    public void insertMember(Member m) {
        sql.insertUnique("member", m.name(), "INSERT INTO members (live_key, " + MEMBER_COLUMNS + ")"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                liveKey(m), m.id(), m.constellation(), m.name(), m.brick(), m.profile(), m.vmName(), m.overlayAddress(),
                m.phase(), m.removalRequested(), m.condition(), m.sealedBundle(), m.joinStatus(), m.vpnPublicKey(),
                m.clipboard(), m.phaseStartedAt(), m.createdAt(), m.updatedAt(), m.nextCheckAt(), m.attempts(), m.version());
    }

    @Override
    public List<Member> members(String constellation, boolean includeRemoved) {
        return sql.query("SELECT " + MEMBER_COLUMNS + " FROM members WHERE constellation = ?"
                        + (includeRemoved ? "" : " AND live_key IS NOT NULL") + " ORDER BY name, created_at",
                JdbcConstellations::member, constellation);
    }

    @Override
    public Optional<Member> member(String constellation, String name) {
        return sql.queryOne("SELECT " + MEMBER_COLUMNS + " FROM members WHERE live_key = ?", JdbcConstellations::member,
                constellation + "/" + name);
    }

    @Override
    public Optional<Member> memberById(String id) {
        return sql.queryOne("SELECT " + MEMBER_COLUMNS + " FROM members WHERE id = ?", JdbcConstellations::member, id);
    }

    @Override
    public Optional<Member> memberByVm(String vmName) {
        return sql.query("SELECT " + MEMBER_COLUMNS + " FROM members WHERE vm_name = ? ORDER BY created_at DESC",
                JdbcConstellations::member, vmName).stream().findFirst();
    }

    @Override
    public List<Member> claimDueMembers(Claim claim, int limit) {
        return sql.claimDue("members", MEMBER_COLUMNS, JdbcConstellations::member, claim, limit);
    }

    @Override
    public Optional<Member> updateMember(Member m) {
        int updated = sql.update("UPDATE members SET vm_name = ?, phase = ?, removal_requested = ?, member_condition = ?,"
                        + " sealed_bundle = ?, join_status = ?, vpn_public_key = ?, clipboard = ?, phase_started_at = ?,"
                        + " updated_at = ?, next_check_at = ?, attempts = ?, version = ?, live_key = ?"
                        + " WHERE id = ? AND version = ?",
                m.vmName(), m.phase(), m.removalRequested(), m.condition(), m.sealedBundle(), m.joinStatus(),
                m.vpnPublicKey(), m.clipboard(), m.phaseStartedAt(), m.updatedAt(), m.nextCheckAt(), m.attempts(), m.version() + 1,
                liveKey(m), m.id(), m.version());
        return updated == 0 ? Optional.empty() : Optional.of(m.withVersion(m.version() + 1));
    }

    @Override
    public List<String> overlayAddresses(String constellation) {
        return sql.query("SELECT overlay_address FROM members WHERE constellation = ? AND live_key IS NOT NULL",
                row -> row.getString(1), constellation);
    }

    @Override
    public void insertPerson(Person p) {
        sql.insertUnique("person", p.username(), "INSERT INTO people (live_key, " + PERSON_COLUMNS + ")"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                liveKey(p), p.id(), p.constellation(), p.username(), p.state(), p.condition(), p.passwordSet(),
                p.createdAt(), p.updatedAt(), p.version());
    }

    @Override
    public List<Person> people(String constellation) {
        return sql.query("SELECT " + PERSON_COLUMNS + " FROM people WHERE constellation = ? AND live_key IS NOT NULL"
                + " ORDER BY username", JdbcConstellations::person, constellation);
    }

    @Override
    public Optional<Person> person(String constellation, String username) {
        return sql.queryOne("SELECT " + PERSON_COLUMNS + " FROM people WHERE live_key = ?", JdbcConstellations::person,
                constellation + "/" + username);
    }

    @Override
    public List<Person> peopleNamed(String username) {
        return sql.query("SELECT " + PERSON_COLUMNS + " FROM people WHERE username = ? AND live_key IS NOT NULL"
                + " ORDER BY constellation", JdbcConstellations::person, username);
    }

    @Override
    public Optional<Person> updatePerson(Person p) {
        int updated = sql.update("UPDATE people SET state = ?, person_condition = ?, password_set = ?, updated_at = ?,"
                        + " version = ?, live_key = ? WHERE id = ? AND version = ?",
                p.state(), p.condition(), p.passwordSet(), p.updatedAt(), p.version() + 1, liveKey(p), p.id(),
                p.version());
        return updated == 0 ? Optional.empty() : Optional.of(p.withVersion(p.version() + 1));
    }

    @Override
    public void markDue(String name, Instant at) {
        // The version changes even when the row is due already: a pass working on it now must not write it back
        // as done, since it read the people before this change.
        sql.update("UPDATE constellations SET next_check_at = CASE WHEN next_check_at IS NULL OR next_check_at > ?"
                + " THEN ? ELSE next_check_at END, version = version + 1 WHERE live_name = ?", at, at, name);
    }

    private static String liveKey(Person p) {
        return p.state() == PersonState.REMOVED ? null : p.constellation() + "/" + p.username();
    }

    private static Person person(ResultSet row) throws SQLException {
        return new Person(row.getString("id"), row.getString("constellation"), row.getString("username"),
                PersonState.valueOf(row.getString("state")), row.getString("person_condition"),
                row.getBoolean("password_set"), Sql.instant(row, "created_at"), Sql.instant(row, "updated_at"),
                row.getLong("version"));
    }

    private static String liveKey(Member m) {
        return m.phase() == MemberPhase.REMOVED ? null : m.constellation() + "/" + m.name();
    }

    private static Constellation map(ResultSet row) throws SQLException {
        return new Constellation(row.getString("name"), row.getString("owner_name"), row.getString("project"),
                row.getString("controller_brick"),
                row.getString("controller_vm"), row.getString("domain"), row.getString("overlay_subnet"),
                JoinMode.valueOf(row.getString("join_mode")), ClipboardRule.valueOf(row.getString("clipboard")),
                ConstellationState.valueOf(row.getString("state")),
                row.getString("reason"), row.getString("hub_public_key"), Sql.instant(row, "created_at"), Sql.instant(row, "updated_at"),
                Sql.instant(row, "next_check_at"), row.getInt("attempts"), row.getLong("version"));
    }

    private static Member member(ResultSet row) throws SQLException {
        return new Member(row.getString("id"), row.getString("constellation"), row.getString("name"),
                row.getString("brick"), row.getString("profile"), row.getString("vm_name"),
                row.getString("overlay_address"), MemberPhase.valueOf(row.getString("phase")),
                row.getBoolean("removal_requested"), row.getString("member_condition"), row.getString("sealed_bundle"),
                row.getString("join_status"), row.getString("vpn_public_key"),
                row.getString("clipboard") == null ? null : ClipboardRule.valueOf(row.getString("clipboard")),
                Sql.instant(row, "phase_started_at"),
                Sql.instant(row, "created_at"), Sql.instant(row, "updated_at"), Sql.instant(row, "next_check_at"),
                row.getInt("attempts"), row.getLong("version"));
    }
}
