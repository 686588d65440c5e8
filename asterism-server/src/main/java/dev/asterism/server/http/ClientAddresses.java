package dev.asterism.server.http;

import io.javalin.http.Context;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where a request comes from, for login throttling and the audit log: the connection's peer address, or, when the
 * peer is one of the trusted reverse proxies, the client its {@code X-Forwarded-For} names (the last hop that is not
 * a trusted proxy itself). From any other peer the header is ignored: anyone can send it.
 */
public final class ClientAddresses {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    private final Set<String> trusted = new HashSet<>();

    /** @throws IllegalArgumentException when a proxy is not an IP address */
    public ClientAddresses(List<String> trustedProxies) {
        for (String proxy : trustedProxies) {
            trusted.add(canonical(proxy).orElseThrow(() -> new IllegalArgumentException(
                    "a trusted proxy is an IP address, not '" + proxy + "'")));
        }
    }

    /** Whether {@code text} is an IPv4 or IPv6 address literal (never a name to look up). */
    public static boolean isAddress(String text) {
        return canonical(text).isPresent();
    }

    /** The address the request comes from. */
    public String of(Context context) {
        String peer = canonical(context.req().getRemoteAddr()).orElse(context.req().getRemoteAddr());
        String forwarded = context.header("X-Forwarded-For");
        if (!trusted.contains(peer) || forwarded == null) {
            return peer;
        }
        String[] hops = forwarded.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            Optional<String> hop = canonical(hops[i].strip());
            if (hop.isEmpty()) {
                // A hop that is not an address: what stands before it cannot be told apart from a forgery.
                return peer;
            }
            if (!trusted.contains(hop.get())) {
                return hop.get();
            }
        }
        return peer;
    }

    private static Optional<String> canonical(String text) {
        // Only literals reach InetAddress: a name would be looked up in DNS.
        if (text == null || !(IPV4.matcher(text).matches() || text.contains(":") && IPV6.matcher(text).matches())) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(text).getHostAddress());
        } catch (UnknownHostException | SecurityException notAnAddress) {
            return Optional.empty();
        }
    }
}
