package dev.asterism.cli.credentials;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the CLI keeps its files, first match wins:
 *
 * <ol>
 *   <li>{@code $ASTERISM_CONFIG_DIR}, used as is;
 *   <li>{@code $XDG_CONFIG_HOME/asterism}, when that variable holds an absolute path (the XDG base directory
 *       specification says to ignore a relative one);
 *   <li>{@code ~/.config/asterism}.
 * </ol>
 *
 * <p>The variables come in as a map rather than from {@link System#getenv}, so that tests can point the CLI at a
 * temporary directory without touching the process environment.
 */
public final class ConfigDirectory {

    public static final String ASTERISM_CONFIG_DIR = "ASTERISM_CONFIG_DIR";
    public static final String XDG_CONFIG_HOME = "XDG_CONFIG_HOME";

    private ConfigDirectory() {}

    public static Path resolve(Map<String, String> environmentVariables, Path homeDirectory) {
        String explicit = environmentVariables.get(ASTERISM_CONFIG_DIR);
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdgConfigHome = environmentVariables.get(XDG_CONFIG_HOME);
        if (xdgConfigHome != null && !xdgConfigHome.isBlank() && Path.of(xdgConfigHome).isAbsolute()) {
            return Path.of(xdgConfigHome, "asterism");
        }
        return homeDirectory.resolve(".config").resolve("asterism");
    }
}
