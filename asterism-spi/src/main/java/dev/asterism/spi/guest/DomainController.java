package dev.asterism.spi.guest;

import java.util.List;
import java.util.Optional;

/**
 * The domain controller of a constellation (Samba AD on Linux, AD DS on Windows), driven by the controller role of
 * the agent in the controlling VM. Its state (the domain, computer accounts, users, groups) lives on disk and
 * survives reboots. The domain's administrator password and every one-time password stay inside this VM.
 */
public interface DomainController {
    /**
     * The group of a constellation's people in its domain: only its members may sign in to a member's desktop, and
     * every person of the constellation is one.
     */
    String USERS_GROUP = "asterism-users";

    /**
     * Provisions the domain and starts its services (directory, Kerberos, DNS), so that members can join. Called
     * once when the controller role starts, and again after every restart of the agent.
     *
     * <p>Idempotent: when {@code domain} is provisioned already, makes sure its services run and succeeds without
     * touching its data or its administrator password.
     *
     * @throws GuestException {@code CONFLICT} when another domain is provisioned here; {@code INVALID} when the
     *     password does not meet the domain's complexity rules; {@code UNAVAILABLE} or {@code TIMEOUT} when the
     *     services do not come up (a retry continues where this one stopped)
     */
    void provision(DomainName domain, Secret administratorPassword);

    /** The domain provisioned here, or empty before {@link #provision}. Observed from the platform's own data. */
    Optional<DomainName> provisionedDomain();

    /**
     * The ports a member needs to reach on this controller to join the domain, for a port lease on the
     * controller's firewall (DNS, Kerberos, LDAP, SMB, RPC, global catalog, ICMP echo).
     */
    List<PortRange> joinPorts();

    /**
     * Creates the computer account {@code computerName} with {@code oneTimePassword}, which a member can use exactly
     * once to join as that computer ({@code adcli preset-computer --one-time-password}). Called in the INJECT phase
     * of onboarding, before the password is sealed to the new VM's stub.
     *
     * <p>A preset of an existing computer resets it: the account then has only the new one-time password, is no
     * longer joined, and the old password and any member joined with it no longer work. So a retried preset always
     * yields an account that the newest password joins.
     *
     * @throws GuestException {@code NOT_FOUND} when no domain is provisioned; {@code INVALID} when the password does
     *     not meet the domain's rules; {@code UNAVAILABLE} when the directory does not answer
     */
    void presetComputer(ComputerName computerName, Secret oneTimePassword);

    /**
     * Whether {@code computerName} exists and a member completed the join with its one-time password (its account
     * holds a machine password the member chose). Called in the VPN phase before the member is trusted, and by
     * invariant checks. An unknown computer answers false.
     *
     * @throws GuestException {@code NOT_FOUND} when no domain is provisioned; {@code UNAVAILABLE} when the
     *     directory does not answer
     */
    boolean verifyJoin(ComputerName computerName);

    /**
     * Deletes the computer account; a member joined with it loses its trust. Called when a member is removed, and
     * by cleanup after a failed onboarding. Removing a computer that does not exist succeeds.
     *
     * @throws GuestException {@code UNAVAILABLE} when the directory does not answer
     */
    void removeComputer(ComputerName computerName);

    /**
     * Every computer account of the domain except the controller's own, so that drift and stray accounts can be
     * found. Empty when no domain is provisioned.
     *
     * @throws GuestException {@code UNAVAILABLE} when the directory does not answer
     */
    List<ComputerAccount> computers();

    /**
     * Creates a domain user, or sets the password of the existing user with that name. Names are case-insensitive
     * account names (1 to 20 letters, digits, dots, hyphens and underscores).
     *
     * @throws GuestException {@code NOT_FOUND} when no domain is provisioned; {@code INVALID} for a bad name or a
     *     password the domain's rules refuse
     */
    void createUser(String userName, Secret password);

    /**
     * Deletes a domain user. Removing a user that does not exist succeeds.
     *
     * @throws GuestException {@code NOT_FOUND} when no domain is provisioned
     */
    void removeUser(String userName);

    /** The names of the domain users created through {@link #createUser}, in lower case. */
    List<String> users();

    /**
     * Makes the existing user {@code userName} a member of the group {@code groupName}, creating the group when it
     * is missing. Idempotent: adding a member again changes nothing. Called when a person joins a constellation.
     *
     * @throws GuestException {@code NOT_FOUND} when no domain is provisioned or the user does not exist;
     *     {@code INVALID} for a bad name; {@code UNAVAILABLE} when the directory does not answer
     */
    void addToGroup(String groupName, String userName);

    /**
     * The members of {@code groupName}, in lower case; empty when the group does not exist.
     *
     * @throws GuestException {@code UNAVAILABLE} when the directory does not answer
     */
    List<String> groupMembers(String groupName);
}
