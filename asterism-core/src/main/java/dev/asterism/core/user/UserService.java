package dev.asterism.core.user;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.auth.PasswordHasher;
import dev.asterism.core.constellation.ConstellationPeople;
import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.core.permission.Authorization;
import dev.asterism.core.store.Store;
import dev.asterism.core.validation.Validate;
import dev.asterism.core.validation.WireNames;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/** Local users. Admins manage users with the role {@code user}; only a super-admin manages admins. */
public final class UserService {
    private final Store store;
    private final PasswordHasher hasher;
    private final Clock clock;

    public UserService(Store store, PasswordHasher hasher, Clock clock) {
        this.store = requireNonNull(store, "store is null");
        this.hasher = requireNonNull(hasher, "hasher is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /**
     * Creates the first super-admin when there is no user at all.
     *
     * @return true when it was created, false when users exist already (nothing changes)
     */
    public boolean bootstrapAdmin(String username, String password) {
        Validate.username("username", username);
        Validate.newPassword("password", password);
        String hash = hasher.hash(password);
        Instant now = now();
        return store.call(transaction -> {
            if (!transaction.users().list().isEmpty()) {
                return false;
            }
            transaction.users().insert(username, Role.SUPER_ADMIN, hash, now);
            transaction.audit().append("system", "user.created", "user:" + username,
                    Map.of("role", WireNames.of(Role.SUPER_ADMIN)), now);
            return true;
        });
    }

    public User create(User caller, String username, String password, String role) {
        Authorization.requireAdmin(caller, "create users");
        Validate.username("username", username);
        Role parsedRole = WireNames.parse("role", role, Role.class);
        Validate.newPassword("password", password);
        requireMayManage(caller, parsedRole, "create");
        String hash = hasher.hash(password);
        Instant now = now();
        return store.call(transaction -> {
            User user = transaction.users().insert(username, parsedRole, hash, now);
            transaction.audit().append(caller.username(), "user.created", "user:" + username,
                    Map.of("role", WireNames.of(parsedRole)), now);
            return user;
        });
    }

    public void delete(User caller, String username) {
        Authorization.requireAdmin(caller, "delete users");
        if (caller.username().equals(username)) {
            throw new AsterismException(ErrorCode.CONFLICT, "you cannot delete yourself: ask another admin");
        }
        Instant now = now();
        store.run(transaction -> {
            User user = transaction.users().find(username).orElseThrow(() -> AsterismException.notFound("user", username));
            requireMayManage(caller, user.role(), "delete");
            long liveVms = transaction.vms().list(username).size();
            if (liveVms > 0) {
                throw new AsterismException(ErrorCode.CONFLICT, "user '" + username + "' still owns " + liveVms
                        + " VMs: destroy them first", Map.of("vms", liveVms));
            }
            long liveConstellations = transaction.constellations().list(username).size();
            if (liveConstellations > 0) {
                throw new AsterismException(ErrorCode.CONFLICT, "user '" + username + "' still owns "
                        + liveConstellations + " constellations: destroy them first",
                        Map.of("constellations", liveConstellations));
            }
            ConstellationPeople.removeEverywhere(transaction, username, caller.username(), now);
            // What stays of the user (destroyed VMs and constellations) is no longer theirs by name: a new user of
            // the same name must not see it. Names never hold '~'.
            String formerOwner = formerOwner(user);
            int vms = transaction.vms().renameOwner(username, formerOwner);
            int constellations = transaction.constellations().renameOwner(username, formerOwner);
            transaction.users().delete(username);
            transaction.audit().append(caller.username(), "user.deleted", "user:" + username, Map.of("formerOwner",
                    formerOwner, "vms", Integer.toString(vms), "constellations", Integer.toString(constellations)), now);
        });
    }

    public List<User> list(User caller) {
        Authorization.requireAdmin(caller, "list users");
        return store.call(transaction -> transaction.users().list());
    }

    public User get(User caller, String username) {
        if (!caller.role().isAdmin() && !caller.username().equals(username)) {
            throw AsterismException.notFound("user", username);
        }
        return store.call(transaction -> transaction.users().find(username))
                .orElseThrow(() -> AsterismException.notFound("user", username));
    }

    /** The owner name of what a deleted user leaves behind: no user can ever have it. */
    static String formerOwner(User user) {
        return "~deleted-" + user.id();
    }

    private static void requireMayManage(User caller, Role role, String verb) {
        if (role != Role.USER && caller.role() != Role.SUPER_ADMIN) {
            throw AsterismException.forbidden("only a super-admin may " + verb + " users with the role "
                    + WireNames.of(role));
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
