package dev.asterism.spi.guest;

import java.util.List;
import java.util.Optional;

/**
 * The guest's remote desktop service (xrdp on Linux, Remote Desktop on Windows), which a user reaches through a
 * tunnel of the agent channel to the guest's own port. Whether it is enabled, and on which port, lives on disk and
 * survives reboots; the guest's firewall decides who else may reach it (a member's baseline: the overlay only).
 */
public interface RemoteDesktop {
    /**
     * Makes the service listen on {@code port}, now and after every boot. Called by the worker role once the member
     * is on the VPN. Idempotent: enabling it on the port it listens on changes nothing.
     *
     * @throws GuestException {@code INVALID} for a port outside 1 to 65535; {@code UNAVAILABLE} when the service
     *     cannot be started (its package is missing, the port is taken)
     */
    void enable(int port);

    /**
     * Makes the service enforce {@code rule} for the clipboard of every session that starts from now on, and after
     * every boot; until it is called, the rule is {@link ClipboardRule#OFF}. Sessions running already keep the rule
     * they started with until they end.
     *
     * @throws GuestException {@code UNAVAILABLE} when the service's configuration cannot be written
     */
    void restrictClipboard(ClipboardRule rule);

    /** The rule new sessions get, as the guest's configuration says. */
    ClipboardRule clipboardRule();

    /** The port the service listens on now, observed from the guest, or empty when it does not listen. */
    Optional<Integer> listeningPort();

    /**
     * Ends every desktop session and every other process of the domain user {@code userName} on this guest. Called
     * on every member when a person leaves a constellation. A user with nothing running succeeds.
     *
     * @throws GuestException {@code INVALID} for a bad name; {@code UNAVAILABLE} when the processes cannot be ended
     */
    void endSessions(String userName);

    /**
     * The users who have a desktop session on this guest now, in lower case, observed from its processes.
     *
     * @throws GuestException {@code UNAVAILABLE} when the guest cannot be asked
     */
    List<String> sessions();
}
