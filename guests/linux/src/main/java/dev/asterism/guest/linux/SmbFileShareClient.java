package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.FileShareClient;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Secret;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads and writes files on a share with {@code smbclient} (this machine has no kernel CIFS), the user's password in
 * the {@code PASSWD} environment variable, never on the command line. Content goes through a root-only temporary
 * file on the guest.
 */
final class SmbFileShareClient implements FileShareClient {
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._-]{1,20}");
    private static final Pattern FILE = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final HostCommands commands;

    SmbFileShareClient(HostCommands commands) {
        this.commands = requireNonNull(commands, "commands is null");
    }

    @Override
    public void writeFile(Ipv4Address server, String share, String file, String userName, Secret password,
            byte[] content) {
        check(file, userName);
        String[] parts = file.split("/");
        StringBuilder directory = new StringBuilder();
        for (int i = 0; i < parts.length - 1; i++) {
            directory.append(i == 0 ? "" : "/").append(parts[i]);
            HostCommands.Result made = smbclient(server, share, userName, password, "mkdir " + directory, null);
            if (!made.succeeded() && !made.printed().contains("NT_STATUS_OBJECT_NAME_COLLISION")) {
                throw failure(made, "write " + file + " on //" + server + "/" + share);
            }
        }
        String temporary = "/tmp/asterism-smb-" + Long.toHexString(System.nanoTime());
        commands.writeFile(temporary, content);
        try {
            HostCommands.Result put = smbclient(server, share, userName, password,
                    "put " + temporary + " " + file, null);
            if (!put.succeeded() || put.printed().contains("NT_STATUS_")) {
                throw failure(put, "write " + file + " on //" + server + "/" + share);
            }
        } finally {
            commands.delete(temporary);
        }
    }

    @Override
    public byte[] readFile(Ipv4Address server, String share, String file, String userName, Secret password) {
        check(file, userName);
        HostCommands.Result got = smbclient(server, share, userName, password, "get " + file + " /dev/stdout", null);
        if (!got.succeeded() || got.errors().contains("NT_STATUS_")) {
            throw failure(got, "read " + file + " on //" + server + "/" + share);
        }
        return got.stdout();
    }

    private HostCommands.Result smbclient(Ipv4Address server, String share, String userName, Secret password,
            String command, byte[] input) {
        List<String> argv = new ArrayList<>(List.of("smbclient", "//" + server.value() + "/" + share, "-U", userName,
                "-m", "SMB3", "-t", "10", "-c", command));
        return commands.run(argv, input, Map.of("PASSWD", password.reveal()), TIMEOUT);
    }

    private static void check(String file, String userName) {
        if (file == null || !FILE.matcher(file).matches() || file.contains("..")) {
            throw new GuestException(Code.INVALID, "a share file is a relative path of letters, digits, dots, hyphens"
                    + " and underscores with / between: '" + file + "'");
        }
        if (userName == null || !USER.matcher(userName).matches()) {
            throw new GuestException(Code.INVALID, "a user name is 1 to 20 letters, digits, dots, hyphens, underscores");
        }
    }

    private static GuestException failure(HostCommands.Result result, String what) {
        String printed = result.printed();
        Code code;
        if (printed.contains("NT_STATUS_LOGON_FAILURE") || printed.contains("NT_STATUS_ACCESS_DENIED")
                || printed.contains("NT_STATUS_WRONG_PASSWORD")) {
            code = Code.INVALID;
        } else if (printed.contains("NT_STATUS_BAD_NETWORK_NAME") || printed.contains("NT_STATUS_OBJECT_NAME_NOT_FOUND")
                || printed.contains("NT_STATUS_OBJECT_PATH_NOT_FOUND") || printed.contains("NT_STATUS_NO_SUCH_FILE")) {
            code = Code.NOT_FOUND;
        } else {
            code = Code.UNAVAILABLE;
        }
        String status = printed.lines().filter(line -> line.contains("NT_STATUS_")).findFirst().orElse(printed);
        return new GuestException(code, "cannot " + what + ": " + status.strip());
    }
}
