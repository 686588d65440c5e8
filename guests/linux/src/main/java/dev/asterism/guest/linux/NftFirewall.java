package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asterism.spi.guest.Firewall;
import dev.asterism.spi.guest.FirewallBaseline;
import dev.asterism.spi.guest.FirewallRule;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Ipv4Subnet;
import dev.asterism.spi.guest.PortLease;
import dev.asterism.spi.guest.PortRange;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The Linux firewall on nftables, in the table {@code inet asterism}: an input chain with policy drop, the
 * baseline's rules, and two sets with {@code flags timeout} for port leases, so that the kernel itself removes a
 * lease's elements at its deadline, whatever happens to the agent or the server. Each element carries the lease id
 * as its comment; closing a lease deletes its elements and flushes the connections its source established
 * ({@code conntrack -D -s}).
 *
 * <p>The baseline is read back from the kernel's ruleset (its rules carry the comment {@code baseline}); leases
 * are read from the sets, with the kernel's remaining time. The sources of leases are kept in memory, so a lease
 * that expired can still have its connections cut when it is closed.
 */
public final class NftFirewall implements Firewall {
    static final String TABLE = "asterism";
    private static final String BASELINE = "baseline";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HostCommands commands;
    private final Clock clock;
    private final String baselineFile;
    /** Guarded by this: the source of every lease opened, to flush its connections when it is closed. */
    private final Map<String, Ipv4Address> leaseSources = new LinkedHashMap<>();

    /** A firewall whose baseline lives only in the kernel. */
    public NftFirewall(HostCommands commands, Clock clock) {
        this(commands, clock, null);
    }

