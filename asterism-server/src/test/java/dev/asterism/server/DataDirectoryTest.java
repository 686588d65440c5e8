package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data directory and its files are the server account's alone; one that others may read is refused. */
class DataDirectoryTest {
    @TempDir
    Path temporary;

    @Test
    void a_new_data_directory_is_owner_only_and_so_are_the_database_files() throws Exception {
        Path data = temporary.resolve("fresh");
        try (TestServer server = TestServer.start(Clock.systemUTC(), config -> config.withDataDirectory(data))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("asterism.mv.db"))))
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void a_data_directory_others_may_read_is_refused_before_anything_is_written_to_it() throws Exception {
        Path data = Files.createDirectory(temporary.resolve("open"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));

        assertThatThrownBy(() -> TestServer.start(Clock.systemUTC(), config -> config.withDataDirectory(data)))
                .isInstanceOf(ServerStartException.class)
                .hasMessageContaining("other accounts of this machine may read the data directory")
                .hasMessageContaining("chmod 700 " + data);
        try (var files = Files.list(data)) {
            assertThat(files.toList()).isEmpty();
        }
    }

    @Test
    void the_group_loses_its_access_to_an_existing_data_directory() throws Exception {
        Path data = Files.createDirectory(temporary.resolve("group"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-x---"));
        try (TestServer server = TestServer.start(Clock.systemUTC(), config -> config.withDataDirectory(data))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
        }
    }

    @Test
    void a_start_refused_after_the_server_listens_closes_what_it_had_started() throws Exception {
        Path data = Files.createDirectories(temporary.resolve("no-id"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        // The server's id is read once the web server listens: a directory in its place refuses the start there.
        Files.createDirectory(data.resolve("server-id"));
        int port = freePort();
        int agentPort = freePort();
        assertThatThrownBy(() -> TestServer.start(Clock.systemUTC(), config -> config.withDataDirectory(data)
                .withPort(port).withAgentPort(agentPort)))
                .isInstanceOf(ServerStartException.class).hasMessageContaining("server id");
        for (int closed : new int[] {port, agentPort}) {
            try (java.net.ServerSocket again = new java.net.ServerSocket(closed, 1,
                    java.net.InetAddress.getLoopbackAddress())) {
                assertThat(again.getLocalPort()).as("port %d is free again", closed).isEqualTo(closed);
            }
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }
}
