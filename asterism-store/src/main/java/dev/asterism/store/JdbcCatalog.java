package dev.asterism.store;

import dev.asterism.core.catalog.Brick;
import dev.asterism.core.catalog.Capability;
import dev.asterism.core.catalog.HardwareProfile;
import dev.asterism.core.catalog.Image;
import dev.asterism.core.catalog.RealmDefinition;
import dev.asterism.core.permission.BrickGrant;
import dev.asterism.core.permission.GrantLevel;
import dev.asterism.core.store.CatalogRepository;
import dev.asterism.core.team.TeamGrant;
import dev.asterism.spi.realm.OsFamily;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

final class JdbcCatalog implements CatalogRepository {
    private static final String GRANT_COLUMNS = "g.brick, u.username, g.grant_level"
            + " FROM brick_grants g JOIN users u ON u.id = g.user_id";
    private final Sql sql;

    JdbcCatalog(Sql sql) {
        this.sql = sql;
    }

    @Override
    public void insertRealm(RealmDefinition realm) {
        sql.insertUnique("realm", realm.name(), "INSERT INTO realms (name, driver, description) VALUES (?, ?, ?)",
                realm.name(), realm.driver(), realm.description());
    }

    @Override
    public Optional<RealmDefinition> realm(String name) {
        return sql.queryOne("SELECT name, driver, description FROM realms WHERE name = ?", JdbcCatalog::realm, name);
    }

    @Override
    public List<RealmDefinition> realms() {
        return sql.query("SELECT name, driver, description FROM realms ORDER BY name", JdbcCatalog::realm);
    }

    private static RealmDefinition realm(ResultSet row) throws SQLException {
        return new RealmDefinition(row.getString(1), row.getString(2), row.getString(3));
    }

    @Override
    public void insertProfile(HardwareProfile profile) {
        sql.insertUnique("profile", profile.name(),
                "INSERT INTO hardware_profiles (name, vcpus, memory_mib, disk_gib) VALUES (?, ?, ?, ?)",
                profile.name(), profile.vcpus(), profile.memoryMib(), profile.diskGib());
    }

    @Override
    public Optional<HardwareProfile> profile(String name) {
        return sql.queryOne("SELECT name, vcpus, memory_mib, disk_gib FROM hardware_profiles WHERE name = ?",
                JdbcCatalog::profile, name);
    }

    @Override
    public List<HardwareProfile> profiles() {
        return sql.query("SELECT name, vcpus, memory_mib, disk_gib FROM hardware_profiles ORDER BY name",
                JdbcCatalog::profile);
    }

    private static HardwareProfile profile(ResultSet row) throws SQLException {
        return new HardwareProfile(row.getString(1), row.getInt(2), row.getInt(3), row.getInt(4));
    }

    @Override
    public boolean deleteProfile(String name) {
        return sql.update("DELETE FROM hardware_profiles WHERE name = ?", name) > 0;
    }

    @Override
    public void insertImage(Image image) {
        sql.insertUnique("image", image.name(),
                "INSERT INTO images (name, os_family, image_source, description) VALUES (?, ?, ?, ?)",
                image.name(), image.osFamily(), image.source(), image.description());
    }

    @Override
    public Optional<Image> image(String name) {
        return sql.queryOne("SELECT name, os_family, image_source, description FROM images WHERE name = ?",
                JdbcCatalog::image, name);
    }

    @Override
    public List<Image> images() {
        return sql.query("SELECT name, os_family, image_source, description FROM images ORDER BY name",
                JdbcCatalog::image);
    }

    private static Image image(ResultSet row) throws SQLException {
        return new Image(row.getString(1), OsFamily.valueOf(row.getString(2)), row.getString(3), row.getString(4));
    }

    @Override
    public boolean deleteImage(String name) {
        return sql.update("DELETE FROM images WHERE name = ?", name) > 0;
    }

    @Override
    public void insertBrick(Brick brick) {
        sql.insertUnique("brick", brick.name(),
                "INSERT INTO bricks (name, image, profile, os_family, capabilities) VALUES (?, ?, ?, ?, ?)",
                brick.name(), brick.image(), brick.profile(), brick.osFamily(),
                brick.capabilities().stream().map(Enum::name).sorted().collect(Collectors.joining(",")));
    }

