package dev.asterism.core.constellation;

/** In which order a member joins the domain and the VPN. */
public enum JoinMode {
    /**
     * tiCrypt's order: the controller opens the join ports to the member's underlay address for the join (a lease
     * that expires by itself), then the member goes on the VPN and the ports close.
     */
    PORTS,
    /**
     * The member goes on the VPN first and joins through the tunnel: no port is ever opened on the controller,
     * whose domain services answer only the overlay.
     */
    VPN_FIRST
}
