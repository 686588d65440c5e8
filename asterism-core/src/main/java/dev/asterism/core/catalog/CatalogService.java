package dev.asterism.core.catalog;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.core.permission.Authorization;
import dev.asterism.core.permission.BrickGrant;
import dev.asterism.core.permission.GrantLevel;
import dev.asterism.core.store.Store;
import dev.asterism.core.store.Transaction;
import dev.asterism.core.team.TeamGrant;
import dev.asterism.core.user.User;
import dev.asterism.core.validation.Validate;
import dev.asterism.core.validation.WireNames;
import dev.asterism.spi.realm.OsFamily;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Realms, hardware profiles, images, bricks and grants. Admins write; a user sees the bricks they are
 * granted and the images and profiles those bricks use.
 */
public final class CatalogService {
    private final Store store;
    private final Clock clock;

    public CatalogService(Store store, Clock clock) {
        this.store = requireNonNull(store, "store is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public List<RealmDefinition> realms() {
        return store.call(transaction -> transaction.catalog().realms());
    }

    /** Records a realm the server runs a driver for; does nothing when it is recorded already. */
    public void ensureRealm(RealmDefinition realm) {
        Instant now = now();
        store.run(transaction -> {
            if (transaction.catalog().realm(realm.name()).isEmpty()) {
                transaction.catalog().insertRealm(realm);
                transaction.audit().append("system", "realm.registered", "realm:" + realm.name(),
                        Map.of("driver", realm.driver()), now);
            }
        });
    }

    public List<HardwareProfile> profiles(User caller) {
        return store.call(transaction -> {
            if (caller.role().isAdmin()) {
                return transaction.catalog().profiles();
            }
            Set<String> visible = visibleBricks(transaction, caller).stream().map(Brick::profile).collect(Collectors.toSet());
            return transaction.catalog().profiles().stream().filter(p -> visible.contains(p.name())).toList();
        });
    }

    public HardwareProfile createProfile(User caller, String name, Integer vcpus, Integer memoryMib, Integer diskGib) {
        Authorization.requireAdmin(caller, "edit the catalog");
        HardwareProfile profile = new HardwareProfile(
                Validate.name("name", name),
                Validate.range("vcpus", vcpus, 1, HardwareProfile.MAX_VCPUS),
                Validate.range("memoryMib", memoryMib, HardwareProfile.MIN_MEMORY_MIB, HardwareProfile.MAX_MEMORY_MIB),
                Validate.range("diskGib", diskGib, 1, HardwareProfile.MAX_DISK_GIB));
        write(caller, "profile.created", "profile:" + profile.name(), Map.of("vcpus", "" + profile.vcpus(),
                "memoryMib", "" + profile.memoryMib(), "diskGib", "" + profile.diskGib()),
                transaction -> transaction.catalog().insertProfile(profile));
        return profile;
    }

    public void deleteProfile(User caller, String name) {
        Authorization.requireAdmin(caller, "edit the catalog");
        write(caller, "profile.deleted", "profile:" + name, Map.of(), transaction -> {
            requireUnused(transaction, "profile", name, transaction.catalog().bricksUsing(name, null));
            if (!transaction.catalog().deleteProfile(name)) {
                throw AsterismException.notFound("profile", name);
            }
        });
    }

    public List<Image> images(User caller) {
        return store.call(transaction -> {
            if (caller.role().isAdmin()) {
                return transaction.catalog().images();
            }
            Set<String> visible = visibleBricks(transaction, caller).stream().map(Brick::image).collect(Collectors.toSet());
            return transaction.catalog().images().stream().filter(i -> visible.contains(i.name())).toList();
        });
    }

    public Image createImage(User caller, String name, String osFamily, String source, String description) {
        Authorization.requireAdmin(caller, "edit the catalog");
        Image image = new Image(
                Validate.name("name", name),
                WireNames.parse("osFamily", osFamily, OsFamily.class),
                Validate.text("source", Validate.present("source", source), 1024),
                Validate.text("description", description, 1024));
        write(caller, "image.created", "image:" + image.name(),
                Map.of("osFamily", WireNames.of(image.osFamily()), "source", image.source()),
                transaction -> transaction.catalog().insertImage(image));
        return image;
    }

    public void deleteImage(User caller, String name) {
        Authorization.requireAdmin(caller, "edit the catalog");
        write(caller, "image.deleted", "image:" + name, Map.of(), transaction -> {
            requireUnused(transaction, "image", name, transaction.catalog().bricksUsing(null, name));
            if (!transaction.catalog().deleteImage(name)) {
                throw AsterismException.notFound("image", name);
            }
        });
    }

    public List<Brick> bricks(User caller) {
        return store.call(transaction -> visibleBricks(transaction, caller));
    }

    public Brick brick(User caller, String name) {
        return store.call(transaction -> visibleBrick(transaction, caller, name));
    }

    /** The brick if the caller may see it; NOT_FOUND otherwise, so that names of others' bricks do not leak. */
    public static Brick visibleBrick(Transaction transaction, User caller, String name) {
        Brick brick = transaction.catalog().brick(name).orElseThrow(() -> AsterismException.notFound("brick", name));
        if (!Authorization.hasGrant(transaction, caller, name, GrantLevel.USE)) {
            throw AsterismException.notFound("brick", name);
        }
        return brick;
    }

    public Brick createBrick(User caller, String name, String image, String profile, List<String> capabilities) {
        Authorization.requireAdmin(caller, "edit the catalog");
        Validate.name("name", name);
        Validate.present("image", image);
        Validate.present("profile", profile);
        if (capabilities == null || capabilities.isEmpty()) {
            throw AsterismException.invalid("capabilities", "name at least one of " + WireNames.choices(Capability.class));
        }
        EnumSet<Capability> parsed = EnumSet.noneOf(Capability.class);
        for (String capability : capabilities) {
            parsed.add(WireNames.parse("capabilities", capability, Capability.class));
        }
        Instant now = now();
        return store.call(transaction -> {
            Image found = transaction.catalog().image(image)
                    .orElseThrow(() -> AsterismException.invalid("image", "no image named '" + image + "'"));
            transaction.catalog().profile(profile)
                    .orElseThrow(() -> AsterismException.invalid("profile", "no profile named '" + profile + "'"));
            Brick brick = new Brick(name, image, profile, found.osFamily(), parsed);
            transaction.catalog().insertBrick(brick);
            transaction.audit().append(caller.username(), "brick.created", "brick:" + name, Map.of("image", image,
                    "profile", profile, "capabilities", parsed.stream().map(WireNames::of).sorted()
                            .collect(Collectors.joining(","))), now);
            return brick;
        });
    }

    public void deleteBrick(User caller, String name) {
        Authorization.requireAdmin(caller, "edit the catalog");
        write(caller, "brick.deleted", "brick:" + name, Map.of(), transaction -> {
            long live = transaction.vms().list(null).stream().filter(vm -> vm.brick().equals(name)).count();
            if (live > 0) {
                throw new AsterismException(ErrorCode.CONFLICT, "brick '" + name + "' has " + live
                        + " live VMs: destroy them first", Map.of("vms", live));
            }
            if (!transaction.catalog().deleteBrick(name)) {
                throw AsterismException.notFound("brick", name);
            }
        });
    }

    public List<BrickGrant> grants(User caller, String brick) {
        Authorization.requireAdmin(caller, "see grants");
        return store.call(transaction -> {
            transaction.catalog().brick(brick).orElseThrow(() -> AsterismException.notFound("brick", brick));
            return transaction.catalog().grantsOnBrick(brick);
        });
    }

    public BrickGrant putGrant(User caller, String brick, String username, String level) {
        Authorization.requireAdmin(caller, "grant bricks");
        GrantLevel parsed = WireNames.parse("level", level, GrantLevel.class);
        BrickGrant grant = new BrickGrant(brick, username, parsed);
        write(caller, "grant.set", "brick:" + brick, Map.of("user", username, "level", WireNames.of(parsed)),
                transaction -> {
                    transaction.catalog().brick(brick).orElseThrow(() -> AsterismException.notFound("brick", brick));
                    transaction.users().find(username).orElseThrow(() -> AsterismException.notFound("user", username));
                    transaction.catalog().putGrant(grant);
                });
        return grant;
    }

    public void deleteGrant(User caller, String brick, String username) {
        Authorization.requireAdmin(caller, "grant bricks");
        write(caller, "grant.revoked", "brick:" + brick, Map.of("user", username), transaction -> {
            if (!transaction.catalog().deleteGrant(brick, username)) {
                throw new AsterismException(ErrorCode.NOT_FOUND, "user '" + username + "' has no grant on brick '"
                        + brick + "'", Map.of("brick", brick, "user", username));
            }
        });
    }

    public List<TeamGrant> teamGrants(User caller, String brick) {
        Authorization.requireAdmin(caller, "see grants");
        return store.call(transaction -> {
            transaction.catalog().brick(brick).orElseThrow(() -> AsterismException.notFound("brick", brick));
            return transaction.catalog().teamGrantsOnBrick(brick);
        });
    }

    /** Grants every member of a team a level on a brick. */
    public TeamGrant putTeamGrant(User caller, String brick, String team, String level) {
        Authorization.requireAdmin(caller, "grant bricks");
        GrantLevel parsed = WireNames.parse("level", level, GrantLevel.class);
        TeamGrant grant = new TeamGrant(brick, team, parsed);
        write(caller, "grant.team-set", "brick:" + brick, Map.of("team", team, "level", WireNames.of(parsed)),
                transaction -> {
                    transaction.catalog().brick(brick).orElseThrow(() -> AsterismException.notFound("brick", brick));
                    transaction.teams().find(team).orElseThrow(() -> AsterismException.notFound("team", team));
                    transaction.catalog().putTeamGrant(grant);
                });
        return grant;
    }

    public void deleteTeamGrant(User caller, String brick, String team) {
        Authorization.requireAdmin(caller, "grant bricks");
        write(caller, "grant.team-revoked", "brick:" + brick, Map.of("team", team), transaction -> {
            if (!transaction.catalog().deleteTeamGrant(brick, team)) {
                throw new AsterismException(ErrorCode.NOT_FOUND, "team '" + team + "' has no grant on brick '"
                        + brick + "'", Map.of("brick", brick, "team", team));
            }
        });
    }

    private static List<Brick> visibleBricks(Transaction transaction, User caller) {
        if (caller.role().isAdmin()) {
            return transaction.catalog().bricks();
        }
        Set<String> granted = java.util.stream.Stream.concat(
                transaction.catalog().grantsOfUser(caller.username()).stream(),
                transaction.catalog().teamGrantsOfUser(caller.username()).stream())
                .map(BrickGrant::brick).collect(Collectors.toSet());
        return transaction.catalog().bricks().stream().filter(b -> granted.contains(b.name())).toList();
    }

    private static void requireUnused(Transaction transaction, String kind, String name, List<String> bricks) {
        if (!bricks.isEmpty()) {
            throw new AsterismException(ErrorCode.CONFLICT, kind + " '" + name + "' is used by bricks "
                    + String.join(", ", bricks) + ": delete those first", Map.of("bricks", bricks));
        }
    }

    private void write(User caller, String action, String target, Map<String, String> details,
            java.util.function.Consumer<Transaction> change) {
        Instant now = now();
        store.run(transaction -> {
            change.accept(transaction);
            transaction.audit().append(caller.username(), action, target, details, now);
        });
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
