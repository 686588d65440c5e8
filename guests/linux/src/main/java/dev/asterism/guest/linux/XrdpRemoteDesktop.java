package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.RemoteDesktop;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Remote desktop on xrdp. Each guest gets its own TLS certificate and RSA keys the first time (an image's packaged
 * ones are shared by every guest made from it), its port in {@code /etc/xrdp/xrdp.ini}, and its log under
 * {@code /var/lib/asterism}. Enabled means the port is written to {@value #STATE}; {@link #restore} starts xrdp at
 * boot from it.
 */
final class XrdpRemoteDesktop implements RemoteDesktop {
    private static final String STATE = LinuxGuestPlatform.STATE_DIRECTORY + "/remote-desktop";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    /** Makes the guest's own keys once, sets the port and the log, and starts xrdp unless it runs. */
    private static final String START = """
            set -e
            if [ ! -e /etc/xrdp/.asterism-keys ]; then
              rm -f /etc/xrdp/cert.pem /etc/xrdp/key.pem
              openssl req -x509 -newkey rsa:2048 -nodes -keyout /etc/xrdp/key.pem -out /etc/xrdp/cert.pem \\
                -days 3650 -subj "/CN=$(hostname)" 2>/dev/null
              chmod 600 /etc/xrdp/key.pem
              xrdp-keygen xrdp /etc/xrdp/rsakeys.ini >/dev/null
              touch /etc/xrdp/.asterism-keys
            fi
            sed -i "0,/^port=.*/s//port=$1/; s|^LogFile=.*|LogFile=/var/lib/asterism/xrdp.log|" /etc/xrdp/xrdp.ini
            mkdir -p /run/xrdp/sockdir
            if [ -s /run/xrdp/xrdp.pid ] && kill -0 "$(cat /run/xrdp/xrdp.pid)" 2>/dev/null; then
              grep -q "^port=$1\\$" /etc/xrdp/xrdp.ini && exit 0
              kill "$(cat /run/xrdp/xrdp.pid)"; sleep 1
            fi
            exec xrdp </dev/null >/dev/null 2>&1
            """;

    private final HostCommands commands;

    XrdpRemoteDesktop(HostCommands commands) {
        this.commands = requireNonNull(commands, "commands is null");
    }

    @Override
    public synchronized void enable(int port) {
        if (port < 1 || port > 65535) {
            throw new GuestException(Code.INVALID, "a remote desktop port is 1 to 65535, not " + port);
        }
        commands.writeText(STATE, port + "\n");
        start(port);
    }

    @Override
    public Optional<Integer> listeningPort() {
        return commands.readText(STATE).map(String::strip).map(Integer::parseInt).filter(this::listening);
    }

    /** Starts xrdp after a boot when it was enabled. */
    synchronized void restore() {
        commands.readText(STATE).map(String::strip).map(Integer::parseInt).filter(port -> !listening(port))
                .ifPresent(this::start);
    }

    private void start(int port) {
        if (listening(port)) {
            return;
        }
        HostCommands.Result started = commands.run(List.of("sh", "-c", START, "sh", Integer.toString(port)), null,
                Map.of(), START_TIMEOUT);
        if (!started.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot start xrdp on port " + port + ": " + started.printed()
                    + " (install xrdp; see /var/lib/asterism/xrdp.log)");
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!listening(port)) {
            if (System.nanoTime() > deadline) {
                throw new GuestException(Code.TIMEOUT, "xrdp did not listen on port " + port + " within "
                        + START_TIMEOUT.toSeconds() + " s (see /var/lib/asterism/xrdp.log)");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GuestException(Code.UNAVAILABLE, "interrupted while waiting for xrdp");
            }
        }
    }

    private boolean listening(int port) {
        return commands.run(List.of("python3", "-c", "import socket, sys\n"
                + "socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()", Integer.toString(port)), null)
                .succeeded();
    }
}