    /** A firewall that also writes its baseline to the guest's file {@code baselineFile}, for {@link #restore}. */
    NftFirewall(HostCommands commands, Clock clock, String baselineFile) {
        this.commands = requireNonNull(commands, "commands is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.baselineFile = baselineFile;
    }

    /** Loads the saved baseline after a boot emptied the kernel's ruleset; does nothing while the table exists. */
    synchronized void restore() {
        if (baselineFile == null || commands.run(List.of("nft", "list", "table", "inet", TABLE), null).succeeded()) {
            return;
        }
        commands.readText(baselineFile).ifPresent(script -> nft(script, "restore the firewall baseline"));
    }

    @Override
    public synchronized void applyBaseline(FirewallBaseline baseline) {
        requireNonNull(baseline, "baseline is null");
        StringBuilder script = new StringBuilder()
                .append("add table inet ").append(TABLE).append('\n')
                .append("add set inet ").append(TABLE).append(" join_ports { type ipv4_addr . inet_proto . inet_service;"
                        + " flags interval, timeout; }\n")
                .append("add set inet ").append(TABLE).append(" join_icmp { type ipv4_addr; flags timeout; }\n")
                .append("add chain inet ").append(TABLE)
                .append(" input { type filter hook input priority 0; policy drop; }\n")
                .append("flush chain inet ").append(TABLE).append(" input\n")
                // Forwarding only between the VPN hub's spokes: a guest routes nothing else.
                .append("add chain inet ").append(TABLE)
                .append(" forward { type filter hook forward priority 0; policy drop; }\n")
                .append("flush chain inet ").append(TABLE).append(" forward\n")
                .append("add rule inet ").append(TABLE).append(" forward iifname \"").append(WireGuardHub.INTERFACE)
                .append("\" oifname \"").append(WireGuardHub.INTERFACE).append("\" accept\n");
        rule(script, "ct state established,related accept");
        rule(script, "iif lo accept");
        for (FirewallRule rule : baseline.rules()) {
            rule(script, match(rule.sources(), rule.ports()) + " accept comment \"" + BASELINE + "\"");
        }
        rule(script, "ip saddr . meta l4proto . th dport @join_ports accept");
        rule(script, "ip saddr @join_icmp icmp type echo-request accept");
        nft(script.toString(), "apply the firewall baseline");
        if (baselineFile != null) {
            commands.writeText(baselineFile, script.toString());
        }
    }

    @Override
    public synchronized Optional<FirewallBaseline> baseline() {
        HostCommands.Result listed = commands.run(List.of("nft", "-j", "list", "chain", "inet", TABLE, "input"), null);
        if (!listed.succeeded()) {
            return Optional.empty();
        }
        List<FirewallRule> rules = new ArrayList<>();
        for (JsonNode item : parse(listed.output()).path("nftables")) {
            JsonNode rule = item.path("rule");
            if (BASELINE.equals(rule.path("comment").asText())) {
                rules.add(ruleOf(rule.path("expr")));
            }
        }
        return Optional.of(new FirewallBaseline(rules));
    }

    @Override
    public synchronized void openLease(String leaseId, Ipv4Address source, List<PortRange> ports, Instant expiresAt) {
        PortLease.requireLeaseId(leaseId);
        requireNonNull(source, "source is null");
        requireNonNull(ports, "ports is null");
        Duration left = Duration.between(clock.instant(), requireNonNull(expiresAt, "expiresAt is null"));
        if (left.isNegative() || left.isZero()) {
            throw new GuestException(Code.INVALID, "lease " + leaseId + " would end at " + expiresAt
                    + ", which is not after now");
        }
        ensureBaseline();
        StringBuilder script = new StringBuilder();
        deleteElements(script, leaseId);
        String timeout = " timeout " + Math.max(1, left.toMillis()) + "ms comment \"" + leaseId + "\"";
        for (PortRange range : ports) {
            if (range.protocol() == PortRange.Protocol.ICMP) {
                script.append("add element inet ").append(TABLE).append(" join_icmp { ").append(source.value())
                        .append(timeout).append(" }\n");
            } else {
                script.append("add element inet ").append(TABLE).append(" join_ports { ").append(source.value())
                        .append(" . ").append(range.protocol().name().toLowerCase(Locale.ROOT))
                        .append(" . ").append(portsOf(range)).append(timeout).append(" }\n");
            }
        }
        nft(script.toString(), "open lease " + leaseId);
        leaseSources.put(leaseId, source);
    }

    @Override
    public synchronized void closeLease(String leaseId) {
        PortLease.requireLeaseId(leaseId);
        StringBuilder script = new StringBuilder();
        deleteElements(script, leaseId);
        if (!script.isEmpty()) {
            nft(script.toString(), "close lease " + leaseId);
        }
        Ipv4Address source = leaseSources.remove(leaseId);
        if (source != null) {
            // Exit status 1 means "no connection matched": nothing to cut.
            commands.run(List.of("conntrack", "-D", "-s", source.value()), null);
        }
    }

    @Override
    public synchronized List<PortLease> openLeases() {
        Map<String, LeaseParts> leases = new LinkedHashMap<>();
        for (Element element : elements()) {
            leases.computeIfAbsent(element.leaseId(), id -> new LeaseParts(element.source(), new ArrayList<>(),
                    element.expiresAt())).ports().add(element.ports());
        }
        List<PortLease> open = new ArrayList<>();
        leases.forEach((id, parts) -> open.add(new PortLease(id, parts.source(), parts.ports(), parts.expiresAt())));
        return open;
    }

    // ---- nft

    private record Element(String set, String leaseId, Ipv4Address source, PortRange ports, String spelled,
            Instant expiresAt) {
    }

    private record LeaseParts(Ipv4Address source, List<PortRange> ports, Instant expiresAt) {
    }

    /** The lease elements of both sets, as the kernel holds them now. */
    private List<Element> elements() {
        List<Element> elements = new ArrayList<>();
        Instant now = clock.instant();
        for (String set : List.of("join_ports", "join_icmp")) {
            HostCommands.Result listed = commands.run(List.of("nft", "-j", "list", "set", "inet", TABLE, set), null);
            if (!listed.succeeded()) {
                continue;
            }
            for (JsonNode item : parse(listed.output()).path("nftables")) {
                for (JsonNode wrapper : item.path("set").path("elem")) {
                    JsonNode elem = wrapper.path("elem");
                    String leaseId = elem.path("comment").asText("");
                    if (leaseId.isEmpty()) {
                        continue;
                    }
                    Instant expiresAt = now.plusSeconds(elem.path("expires").asLong(0));
                    JsonNode value = elem.path("val");
                    if (set.equals("join_icmp")) {
                        elements.add(new Element(set, leaseId, Ipv4Address.of(value.asText()), PortRange.icmpEcho(),
                                value.asText(), expiresAt));
                    } else {
                        JsonNode concat = value.path("concat");
                        String address = concat.get(0).asText();
                        PortRange.Protocol protocol = PortRange.Protocol.valueOf(concat.get(1).asText()
                                .toUpperCase(Locale.ROOT));
                        JsonNode port = concat.get(2);
                        int first = port.has("range") ? port.path("range").get(0).asInt() : port.asInt();
                        int last = port.has("range") ? port.path("range").get(1).asInt() : port.asInt();
                        PortRange range = new PortRange(protocol, first, last);
                        elements.add(new Element(set, leaseId, Ipv4Address.of(address), range,
                                address + " . " + concat.get(1).asText() + " . " + portsOf(range), expiresAt));
                    }
                }
            }
        }
        return elements;
    }

    private void deleteElements(StringBuilder script, String leaseId) {
        for (Element element : elements()) {
            if (element.leaseId().equals(leaseId)) {
                script.append("delete element inet ").append(TABLE).append(' ').append(element.set()).append(" { ")
                        .append(element.spelled()).append(" }\n");
            }
        }
    }

    /** A lease is an exception to a default drop: without a baseline, the drop-all one comes first. */
    private void ensureBaseline() {
        if (!commands.run(List.of("nft", "list", "table", "inet", TABLE), null).succeeded()) {
            applyBaseline(FirewallBaseline.dropAll());
        }
    }

    private void nft(String script, String what) {
        HostCommands.Result result = commands.run(List.of("nft", "-f", "-"), script);
        if (!result.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "nftables refused to " + what + ": "
                    + result.errors().strip());
        }
    }

