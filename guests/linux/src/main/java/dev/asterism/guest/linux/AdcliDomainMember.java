package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.ComputerName;
import dev.asterism.spi.guest.DomainController;
import dev.asterism.spi.guest.DomainMember;
import dev.asterism.spi.guest.DomainMembership;
import dev.asterism.spi.guest.DomainName;
import dev.asterism.spi.guest.FileShare;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Secret;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Joins the domain with {@code adcli join --one-time-password} against the given controller (no DNS discovery),
 * writing the machine's keytab to {@code /etc/krb5.keytab}, then points the guest's Kerberos ({@code /etc/krb5.conf})
 * and resolver at the controller, and records the membership in {@value #MEMBERSHIP}.
 *
 * <p>After the join, the domain's users sign in to this guest: sssd (AD provider, with the keytab adcli wrote) serves
 * them to NSS and PAM, with the same uid on every member (sssd's own ID mapping from the domain's SIDs), home
 * directories made at the first login, and only the members of
 * {@value dev.asterism.spi.guest.DomainController#USERS_GROUP} let in. sssd asks the controller by its name, which
 * {@code /etc/hosts} maps to the address the member reaches it at (the underlay while joining, the overlay after
 * {@link #useController}), so it never follows the domain's DNS to an address a member cannot reach. Each session
 * that a password opened finds the controller's {@value dev.asterism.spi.guest.FileShare#CONSTELLATION_SHARE} share
 * mounted at {@code ~/shared}, as the user with their own Kerberos ticket (the same files on every member, owned by
 * whoever wrote them).
 *
 * <p>adcli cannot tell a used one-time password from a wrong one: the first join replaced it with a machine password,
 * so both fail Kerberos pre-authentication. Both are reported as {@code INVALID}.
 */
final class AdcliDomainMember implements DomainMember {
    private static final String MEMBERSHIP = LinuxGuestPlatform.STATE_DIRECTORY + "/membership";
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(60);
    /** The controller's name in the domain, once joined: what sssd asks for. */
    private static final String CONTROLLER_NAME = LinuxGuestPlatform.STATE_DIRECTORY + "/controller-name";
    /**
     * Run by pam_exec when a session opens (arguments: the controller's name, the share's name): mounts the share for
     * the user at {@code ~/shared} with the Kerberos ticket their password login got from sssd, through smbnetfs
     * (FUSE, as the user; the share is {@code ~/.shared-mount/CONTROLLER/SHARE}, which {@code ~/shared} links to).
     * A mount left dead by ended sessions is replaced; a session without a ticket gets none. What goes wrong is in
     * {@code /var/lib/asterism/share-mount.log}.
     */
    private static final String MOUNT_SHARE = """
            #!/bin/sh
            # Written by the Asterism agent; changes are overwritten. Mounts the constellation's share at ~/shared.
            controller=$1 share=$2
            [ "$PAM_TYPE" = open_session ] || exit 0
            exec 2>>/var/lib/asterism/share-mount.log
            if [ -z "$KRB5CCNAME" ]; then
              echo "$(date -Is) $PAM_USER: no Kerberos ticket in the session, so no share" >&2; exit 0
            fi
            entry=$(getent passwd "$PAM_USER") || exit 0
            uid=$(echo "$entry" | cut -d: -f3) gid=$(echo "$entry" | cut -d: -f4) home=$(echo "$entry" | cut -d: -f6)
            [ "$uid" -gt 0 ] && [ -d "$home" ] || exit 0
            mnt=$home/.shared-mount
            as_user() {
              setpriv --reuid="$uid" --regid="$gid" --init-groups --reset-env -- \\
                env HOME="$home" KRB5CCNAME="$KRB5CCNAME" "$@"
            }
            if grep -q " $mnt fuse.smbnetfs " /proc/mounts; then
              as_user stat "$mnt/$controller/$share" >/dev/null 2>&1 && exit 0
              umount -l "$mnt"
            fi
            as_user mkdir -p "$mnt"
            if ! as_user smbnetfs "$mnt" -o config=/etc/asterism/smbnetfs.conf >/dev/null 2>&1; then
              echo "$(date -Is) $PAM_USER: smbnetfs could not mount $mnt" >&2; exit 1
            fi
            if [ -L "$home/shared" ] || [ ! -e "$home/shared" ]; then
              as_user ln -sfn "$mnt/$controller/$share" "$home/shared"
            fi
            """;
    /**
     * Configures sssd, NSS and PAM for the domain, the share's mount at each session, and (re)starts sssd.
     * Arguments: the domain's DNS name, its realm, the controller's name, the address to reach it at, the group whose
     * members may sign in, the share to mount, the mount script.
     */
    private static final String CONFIGURE_LOGINS = """
            set -e
            domain=$1 realm=$2 controller=$3 address=$4 group=$5 share=$6 mount_share=$7
            mkdir -p /etc/sssd /var/lib/sss/db /var/lib/sss/pipes/private /var/lib/sss/mc /var/lib/sss/pubconf \
              /var/lib/sss/gpo_cache /var/log/sssd
            cat > /etc/sssd/sssd.conf <<EOF
            [sssd]
            services = nss, pam
            domains = $domain

            [domain/$domain]
            id_provider = ad
            auth_provider = ad
            chpass_provider = ad
            access_provider = simple
            simple_allow_groups = $group
            ad_domain = $domain
            krb5_realm = $realm
            # A session's ticket (which the share's mount uses) is renewed while the session lasts, up to a week.
            krb5_renewable_lifetime = 7d
            krb5_renew_interval = 15m
            ad_server = $controller
            ad_enable_dns_sites = false
            dyndns_update = false
            use_fully_qualified_names = false
            fallback_homedir = /home/%u
            default_shell = /bin/bash
            cache_credentials = false
            krb5_store_password_if_offline = false
            EOF
            chmod 600 /etc/sssd/sssd.conf
            { grep -v " $controller\\$" /etc/hosts || true; echo "$address $controller"; } > /etc/hosts.asterism
            cat /etc/hosts.asterism > /etc/hosts && rm -f /etc/hosts.asterism
            sed -i -E 's/^(passwd|group|shadow):.*/\\1:         files sss/' /etc/nsswitch.conf
            # libpam-sss's installation puts pam_sss into the common PAM files (on a netns host they are this
            # machine's, seen through the host's /etc); home directories come at the first login.
            grep -q pam_sss /etc/pam.d/common-auth || DEBIAN_FRONTEND=noninteractive pam-auth-update --enable sss
            grep -q pam_sss /etc/pam.d/common-auth || { echo "pam_sss is not in /etc/pam.d/common-auth"; exit 3; }
            grep -q pam_mkhomedir /etc/pam.d/common-session \
              || echo "session optional pam_mkhomedir.so skel=/etc/skel umask=0077" >> /etc/pam.d/common-session
            mkdir -p /etc/asterism
            printf '%s' "$mount_share" > /etc/asterism/mount-share
            chmod 755 /etc/asterism/mount-share
            printf 'smbnetfs_debug 0\\n' > /etc/asterism/smbnetfs.conf
            sed -i '\\|/etc/asterism/mount-share|d' /etc/pam.d/common-session
            # seteuid: as root whoever opened the session (su from another account runs with that account's real id).
            echo "session optional pam_exec.so quiet seteuid /etc/asterism/mount-share $controller $share" \\
              >> /etc/pam.d/common-session
            if [ -s /run/sssd.pid ] && kill -0 "$(cat /run/sssd.pid)" 2>/dev/null; then
              kill "$(cat /run/sssd.pid)"
              for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /run/sssd.pid ] || break; sleep 0.2; done
            fi
            rm -f /var/lib/sss/db/cache_* /var/lib/sss/mc/*
            exec sssd -D --logger=files
            """;
    /** Starts sssd at boot when it is configured and not running. */
    private static final String START_SSSD = """
            [ -e /etc/sssd/sssd.conf ] || exit 0
            if [ -s /run/sssd.pid ] && kill -0 "$(cat /run/sssd.pid)" 2>/dev/null; then exit 0; fi
            mkdir -p /var/lib/sss/db /var/lib/sss/pipes/private /var/lib/sss/mc /var/lib/sss/pubconf /var/log/sssd
            rm -f /run/sssd.pid
            exec sssd -D --logger=files
            """;

    private final HostCommands commands;
    private final String hostName;
    private final ChronyTime time;

    AdcliDomainMember(HostCommands commands, String hostName, ChronyTime time) {
        this.commands = requireNonNull(commands, "commands is null");
        this.time = requireNonNull(time, "time is null");
        this.hostName = requireNonNull(hostName, "hostName is null");
    }

    @Override
    public synchronized void join(DomainName domain, Ipv4Address controllerAddress, ComputerName computerName,
            Secret oneTimePassword) {
        requireNonNull(domain, "domain is null");
        requireNonNull(controllerAddress, "controllerAddress is null");
        requireNonNull(computerName, "computerName is null");
        requireNonNull(oneTimePassword, "oneTimePassword is null");
        Optional<DomainMembership> current = membership();
        if (current.isPresent()) {
            if (current.get().domain().equals(domain) && current.get().computerName().equals(computerName)) {
                return;
            }
            throw new GuestException(Code.CONFLICT, "this guest is joined to " + current.get().domain() + " as "
                    + current.get().computerName() + " already");
        }
        pointAt(domain, controllerAddress);
        commands.delete("/etc/krb5.keytab");
        HostCommands.Result joined = commands.run(List.of("sh", "-c", "exec adcli join --domain=\"$1\""
                + " --domain-controller=\"$2\" --computer-name=\"$3\" --host-fqdn=\"$4\" --host-keytab=/etc/krb5.keytab"
                + " --one-time-password=\"$ASTERISM_OTP\"", "sh", domain.dnsName(), controllerAddress.value(),
                computerName.value(), hostName + "." + domain.dnsName()), null,
                Map.of("ASTERISM_OTP", oneTimePassword.reveal()), JOIN_TIMEOUT);
        if (!joined.succeeded()) {
            commands.delete("/etc/krb5.keytab");
            String printed = joined.printed().replace(oneTimePassword.reveal(), "<one-time password>");
            throw new GuestException(codeOf(printed), "cannot join " + domain + " as " + computerName + " through "
                    + controllerAddress + ": " + printed.lines().reduce((first, second) -> second).orElse(printed)
                    + (codeOf(printed) == Code.INVALID ? " (the one-time password is wrong or used; preset the computer"
                            + " again)" : ""));
        }
        commands.writeText(MEMBERSHIP, domain.value() + " " + computerName.value() + " " + controllerAddress.value() + "\n");
        configureLogins(domain, controllerAddress);
    }

    @Override
    public synchronized void useController(Ipv4Address controllerAddress) {
        requireNonNull(controllerAddress, "controllerAddress is null");
        DomainMembership current = membership().orElseThrow(() -> new GuestException(Code.NOT_FOUND,
                "this guest has not joined a domain"));
        pointAt(current.domain(), controllerAddress);
        commands.writeText(MEMBERSHIP, current.domain().value() + " " + current.computerName().value() + " "
                + controllerAddress.value() + "\n");
        configureLogins(current.domain(), controllerAddress);
    }

    /** Starts the domain logins' service after a boot when this guest has joined. */
    synchronized void restore() {
        HostCommands.Result started = commands.run(List.of("sh", "-c", START_SSSD), null, Map.of(), JOIN_TIMEOUT);
        if (!started.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot start sssd: " + started.printed()
                    + " (see /var/log/sssd)");
        }
    }

    /**
     * Lets the domain's users sign in here. The controller's own name comes from the controller itself ({@code adcli
     * info}), once, and is kept; sssd then reaches it at {@code controllerAddress}.
     */
    private void configureLogins(DomainName domain, Ipv4Address controllerAddress) {
        String controllerName = commands.readText(CONTROLLER_NAME).map(String::strip).filter(name -> !name.isEmpty())
                .orElseGet(() -> controllerName(domain, controllerAddress));
        commands.writeText(CONTROLLER_NAME, controllerName + "\n");
        HostCommands.Result configured = commands.run(List.of("sh", "-c", CONFIGURE_LOGINS, "sh", domain.dnsName(),
                domain.value(), controllerName, controllerAddress.value(), DomainController.USERS_GROUP,
                FileShare.CONSTELLATION_SHARE, MOUNT_SHARE), null,
                Map.of(), JOIN_TIMEOUT);
        if (!configured.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot set up domain logins: " + configured.printed()
                    + " (install " + LinuxPackages.hintFor("sssd") + " " + LinuxPackages.hintFor("smbnetfs")
                    + "; see /var/log/sssd)");
        }
    }

    private String controllerName(DomainName domain, Ipv4Address controllerAddress) {
        HostCommands.Result info = commands.run(List.of("adcli", "info", domain.dnsName(),
                "--domain-controller=" + controllerAddress.value()), null, Map.of(), JOIN_TIMEOUT);
        String name = info.output().lines().map(String::strip).filter(line -> line.startsWith("domain-controller ="))
                .map(line -> line.substring(line.indexOf('=') + 1).strip()).findFirst().orElse("");
        if (!info.succeeded() || !name.matches("[A-Za-z0-9.-]{1,253}")) {
            throw new GuestException(Code.UNAVAILABLE, "cannot learn the domain controller's name from "
                    + controllerAddress + ": " + info.printed());
        }
        return name.toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public Optional<DomainMembership> membership() {
        return commands.readText(MEMBERSHIP).map(String::strip).filter(text -> !text.isEmpty()).map(text -> {
            String[] fields = text.split(" ");
            return new DomainMembership(DomainName.of(fields[0]), ComputerName.of(fields[1]), Ipv4Address.of(fields[2]));
        });
    }

    /** Kerberos, the resolver and the clock of this guest follow the controller, and only it. */
    private void pointAt(DomainName domain, Ipv4Address controllerAddress) {
        time.follow(controllerAddress);
        String realm = domain.value();
        commands.writeText("/etc/krb5.conf", "[libdefaults]\n\tdefault_realm = " + realm + "\n\tdns_lookup_kdc = false\n"
                + "\tdns_lookup_realm = false\n\n[realms]\n\t" + realm + " = {\n\t\tkdc = " + controllerAddress.value()
                + "\n\t\tadmin_server = " + controllerAddress.value() + "\n\t}\n\n[domain_realm]\n\t." + domain.dnsName()
                + " = " + realm + "\n");
        commands.delete("/etc/resolv.conf");
        commands.writeText("/etc/resolv.conf", "options timeout:1 attempts:1\nsearch " + domain.dnsName()
                + "\nnameserver " + controllerAddress.value() + "\n");
        commands.run(List.of("chmod", "644", "/etc/krb5.conf", "/etc/resolv.conf"), null);
    }

    private static Code codeOf(String printed) {
        if (printed.contains("not found in Kerberos database") || printed.contains("Client not found")) {
            return Code.NOT_FOUND;
        }
        if (printed.contains("Preauthentication failed") || printed.contains("Password incorrect")) {
            return Code.INVALID;
        }
        return Code.UNAVAILABLE;
    }
}
