package dev.asterism.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.cli.credentials.ConfigDirectory;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigDirectoryTest {

    private final Path home = Path.of("/home/alice");

    @Test
    void asterism_config_dir_wins_over_everything() {
        Map<String, String> variables = Map.of("ASTERISM_CONFIG_DIR", "/etc/asterism-cli", "XDG_CONFIG_HOME", "/xdg");

        assertThat(ConfigDirectory.resolve(variables, home)).isEqualTo(Path.of("/etc/asterism-cli"));
    }

    @Test
    void xdg_config_home_is_used_next() {
        assertThat(ConfigDirectory.resolve(Map.of("XDG_CONFIG_HOME", "/xdg"), home))
                .isEqualTo(Path.of("/xdg/asterism"));
    }

    @Test
    void a_relative_xdg_config_home_is_ignored_as_the_specification_says() {
        assertThat(ConfigDirectory.resolve(Map.of("XDG_CONFIG_HOME", "relative"), home))
                .isEqualTo(Path.of("/home/alice/.config/asterism"));
    }

    @Test
    void the_default_is_dot_config_in_the_home_directory() {
        assertThat(ConfigDirectory.resolve(Map.of(), home)).isEqualTo(Path.of("/home/alice/.config/asterism"));
    }

    @Test
    void home_is_taken_from_the_environment_before_the_account() {
        assertThat(ConfigDirectory.home(Map.of("HOME", "/somewhere"), "/root")).isEqualTo(Path.of("/somewhere"));
        assertThat(ConfigDirectory.home(Map.of("HOME", "relative"), "/root")).isEqualTo(Path.of("/root"));
        assertThat(ConfigDirectory.home(Map.of(), "/root")).isEqualTo(Path.of("/root"));
    }
}
