package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.ComputerName;
import dev.asterism.spi.guest.DomainMember;
import dev.asterism.spi.guest.DomainMembership;
import dev.asterism.spi.guest.DomainName;
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
 * <p>adcli cannot tell a used one-time password from a wrong one: the first join replaced it with a machine password,
 * so both fail Kerberos pre-authentication. Both are reported as {@code INVALID}.
 */
final class AdcliDomainMember implements DomainMember {
    private static final String MEMBERSHIP = LinuxGuestPlatform.STATE_DIRECTORY + "/membership";
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(60);

    private final HostCommands commands;
    private final String hostName;

    AdcliDomainMember(HostCommands commands, String hostName) {
        this.commands = requireNonNull(commands, "commands is null");
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
    }

    @Override
    public synchronized void useController(Ipv4Address controllerAddress) {
        requireNonNull(controllerAddress, "controllerAddress is null");
        DomainMembership current = membership().orElseThrow(() -> new GuestException(Code.NOT_FOUND,
                "this guest has not joined a domain"));
        pointAt(current.domain(), controllerAddress);
        commands.writeText(MEMBERSHIP, current.domain().value() + " " + current.computerName().value() + " "
                + controllerAddress.value() + "\n");
    }

    @Override
    public Optional<DomainMembership> membership() {
        return commands.readText(MEMBERSHIP).map(String::strip).filter(text -> !text.isEmpty()).map(text -> {
            String[] fields = text.split(" ");
            return new DomainMembership(DomainName.of(fields[0]), ComputerName.of(fields[1]), Ipv4Address.of(fields[2]));
        });
    }

    /** Kerberos and the resolver of this guest ask the controller, and only it. */
    private void pointAt(DomainName domain, Ipv4Address controllerAddress) {
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
