package dev.asterism.protocol;

/**
 * What the server asks an agent to do: most kinds go to a controller's agent; {@link #VPN_SPOKE_KEY} and
 * {@link #CONFIGURE_VPN_SPOKE} go to a worker's agent. What the server asks a controller's agent to do in a {@link ControllerCommand}. On the wire each kind is its
 * enum name. Every command is idempotent on its {@link ControllerCommand#commandId()} and its arguments, so the
 * server may send it again after a crash.
 */
public enum CommandKind {
    /**
     * Controller: provision the domain controller, the firewall baseline, the VPN hub and the file share
     * (arguments domain, overlaySubnet, hubOverlayAddress, listenPort); provisioning again succeeds.
     */
    PROVISION_CONTROLLER,
    /** Create (or reset) a member's computer account with a one-time password that never leaves the controller. */
    PRESET_COMPUTER,
    /** Delete a member's computer account; deleting an absent one succeeds. */
    REMOVE_COMPUTER,
    /** Open the join ports for one underlay address until a deadline the firewall enforces itself. */
    OPEN_PORT_LEASE,
    /** Close a port lease and flush its connections; closing an absent lease succeeds. */
    CLOSE_PORT_LEASE,
    /** Add a member as a VPN peer of the hub and return its overlay configuration. */
    ADD_VPN_PEER,
    /** Remove a member's VPN peer; removing an absent peer succeeds. */
    REMOVE_VPN_PEER,
    /** Check that a member has joined the domain. */
    VERIFY_JOIN,
    /** Build a member's join bundle and seal it to the stub's public key; the result carries only ciphertext. */
    SEAL_JOIN_BUNDLE,
    /** Worker: make the VPN spoke's key pair on the VM (the private key never leaves it) and return the public key. */
    VPN_SPOKE_KEY,
    /** Worker: configure the spoke with the hub's key, endpoint and the member's overlay address; wait for a handshake. */
    CONFIGURE_VPN_SPOKE,
    /**
     * Controller: make sure a person's domain account exists (with a random password nobody knows until the person
     * sets one) and is in the group of the constellation's people (argument userName).
     */
    CREATE_DOMAIN_USER,
    /**
     * Controller: set a person's desktop password (arguments userName, password). The password is relayed, never
     * kept: not by the server, and not in the agent's record of answered commands.
     */
    SET_DOMAIN_USER_PASSWORD,
    /** Controller: delete a person's domain account; deleting an absent one succeeds (argument userName). */
    REMOVE_DOMAIN_USER,
    /** Worker: end every desktop session and process of a domain user on the member (argument userName). */
    END_USER_SESSIONS,
    /**
     * Worker: the clipboard rule of the member's desktop sessions from now on (argument clipboard: off, to-desktop,
     * from-desktop or both); setting the rule it has succeeds.
     */
    SET_CLIPBOARD_RULE,
    /**
     * Controller: take a member out of the batch scheduler (arguments nodeName, reason): its jobs end with the reason
     * and the node is forgotten; removing an absent node, or one of a controller without a scheduler, succeeds.
     */
    REMOVE_BATCH_NODE,
    /** Controller: the batch scheduler's nodes and their states (result nodes, see {@link Rows}). Not kept. */
    BATCH_NODES,
    /** Worker: the batch scheduler's queue as the members' users see it (result jobs, see {@link Rows}). Not kept. */
    BATCH_JOBS
}
