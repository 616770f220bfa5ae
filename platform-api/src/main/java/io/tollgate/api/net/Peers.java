package io.tollgate.api.net;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * The address a request came from: the TCP peer, or, when that peer is one of the trusted proxies
 * ({@code TOLLGATE_TRUST_X_FORWARDED_FOR} with {@code TOLLGATE_TRUSTED_PROXIES}), the right-most address in
 * {@code X-Forwarded-For} that is not itself a trusted proxy. Anyone else's {@code X-Forwarded-For} is ignored: a
 * client that reaches the port directly cannot choose the address it is counted (and limited) under.
 */
public final class Peers {
    private final List<AddressRange> trustedProxies;

    /** @param trustedProxies the proxies whose {@code X-Forwarded-For} is believed; empty: nobody's */
    public Peers(List<AddressRange> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    /** Clients connect directly: {@code X-Forwarded-For} is never read. */
    public static Peers direct() {
        return new Peers(List.of());
    }

    public String address(ServerRequest req) {
        Optional<InetAddress> peer = req.remotePeer().address() instanceof InetSocketAddress inet
                ? Optional.ofNullable(inet.getAddress()) : Optional.empty();
        if (peer.isEmpty()) {
            return req.remotePeer().host();
        }
        if (trustedProxies.isEmpty() || !trusted(peer.get())) {
            return peer.get().getHostAddress();
        }
        return client(peer.get(), req.headers().all(HeaderNames.X_FORWARDED_FOR, List::of));
    }

    /**
     * The client's address for a request from {@code peer} carrying these {@code X-Forwarded-For} header values:
     * the hops are read from the right (each proxy appends the address it was connected from); trusted proxies are
     * passed over; the first address that is not one is the client. A hop that is not an address literal ends the
     * walk at the last trusted one (whatever lies left of a trusted proxy's entry was written by the client). When
     * every hop is a trusted proxy, the left-most one.
     */
    String client(InetAddress peer, List<String> forwardedFor) {
        if (!trusted(peer)) {
            return peer.getHostAddress();
        }
        InetAddress last = peer;
        for (int v = forwardedFor.size() - 1; v >= 0; v--) {
            String[] hops = forwardedFor.get(v).split(",");
            for (int i = hops.length - 1; i >= 0; i--) {
                if (hops[i].isBlank()) {
                    continue;
                }
                Optional<InetAddress> hop = AddressRange.literal(hops[i]);
                if (hop.isEmpty()) {
                    return last.getHostAddress();
                }
                if (!trusted(hop.get())) {
                    return hop.get().getHostAddress();
                }
                last = hop.get();
            }
        }
        return last.getHostAddress();
    }

    private boolean trusted(InetAddress address) {
        for (AddressRange r : trustedProxies) {
            if (r.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
