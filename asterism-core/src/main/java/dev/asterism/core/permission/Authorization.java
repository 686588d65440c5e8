package dev.asterism.core.permission;

import dev.asterism.core.error.AsterismException;
import dev.asterism.core.store.Transaction;
import dev.asterism.core.user.User;
import dev.asterism.core.validation.WireNames;
import java.util.Optional;

/** The permission rules, in one place. Admins may do everything with bricks; users need a grant, theirs or a team's. */
public final class Authorization {
    private Authorization() {}

    public static void requireAdmin(User caller, String what) {
        if (!caller.role().isAdmin()) {
            throw AsterismException.forbidden("only an admin may " + what);
        }
    }

    public static boolean hasGrant(Transaction transaction, User caller, String brick, GrantLevel level) {
        if (caller.role().isAdmin()) {
            return true;
        }
        Optional<BrickGrant> grant = transaction.catalog().grant(brick, caller.username());
        if (grant.isPresent() && grant.get().level().includes(level)) {
            return true;
        }
        return transaction.catalog().teamGrantsOfUser(caller.username()).stream()
                .anyMatch(teamGrant -> teamGrant.brick().equals(brick) && teamGrant.level().includes(level));
    }

    /** @throws AsterismException FORBIDDEN naming the missing grant */
    public static void requireGrant(Transaction transaction, User caller, String brick, GrantLevel level) {
        if (!hasGrant(transaction, caller, brick, level)) {
            throw AsterismException.forbidden("you need the '" + WireNames.of(level) + "' grant on brick '" + brick
                    + "': ask an admin for it");
        }
    }
}
