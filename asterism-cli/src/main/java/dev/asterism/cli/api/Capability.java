package dev.asterism.cli.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What a VM of a brick can be in a constellation. */
public enum Capability implements WireNamed {
    CONTROLLER("controller"),
    WORKER("worker");

    private final String wireName;

    Capability(String wireName) {
        this.wireName = wireName;
    }

    @Override
    @JsonValue
    public String wireName() {
        return wireName;
    }

    @JsonCreator
    public static Capability fromWireName(String word) {
        return WireNamed.fromWireName(Capability.class, word);
    }

    @Override
    public String toString() {
        return wireName;
    }
}
