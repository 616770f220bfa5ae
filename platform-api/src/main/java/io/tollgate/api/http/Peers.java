package io.tollgate.api.http;

import io.helidon.webserver.http.ServerRequest;

import java.net.InetSocketAddress;

/**
 * The address a request came from: the TCP peer, or, behind a trusted proxy ({@code TOLLGATE_TRUST_X_FORWARDED_FOR}),
 * the last address that proxy appended to {@code X-Forwarded-For}.
 */
public final class Peers {
    private final boolean trustForwardedFor;

    /** @param trustForwardedFor whether a proxy in front appends the client's address to X-Forwarded-For */
    public Peers(boolean trustForwardedFor) {
        this.trustForwardedFor = trustForwardedFor;
    }

    public String address(ServerRequest req) {
        if (trustForwardedFor) {
            var xff = req.headers().first(io.helidon.http.HeaderNames.X_FORWARDED_FOR);
            if (xff.isPresent()) {
                String[] hops = xff.get().split(",");
                String last = hops[hops.length - 1].strip();
                if (!last.isEmpty()) {
                    return last;
                }
            }
        }
        if (req.remotePeer().address() instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return req.remotePeer().host();
    }
}
