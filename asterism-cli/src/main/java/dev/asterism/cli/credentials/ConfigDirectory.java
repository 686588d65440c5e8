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
 *   <li>{@code ~/.config/asterism}, where {@code ~} is {@code $HOME} (see {@link #home}).
 * </ol>
 *
 * <p>The variables come in as a map rather than from {@link System#getenv}, so that tests can point the CLI at a
 * temporary directory without touching the process environment.
 */
public final class ConfigDirectory {

    public static final String ASTERISM_CONFIG_DIR = "ASTERISM_CONFIG_DIR";
    public static final String XDG_CONFIG_HOME = "XDG_CONFIG_HOME";

    private ConfigDirectory() {}

    /**
     * The user's home: {@code $HOME} when it holds an absolute path, as every shell tool takes it, else the home of
     * the account ({@code user.home}, from the password database).
     */
    public static Path home(Map<String, String> environmentVariables, String accountHome) {
        String home = environmentVariables.get("HOME");
        if (home != null && !home.isBlank() && Path.of(home).isAbsolute()) {
            return Path.of(home);
        }
        return Path.of(accountHome);
    }

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