    @Override
    public Optional<Brick> brick(String name) {
        return sql.queryOne("SELECT name, image, profile, os_family, capabilities FROM bricks WHERE name = ?",
                JdbcCatalog::brick, name);
    }

    @Override
    public List<Brick> bricks() {
        return sql.query("SELECT name, image, profile, os_family, capabilities FROM bricks ORDER BY name",
                JdbcCatalog::brick);
    }

    private static Brick brick(ResultSet row) throws SQLException {
        EnumSet<Capability> capabilities = EnumSet.noneOf(Capability.class);
        Arrays.stream(row.getString(5).split(",")).filter(s -> !s.isEmpty())
                .forEach(s -> capabilities.add(Capability.valueOf(s)));
        return new Brick(row.getString(1), row.getString(2), row.getString(3), OsFamily.valueOf(row.getString(4)),
                capabilities);
    }

    @Override
    public boolean deleteBrick(String name) {
        return sql.update("DELETE FROM bricks WHERE name = ?", name) > 0;
    }

    @Override
    public List<String> bricksUsing(String profile, String image) {
        return sql.query("SELECT name FROM bricks WHERE profile = ? OR image = ? ORDER BY name",
                row -> row.getString(1), profile, image);
    }

    @Override
    public void putGrant(BrickGrant grant) {
        long userId = sql.queryOne("SELECT id FROM users WHERE username = ?", row -> row.getLong(1), grant.username())
                .orElseThrow(() -> dev.asterism.core.error.AsterismException.notFound("user", grant.username()));
        if (sql.update("UPDATE brick_grants SET grant_level = ? WHERE brick = ? AND user_id = ?",
                grant.level(), grant.brick(), userId) == 0) {
            sql.update("INSERT INTO brick_grants (brick, user_id, grant_level) VALUES (?, ?, ?)",
                    grant.brick(), userId, grant.level());
        }
    }

    @Override
    public boolean deleteGrant(String brick, String username) {
        return sql.update("DELETE FROM brick_grants WHERE brick = ? AND user_id = (SELECT id FROM users WHERE username = ?)",
                brick, username) > 0;
    }

    @Override
    public Optional<BrickGrant> grant(String brick, String username) {
        return sql.queryOne("SELECT " + GRANT_COLUMNS + " WHERE g.brick = ? AND u.username = ?", JdbcCatalog::grant,
                brick, username);
    }

    @Override
    public List<BrickGrant> grantsOnBrick(String brick) {
        return sql.query("SELECT " + GRANT_COLUMNS + " WHERE g.brick = ? ORDER BY u.username", JdbcCatalog::grant, brick);
    }

    @Override
    public List<BrickGrant> grantsOfUser(String username) {
        return sql.query("SELECT " + GRANT_COLUMNS + " WHERE u.username = ? ORDER BY g.brick", JdbcCatalog::grant,
                username);
    }

    @Override
    public void putTeamGrant(TeamGrant grant) {
        if (sql.update("UPDATE brick_team_grants SET grant_level = ? WHERE brick = ? AND team = ?", grant.level(),
                grant.brick(), grant.team()) == 0) {
            sql.update("INSERT INTO brick_team_grants (brick, team, grant_level) VALUES (?, ?, ?)", grant.brick(),
                    grant.team(), grant.level());
        }
    }

    @Override
    public boolean deleteTeamGrant(String brick, String team) {
        return sql.update("DELETE FROM brick_team_grants WHERE brick = ? AND team = ?", brick, team) > 0;
    }

    @Override
    public List<TeamGrant> teamGrantsOnBrick(String brick) {
        return sql.query("SELECT brick, team, grant_level FROM brick_team_grants WHERE brick = ? ORDER BY team",
                row -> new TeamGrant(row.getString(1), row.getString(2), GrantLevel.valueOf(row.getString(3))), brick);
    }

    @Override
    public List<BrickGrant> teamGrantsOfUser(String username) {
        return sql.query("SELECT g.brick, u.username, g.grant_level FROM brick_team_grants g"
                + " JOIN team_members m ON m.team = g.team JOIN users u ON u.id = m.user_id WHERE u.username = ?"
                + " ORDER BY g.brick, g.team", JdbcCatalog::grant, username);
    }

    private static BrickGrant grant(ResultSet row) throws SQLException {
        return new BrickGrant(row.getString(1), row.getString(2), GrantLevel.valueOf(row.getString(3)));
    }
}
