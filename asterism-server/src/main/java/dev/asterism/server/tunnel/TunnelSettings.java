package dev.asterism.server.tunnel;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * The server's rules for tunnels to members.
 *
 * @param ports the member ports a user may tunnel to (each from 1 to 65535); RDP's 3389 by default
 * @param perUser how many tunnels one user may have open at once
 * @param idleTimeout a tunnel that carries no byte either way for this long is closed
 */
public record TunnelSettings(Set<Integer> ports, int perUser, Duration idleTimeout) {

    public TunnelSettings {
        requireNonNull(ports, "ports is null");
        ports = Set.copyOf(new TreeSet<>(ports));
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("at least one port must be allowed for tunnels");
        }
        for (int port : ports) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("a tunnel port must be from 1 to 65535, not " + port);
            }
        }
        if (perUser < 1) {
            throw new IllegalArgumentException("perUser must be at least 1, not " + perUser);
        }
        requireNonNull(idleTimeout, "idleTimeout is null");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive");
        }
    }

    /** Port 3389 only, 16 tunnels per user, closed after 30 idle minutes. */
    public static TunnelSettings defaults() {
        return new TunnelSettings(Set.of(3389), 16, Duration.ofMinutes(30));
    }

    public TunnelSettings withPorts(Set<Integer> newPorts) {
        return new TunnelSettings(newPorts, perUser, idleTimeout);
    }

    public TunnelSettings withPerUser(int newPerUser) {
        return new TunnelSettings(ports, newPerUser, idleTimeout);
    }

    public TunnelSettings withIdleTimeout(Duration newIdleTimeout) {
        return new TunnelSettings(ports, perUser, newIdleTimeout);
    }
}
