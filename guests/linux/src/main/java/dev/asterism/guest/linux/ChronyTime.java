package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.Ipv4Address;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Time inside a constellation, with chrony: the domain controller serves its own clock ({@code local stratum 10})
 * to whoever its firewall lets reach UDP 123 (the overlay, and a joining member through its lease), and every member
 * follows the controller and nothing else. Kerberos and munge refuse clocks that disagree; no guest asks any time
 * server outside. chronyd runs with this part's own configuration ({@value #CONF}), never the package's, whose
 * servers are on the internet.
 *
 * <p>A guest that shares its clock with the machine it runs on (a netns host) follows the controller without ever
 * setting the clock ({@code chronyd -x}): its clock is the machine's. What it does is kept in {@value #STATE} and
 * comes back after a boot.
 */
final class ChronyTime {
    static final String CONF = "/etc/chrony/asterism.conf";
    private static final String STATE = LinuxGuestPlatform.STATE_DIRECTORY + "/time";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Arguments: serve or follow, the server to follow (or -), shared or own (the clock). */
    private static final String START = """
            set -e
            umask 022
            mode=$1 server=$2 clock=$3 conf=/etc/chrony/asterism.conf
            mkdir -p /etc/chrony /run/chrony /var/lib/asterism
            chown _chrony:_chrony /run/chrony
            chmod 750 /run/chrony
            {
              echo "# Written by the Asterism agent; changes are overwritten."
              if [ "$mode" = serve ]; then
                echo "local stratum 10"
                echo "allow all"
              else
                echo "server $server iburst minpoll 4 maxpoll 6"
                echo "makestep 1 -1"
              fi
              echo "driftfile /var/lib/asterism/chrony.drift"
              echo "pidfile /run/chrony/chronyd.pid"
              echo "cmdport 0"
            } > $conf.new
            running() { [ -s /run/chrony/chronyd.pid ] && kill -0 "$(cat /run/chrony/chronyd.pid)" 2>/dev/null; }
            if [ -e $conf ] && cmp -s $conf.new $conf && [ "$(cat /run/chrony/asterism-clock 2>/dev/null)" = "$clock" ]
            then
              rm -f $conf.new
            else
              mv -f $conf.new $conf
              if running; then
                kill "$(cat /run/chrony/chronyd.pid)"
                for i in $(seq 50); do running || break; sleep 0.1; done
              fi
            fi
            running && exit 0
            rm -f /run/chrony/chronyd.pid
            echo "$clock" > /run/chrony/asterism-clock
            if [ "$clock" = shared ]; then set -- -x; else set --; fi
            chronyd "$@" -f $conf </dev/null >/dev/null 2>&1
            """;

    private final HostCommands commands;
    private final boolean sharedClock;

    ChronyTime(HostCommands commands, boolean sharedClock) {
        this.commands = requireNonNull(commands, "commands is null");
        this.sharedClock = sharedClock;
    }

    /** Serves this guest's clock: the domain controller's part. */
    synchronized void serve() {
        start("serve", "-");
    }

    /** Follows {@code server}'s clock and no other: a member's part, from its join on. */
    synchronized void follow(Ipv4Address server) {
        requireNonNull(server, "server is null");
        start("follow", server.value());
    }

    /** Starts chronyd after a boot as it ran before. */
    synchronized void restore() {
        Optional<String> kept = commands.readText(STATE).map(String::strip).filter(text -> !text.isEmpty());
        if (kept.isPresent()) {
            String[] fields = kept.get().split(" ");
            run(fields[0], fields.length > 1 ? fields[1] : "-");
        }
    }

    private void start(String mode, String server) {
        commands.writeText(STATE, mode + " " + server + "\n");
        run(mode, server);
    }

    private void run(String mode, String server) {
        HostCommands.Result started = commands.run(List.of("sh", "-c", START, "sh", mode, server,
                sharedClock ? "shared" : "own"), null, Map.of(), TIMEOUT);
        if (!started.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot start chronyd: " + started.printed() + " (install "
                    + LinuxPackages.hintFor("chronyd") + ")");
        }
    }
}
