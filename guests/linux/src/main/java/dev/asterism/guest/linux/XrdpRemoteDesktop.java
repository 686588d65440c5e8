package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.ClipboardRule;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.RemoteDesktop;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Remote desktop on xrdp with its session manager: a domain user who signs in gets an Xorg session (xorgxrdp) running
 * the guest's desktop ({@code /etc/xrdp/startwm.sh}, which starts the system's X session, xfce4 on the Debian brick).
 * Each guest gets its own TLS certificate and RSA keys the first time (an image's packaged ones are shared by every
 * guest made from it), its port in {@code /etc/xrdp/xrdp.ini}, and its logs under {@code /var/lib/asterism}. The session
 * manager refuses root and ends a disconnected session after {@value #DISCONNECTED_LIMIT_SECONDS} s. Its channel server
 * lets nothing through the clipboard until {@link #restrictClipboard} says otherwise (in {@code sesman.ini}). Enabled means the
 * port is written to {@value #STATE}; {@link #restore} starts xrdp at boot from it.
 *
 * <p>Sessions and ending them look only at processes in this guest's own network namespace: on a real VM that is
 * every process, on a netns host of this machine (one process table for all hosts) it is the host's own.
 */
final class XrdpRemoteDesktop implements RemoteDesktop {
    private static final String STATE = LinuxGuestPlatform.STATE_DIRECTORY + "/remote-desktop";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final int DISCONNECTED_LIMIT_SECONDS = 1800;
    /**
     * Prints {@code uid command-line} of every process in this guest's network namespace, for sessions and ending
     * them; with a user name as argument, only that user's, and {@code --kill} ends them (TERM, then KILL).
     */
    private static final String PROCESSES = """
            import os, pwd, signal, sys, time
            own = os.stat('/proc/self/ns/net').st_ino
            def processes(uid):
                for pid in os.listdir('/proc'):
                    if not pid.isdigit() or int(pid) == os.getpid():
                        continue
                    try:
                        if os.stat('/proc/%s/ns/net' % pid).st_ino != own:
                            continue
                        owner = os.stat('/proc/' + pid).st_uid
                        if uid is not None and owner != uid:
                            continue
                        with open('/proc/%s/cmdline' % pid, 'rb') as f:
                            yield int(pid), owner, f.read().replace(b'\\n', b' ').replace(b'\\0', b' ').decode(errors='replace')
                    except OSError:
                        pass
            uid = None
            if len(sys.argv) > 1:
                try:
                    uid = pwd.getpwnam(sys.argv[1]).pw_uid
                except KeyError:
                    sys.exit(0)
                if uid == 0:
                    sys.exit('root is not a desktop user')
            if '--kill' in sys.argv:
                for sig in (signal.SIGTERM, signal.SIGKILL):
                    for pid, owner, line in list(processes(uid)):
                        try:
                            os.kill(pid, sig)
                        except OSError:
                            pass
                    for _ in range(20):
                        if not list(processes(uid)):
                            sys.exit(0)
                        time.sleep(0.1)
                sys.exit('processes of %s are left: %s' % (sys.argv[1], [p for p, o, l in processes(uid)]))
            for pid, owner, line in processes(uid):
                try:
                    name = pwd.getpwuid(owner).pw_name
                except KeyError:
                    name = str(owner)
                print(name, line)
            """;
    /** Makes the guest's own keys once, sets the port and the log, and starts xrdp unless it runs. */
    private static final String START = """
            set -e
            if [ ! -e /etc/xrdp/.asterism-keys ]; then
              rm -f /etc/xrdp/cert.pem /etc/xrdp/key.pem
              openssl req -x509 -newkey rsa:2048 -nodes -keyout /etc/xrdp/key.pem -out /etc/xrdp/cert.pem \\
                -days 3650 -subj "/CN=$(hostname)" 2>/dev/null
              chmod 600 /etc/xrdp/key.pem
              xrdp-keygen xrdp /etc/xrdp/rsakeys.ini >/dev/null
              sed -i "s|^RestrictOutboundClipboard=.*|RestrictOutboundClipboard=all|;
                s|^RestrictInboundClipboard=.*|RestrictInboundClipboard=all|" /etc/xrdp/sesman.ini
              touch /etc/xrdp/.asterism-keys
            fi
            sed -i "0,/^port=.*/s//port=$1/; s|^LogFile=.*|LogFile=/var/lib/asterism/xrdp.log|" /etc/xrdp/xrdp.ini
            sed -i "s|^LogFile=.*|LogFile=/var/lib/asterism/xrdp-sesman.log|; s|^EnableSyslog=.*|EnableSyslog=false|;
              s|^AllowRootLogin=.*|AllowRootLogin=false|; s|^KillDisconnected=.*|KillDisconnected=true|;
              s|^DisconnectedTimeLimit=.*|DisconnectedTimeLimit=$2|" /etc/xrdp/sesman.ini
            mkdir -p /run/xrdp/sockdir
            chmod 1777 /run/xrdp/sockdir
            if ! { [ -s /run/xrdp/xrdp-sesman.pid ] && kill -0 "$(cat /run/xrdp/xrdp-sesman.pid)" 2>/dev/null; }; then
              xrdp-sesman </dev/null >/dev/null 2>&1
            fi
            if [ -s /run/xrdp/xrdp.pid ] && kill -0 "$(cat /run/xrdp/xrdp.pid)" 2>/dev/null; then
              grep -q "^port=$1\\$" /etc/xrdp/xrdp.ini && exit 0
              kill "$(cat /run/xrdp/xrdp.pid)"; sleep 1
            fi
            exec xrdp </dev/null >/dev/null 2>&1
            """;

    /**
     * Sets what the session manager's channel server lets through the clipboard ({@code all} blocks, {@code none}
     * lets through), read by each session's channel server when the session starts.
     */
    private static final String CLIPBOARD = """
            set -e
            grep -q '^RestrictOutboundClipboard=' /etc/xrdp/sesman.ini || sed -i '/^\\[Security\\]/a RestrictOutboundClipboard=all' /etc/xrdp/sesman.ini
            grep -q '^RestrictInboundClipboard=' /etc/xrdp/sesman.ini || sed -i '/^\\[Security\\]/a RestrictInboundClipboard=all' /etc/xrdp/sesman.ini
            sed -i "s|^RestrictOutboundClipboard=.*|RestrictOutboundClipboard=$1|;
              s|^RestrictInboundClipboard=.*|RestrictInboundClipboard=$2|" /etc/xrdp/sesman.ini
            """;
    private static final Pattern RESTRICTION = Pattern.compile("(?m)^Restrict(Outbound|Inbound)Clipboard=(\\S*)");

    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._-]{1,20}");

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
    public synchronized void restrictClipboard(ClipboardRule rule) {
        requireNonNull(rule, "rule is null");
        HostCommands.Result written = commands.run(List.of("sh", "-c", CLIPBOARD, "sh",
                rule.fromDesktop() ? "none" : "all", rule.toDesktop() ? "none" : "all"), null);
        if (!written.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot set the clipboard rule in /etc/xrdp/sesman.ini: "
                    + written.printed().strip() + " (install xrdp)");
        }
    }

    /** Anything but {@code none} (or its aliases) restricts: a missing or unreadable line counts as blocked. */
    @Override
    public ClipboardRule clipboardRule() {
        String configuration = commands.readText("/etc/xrdp/sesman.ini").orElse("");
        boolean fromDesktop = false;
        boolean toDesktop = false;
        java.util.regex.Matcher line = RESTRICTION.matcher(configuration);
        while (line.find()) {
            boolean open = line.group(2).equals("none") || line.group(2).equals("false") || line.group(2).equals("no");
            if (line.group(1).equals("Outbound")) {
                fromDesktop = open;
            } else {
                toDesktop = open;
            }
        }
        return ClipboardRule.of(toDesktop, fromDesktop);
    }

    @Override
    public Optional<Integer> listeningPort() {
        return commands.readText(STATE).map(String::strip).map(Integer::parseInt).filter(this::listening);
    }

    @Override
    public List<String> sessions() {
        HostCommands.Result listed = commands.run(List.of("python3", "-c", PROCESSES), null);
        if (!listed.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot list the desktop sessions: " + listed.printed());
        }
        // A session is the user's own Xorg server that the session manager started with xorgxrdp's configuration.
        return listed.output().lines().filter(line -> line.contains("xrdp/xorg.conf"))
                .map(line -> line.substring(0, line.indexOf(' ')).toLowerCase(Locale.ROOT)).filter(name -> !name.equals("root"))
                .distinct().sorted().toList();
    }

    @Override
    public void endSessions(String userName) {
        if (userName == null || !USER.matcher(userName).matches()) {
            throw new GuestException(Code.INVALID, "a user name is 1 to 20 letters, digits, dots, hyphens and underscores");
        }
        HostCommands.Result ended = commands.run(List.of("python3", "-c", PROCESSES, userName, "--kill"), null);
        if (!ended.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot end the sessions of " + userName + ": "
                    + ended.printed().strip());
        }
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
        HostCommands.Result started = commands.run(List.of("sh", "-c", START, "sh", Integer.toString(port),
                Integer.toString(DISCONNECTED_LIMIT_SECONDS)), null, Map.of(), START_TIMEOUT);
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
