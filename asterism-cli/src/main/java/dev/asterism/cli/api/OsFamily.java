package dev.asterism.cli.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The operating system family of an image, a brick or a VM. */
public enum OsFamily implements WireNamed {
    LINUX("linux"),
    WINDOWS("windows");

    private final String wireName;

    OsFamily(String wireName) {
        this.wireName = wireName;
    }

    @Override
    @JsonValue
    public String wireName() {
        return wireName;
    }

    @JsonCreator
    public static OsFamily fromWireName(String word) {
        return WireNamed.fromWireName(OsFamily.class, word);
    }

    @Override
    public String toString() {
        return wireName;
    }
}
