package dev.asterism.cli.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A user's role on the server. */
public enum Role implements WireNamed {
    USER("user"),
    ADMIN("admin"),
    SUPER_ADMIN("super-admin");

    private final String wireName;

    Role(String wireName) {
        this.wireName = wireName;
    }

    @Override
    @JsonValue
    public String wireName() {
        return wireName;
    }

    @JsonCreator
    public static Role fromWireName(String word) {
        return WireNamed.fromWireName(Role.class, word);
    }

    @Override
    public String toString() {
        return wireName;
    }
}
