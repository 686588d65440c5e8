package dev.asterism.core.store;

import dev.asterism.core.user.Role;
import dev.asterism.core.user.User;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

public interface UserRepository {
    Optional<User> find(String username);

    Optional<User> findById(long id);

    /** The stored password hash, for login. */
    Optional<String> passwordHash(String username);

    /** @throws dev.asterism.core.error.AsterismException ALREADY_EXISTS when the name is taken */
    User insert(String username, Role role, String passwordHash, Instant now);

    List<User> list();

    /** Deletes the user with their tokens, sessions and grants. */
    boolean delete(String username);
}
