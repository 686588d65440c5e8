package dev.asterism.cli.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What a grant lets a user do with a brick: start VMs of it, or also manage it. */
public enum GrantLevel implements WireNamed {
    USE("use"),
    MANAGE("manage");

    private final String wireName;

    GrantLevel(String wireName) {
        this.wireName = wireName;
    }

    @Override
    @JsonValue
    public String wireName() {
        return wireName;
    }

    @JsonCreator
    public static GrantLevel fromWireName(String word) {
        return WireNamed.fromWireName(GrantLevel.class, word);
    }

    @Override
    public String toString() {
        return wireName;
    }
}
