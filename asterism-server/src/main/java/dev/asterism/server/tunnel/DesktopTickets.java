package dev.asterism.server.tunnel;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.auth.Secrets;
import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tickets for the desktop in the browser: the credential the page's RDP client presents in its RDCleanPath request.
 * A ticket is minted for one person and one member when the desktop page is shown, is good for {@link #LIFETIME},
 * and is used up by the first request that presents it, whether that request is for its member or not. It is neither
 * the browser's session cookie nor an API token: a page that obtains one reaches one desktop, once, for a minute.
 * Tickets live in this server's memory only; a server that restarts forgets them, and the page asks for a new one.
 */
public final class DesktopTickets {
    public static final Duration LIFETIME = Duration.ofSeconds(60);

    /** Whom a ticket admits, and where. */
    private record Admits(String username, String constellation, String member, Instant expiresAt) {}

    private final Clock clock;
    private final Map<String, Admits> tickets = new ConcurrentHashMap<>();

    public DesktopTickets(Clock clock) {
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** A new ticket for {@code username} to {@code member} of {@code constellation}. */
    public String mint(String username, String constellation, String member) {
        Instant now = clock.instant();
        tickets.values().removeIf(admits -> !admits.expiresAt().isAfter(now));
        String ticket = Secrets.newSecret("adt_");
        tickets.put(ticket, new Admits(requireNonNull(username, "username is null"),
                requireNonNull(constellation, "constellation is null"), requireNonNull(member, "member is null"),
                now.plus(LIFETIME)));
        return ticket;
    }

    /**
     * Uses up {@code ticket} for {@code username} to {@code member}.
     *
     * @throws AsterismException UNAUTHENTICATED when the ticket is unknown, used, expired or someone else's
     */
    public void redeem(String ticket, String username, String constellation, String member) {
        Admits admits = ticket == null ? null : tickets.remove(ticket);
        if (admits == null) {
            throw new AsterismException(ErrorCode.UNAUTHENTICATED, "this desktop ticket is unknown or was used"
                    + " already: reload the desktop page for a new one");
        }
        if (!admits.expiresAt().isAfter(clock.instant())) {
            throw new AsterismException(ErrorCode.UNAUTHENTICATED, "this desktop ticket expired (a ticket is good for "
                    + LIFETIME.toSeconds() + " s): reload the desktop page for a new one");
        }
        if (!admits.username().equals(username) || !admits.constellation().equals(constellation)
                || !admits.member().equals(member)) {
            throw new AsterismException(ErrorCode.UNAUTHENTICATED, "this desktop ticket is for another person or"
                    + " member: reload the desktop page for a new one");
        }
    }
}
