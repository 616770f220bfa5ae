package io.tollgate.api.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 address range in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/8}); a single address is its own
 * range ({@code 127.0.0.1} is {@code 127.0.0.1/32}). Parsing never looks a name up in DNS: only address literals are
 * accepted.
 *
 * @param network the range's first address (the address given, its host bits cleared)
 * @param prefix  how many leading bits an address must share with {@code network}
 */
public record AddressRange(InetAddress network, int prefix) {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

    public AddressRange {
        int bits = network.getAddress().length * 8;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix /" + prefix + " is out of range for " + network);
        }
        network = masked(network, prefix);
    }

    /**
     * @param text {@code address} or {@code address/prefix}
     * @throws IllegalArgumentException when it is neither (the message names what is wrong)
     */
    public static AddressRange parse(String text) {
        String t = text.strip();
        int slash = t.indexOf('/');
        String address = slash < 0 ? t : t.substring(0, slash);
        InetAddress network = literal(address).orElseThrow(
                () -> new IllegalArgumentException("'" + address + "' is not an IPv4 or IPv6 address"));
        int bits = network.getAddress().length * 8;
        if (slash < 0) {
            return new AddressRange(network, bits);
        }
        String p = t.substring(slash + 1);
        if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > bits) {
            throw new IllegalArgumentException("'/" + p + "' is not a prefix length of 0 to " + bits);
        }
        return new AddressRange(network, Integer.parseInt(p));
    }

    public boolean contains(InetAddress address) {
        InetAddress a = address;
        if (a instanceof Inet6Address v6 && network instanceof Inet4Address) {
            a = ipv4Mapped(v6).orElse(null); // ::ffff:10.1.2.3 is 10.1.2.3 for an IPv4 range
            if (a == null) {
                return false;
            }
        }
        if (a.getAddress().length != network.getAddress().length) {
            return false;
        }
        return masked(a, prefix).equals(network);
    }

    /**
     * An address literal as it appears in {@code X-Forwarded-For} or configuration: IPv4 ({@code 203.0.113.7}, also
     * with a port, {@code 203.0.113.7:51234}) or IPv6 ({@code 2001:db8::1}, also bracketed, with or without a port).
     * Empty for anything else (names included: nothing is resolved).
     */
    public static Optional<InetAddress> literal(String text) {
        String t = text.strip();
        if (t.startsWith("[")) {
            int end = t.indexOf(']');
            if (end < 0 || !(end == t.length() - 1 || t.substring(end + 1).matches(":\\d{1,5}"))) {
                return Optional.empty();
            }
            t = t.substring(1, end);
            return t.contains(":") ? ipv6(t) : Optional.empty();
        }
        if (t.contains(":") && t.indexOf(':') == t.lastIndexOf(':') && t.matches("[0-9.]+:\\d{1,5}")) {
            t = t.substring(0, t.indexOf(':')); // IPv4 with a port
        }
        Matcher m = IPV4.matcher(t);
        if (m.matches()) {
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                int octet = Integer.parseInt(m.group(i + 1));
                if (octet > 255) {
                    return Optional.empty();
                }
                b[i] = (byte) octet;
            }
            try {
                return Optional.of(InetAddress.getByAddress(b));
            } catch (UnknownHostException e) {
                return Optional.empty();
            }
        }
        return t.contains(":") ? ipv6(t) : Optional.empty();
    }

    private static Optional<InetAddress> ipv6(String t) {
        if (!IPV6.matcher(t).matches()) {
            return Optional.empty();
        }
        try {
            // bracketed, the JDK parses it as an IPv6 literal or refuses it; it never asks DNS
            return Optional.of(InetAddress.getByName("[" + t + "]"));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static Optional<InetAddress> ipv4Mapped(Inet6Address v6) {
        byte[] b = v6.getAddress();
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return Optional.empty();
            }
        }
        if (b[10] != (byte) 0xff || b[11] != (byte) 0xff) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static InetAddress masked(InetAddress address, int prefix) {
        byte[] b = address.getAddress();
        for (int i = 0; i < b.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            b[i] = (byte) (b[i] & (0xff << (8 - keep)));
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // a 4- or 16-byte array is always an address
        }
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefix;
    }
}
