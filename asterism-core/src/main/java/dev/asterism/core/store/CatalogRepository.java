package dev.asterism.core.store;

import dev.asterism.core.catalog.Brick;
import dev.asterism.core.catalog.HardwareProfile;
import dev.asterism.core.catalog.Image;
import dev.asterism.core.catalog.RealmDefinition;
import dev.asterism.core.permission.BrickGrant;
import java.util.List;
import java.util.Optional;

/** Realms, hardware profiles, images, bricks and grants. Inserts of a taken name fail with ALREADY_EXISTS. */
public interface CatalogRepository {
    void insertRealm(RealmDefinition realm);

    Optional<RealmDefinition> realm(String name);

    List<RealmDefinition> realms();

    void insertProfile(HardwareProfile profile);

    Optional<HardwareProfile> profile(String name);

    List<HardwareProfile> profiles();

    boolean deleteProfile(String name);

    void insertImage(Image image);

    Optional<Image> image(String name);

    List<Image> images();

    boolean deleteImage(String name);

    void insertBrick(Brick brick);

    Optional<Brick> brick(String name);

    List<Brick> bricks();

    boolean deleteBrick(String name);

    /** Names of bricks that use the profile or image, to refuse deleting it. */
    List<String> bricksUsing(String profile, String image);

    void putGrant(BrickGrant grant);

    boolean deleteGrant(String brick, String username);

    Optional<BrickGrant> grant(String brick, String username);

    List<BrickGrant> grantsOnBrick(String brick);

    List<BrickGrant> grantsOfUser(String username);

    /** Grants a team a level on a brick, replacing the level it had. */
    void putTeamGrant(dev.asterism.core.team.TeamGrant grant);

    boolean deleteTeamGrant(String brick, String team);

    List<dev.asterism.core.team.TeamGrant> teamGrantsOnBrick(String brick);

    /** What a user holds through their teams, one grant per team and brick, by brick. */
    List<BrickGrant> teamGrantsOfUser(String username);
}