    private static void rule(StringBuilder script, String rule) {
        script.append("add rule inet ").append(TABLE).append(" input ").append(rule).append('\n');
    }

    private static String match(Ipv4Subnet sources, PortRange ports) {
        String from = "ip saddr " + sources.network().value() + "/" + sources.prefixLength();
        return switch (ports.protocol()) {
            case ICMP -> from + " icmp type echo-request";
            case TCP -> from + " tcp dport " + portsOf(ports);
            case UDP -> from + " udp dport " + portsOf(ports);
        };
    }

    private static String portsOf(PortRange range) {
        return range.first() == range.last() ? Integer.toString(range.first()) : range.first() + "-" + range.last();
    }

    /** A baseline rule read back from nft's JSON: its source prefix, protocol and ports. */
    private static FirewallRule ruleOf(JsonNode expressions) {
        Ipv4Subnet sources = null;
        PortRange ports = PortRange.icmpEcho();
        for (JsonNode expression : expressions) {
            JsonNode match = expression.path("match");
            if (match.isMissingNode()) {
                continue;
            }
            JsonNode left = match.path("left").path("payload");
            JsonNode right = match.path("right");
            if ("saddr".equals(left.path("field").asText())) {
                JsonNode prefix = right.path("prefix");
                sources = prefix.isMissingNode() ? Ipv4Subnet.of(right.asText() + "/32")
                        : Ipv4Subnet.of(prefix.path("addr").asText() + "/" + prefix.path("len").asInt());
            } else if ("dport".equals(left.path("field").asText())) {
                PortRange.Protocol protocol = PortRange.Protocol.valueOf(left.path("protocol").asText()
                        .toUpperCase(Locale.ROOT));
                ports = right.has("range") ? new PortRange(protocol, right.path("range").get(0).asInt(),
                        right.path("range").get(1).asInt()) : new PortRange(protocol, right.asInt(), right.asInt());
            }
        }
        if (sources == null) {
            throw new GuestException(Code.UNAVAILABLE, "a baseline rule in the ruleset has no source: " + expressions);
        }
        return new FirewallRule(sources, ports);
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new GuestException(Code.UNAVAILABLE, "nft printed JSON this firewall cannot read: " + e.getMessage());
        }
    }
}
