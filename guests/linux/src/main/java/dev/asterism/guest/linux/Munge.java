package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.Secret;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * munge, which Slurm's daemons and commands authenticate each other with: one key per constellation, {@value #KEY}
 * (0400 munge:munge) on every node, and {@code munged} running as {@code munge}. The key travels as base64 text.
 */
final class Munge {
    static final String KEY = "/etc/munge/munge.key";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /**
     * Installs the key from standard input (base64) when it differs from the one in place, restarting munged then
     * (a daemon started at boot by the package would hold the package's key), and starts munged when it is not
     * running.
     */
    private static final String INSTALL_AND_START = """
            set -e
            umask 022
            key=/etc/munge/munge.key
            mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
            chown munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
            chmod 700 /etc/munge /var/lib/munge /var/log/munge
            chmod 755 /run/munge
            (umask 077 && base64 -d > $key.new)
            running() { [ -s /run/munge/munged.pid ] && kill -0 "$(cat /run/munge/munged.pid)" 2>/dev/null; }
            if [ -e $key ] && cmp -s $key.new $key; then
              rm -f $key.new
            else
              chown munge:munge $key.new && chmod 400 $key.new && mv -f $key.new $key
              if running; then
                kill "$(cat /run/munge/munged.pid)"
                for i in 1 2 3 4 5 6 7 8 9 10; do running || break; sleep 0.2; done
              fi
            fi
            running && exit 0
            rm -f /run/munge/munged.pid
            setpriv --reuid=munge --regid=munge --clear-groups munged </dev/null >/dev/null 2>&1 \\
              || { tail -n 3 /var/log/munge/munged.log 2>/dev/null; exit 4; }
            """;

    private final HostCommands commands;

    Munge(HostCommands commands) {
        this.commands = requireNonNull(commands, "commands is null");
    }

    /** A new random key, as base64 text. */
    static Secret newKey() {
        byte[] key = new byte[128];
        new java.security.SecureRandom().nextBytes(key);
        return Secret.of(Base64.getEncoder().encodeToString(key));
    }

    /** The key in place, as base64 text, or empty when there is none. */
    java.util.Optional<Secret> installedKey() {
        return commands.readFile(KEY).filter(bytes -> bytes.length > 0)
                .map(bytes -> Secret.of(Base64.getEncoder().encodeToString(bytes)));
    }

    /** Puts {@code key} in place and runs munged with it. */
    void run(Secret key) {
        HostCommands.Result started = commands.run(List.of("sh", "-c", INSTALL_AND_START),
                (key.reveal() + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII), Map.of(), TIMEOUT);
        if (!started.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot start munged: " + started.printed()
                    + " (install " + LinuxPackages.hintFor("munged") + "; see /var/log/munge/munged.log)");
        }
    }
}
