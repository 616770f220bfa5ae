package io.tollgate.api.net;

import io.helidon.webserver.WebServer;
import io.tollgate.api.LogCapture;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.config.AppConfig;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The client's address: {@code X-Forwarded-For} is believed only from a trusted proxy, and then the right-most hop
 * that is not itself a trusted proxy is the client (what lies left of it was written by the client).
 */
class PeersTest {
    private static final Peers BEHIND_CLUSTER_PROXIES = new Peers(List.of(AddressRange.parse("10.0.0.0/8"),
                                                                          AddressRange.parse("fd00::/8")));

    private static InetAddress ip(String literal) {
        return AddressRange.literal(literal).orElseThrow();
    }

    @Test
    void anUntrustedPeersForwardedForIsIgnored() {
        assertThat(BEHIND_CLUSTER_PROXIES.client(ip("198.51.100.20"), List.of("203.0.113.7"))).isEqualTo(
                "198.51.100.20");
        assertThat(Peers.direct().client(ip("10.1.2.3"), List.of("203.0.113.7"))).isEqualTo("10.1.2.3");
    }

    @Test
    void aTrustedProxysLastHopIsTheClient() {
        assertThat(BEHIND_CLUSTER_PROXIES.client(ip("10.1.2.3"), List.of("203.0.113.7"))).isEqualTo("203.0.113.7");
        assertThat(BEHIND_CLUSTER_PROXIES.client(ip("10.1.2.3"), List.of())).as("no header: the proxy itself")
                .isEqualTo("10.1.2.3");
        assertThat(BEHIND_CLUSTER_PROXIES.client(ip("10.1.2.3"), List.of("203.0.113.7:51234"))).as("with a port")
                .isEqualTo("203.0.113.7");
    }

    @Test
    void theRightMostUntrustedHopIsChosenNotWhatTheClientWrote() {
        // the client sent "X-Forwarded-For: 192.0.2.66" to look like someone else; two proxies appended theirs
        assertThat(BEHIND_CLUSTER_PROXIES.client(ip("10.9.9.9"), List.of("192.0.2.66, 203.0.113.7, 10.4.4.4")))
                .isEqualTo("203.0.113.7");
        // the same split over several header lines (read in order, the last line last)
        assertThat(BEHIND_CLUSTER_PROXIES.client(ip("10.9.9.9"), List.of("192.0.2.66", "203.0.113.7", "10.4.4.4")))
                .isEqualTo("203.0.113.7");
        // every hop a proxy: the left-most
        assertThat(BEHIND_CLUSTER_PROXIES.client(ip("10.9.9.9"), List.of("10.2.2.2, 10.3.3.3"))).isEqualTo(
                "10.2.2.2");
    }

    @Test
    void aHopThatIsNotAnAddressEndsTheWalkAtTheLastProxy() {
        assertThat(BEHIND_CLUSTER_PROXIES.client(ip("10.9.9.9"), List.of("203.0.113.7, unknown"))).isEqualTo(
                "10.9.9.9");
        assertThat(BEHIND_CLUSTER_PROXIES.client(ip("10.9.9.9"), List.of("203.0.113.7, evil.example, 10.4.4.4")))
                .isEqualTo("10.4.4.4");
        assertThat(BEHIND_CLUSTER_PROXIES.client(ip("10.9.9.9"), List.of("300.1.1.1"))).isEqualTo("10.9.9.9");
    }

    @Test
    void ipv6HopsAndProxies() {
        assertThat(BEHIND_CLUSTER_PROXIES.client(ip("fd00::1"), List.of("2001:db8::7"))).isEqualTo(
                ip("2001:db8::7").getHostAddress());
        assertThat(BEHIND_CLUSTER_PROXIES.client(ip("10.0.0.1"), List.of("[2001:db8::7]:443, fd00::2"))).isEqualTo(
                ip("2001:db8::7").getHostAddress());
    }

    @Test
    void rangesParseAndMatch() {
        AddressRange r = AddressRange.parse("172.16.0.0/12");
        assertThat(r.contains(ip("172.31.255.255"))).isTrue();
        assertThat(r.contains(ip("172.32.0.0"))).isFalse();
        assertThat(r.contains(ip("2001:db8::1"))).isFalse();
        assertThat(AddressRange.parse("10.1.2.3/8")).hasToString("10.0.0.0/8");
        assertThat(AddressRange.parse("192.0.2.10").contains(ip("192.0.2.10"))).isTrue();
        assertThat(AddressRange.parse("192.0.2.10").contains(ip("192.0.2.11"))).isFalse();
        assertThat(AddressRange.parse("0.0.0.0/0").contains(ip("8.8.8.8"))).isTrue();
        for (String bad : List.of("10.0.0.0/33", "300.1.1.1", "ingress.example.com", "10.0.0.0/x", "", "fd00::/129")) {
            assertThatThrownBy(() -> AddressRange.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void overASocketOnlyATrustedPeerMayNameTheClient() {
        // this test's own Helidon server answers with what Peers makes of each request; loopback is the peer
        Map<Peers, String> expected = Map.of(new Peers(List.of(AddressRange.parse("127.0.0.0/8"))), "203.0.113.7",
                                             new Peers(List.of(AddressRange.parse("10.0.0.0/8"))), "127.0.0.1",
                                             Peers.direct(), "127.0.0.1");
        for (Map.Entry<Peers, String> e : expected.entrySet()) {
            Peers peers = e.getKey();
            WebServer echo = WebServer.builder().host("127.0.0.1").port(0)
                    .routing(r -> r.get("/", (req, res) -> res.send(peers.address(req)))).build().start();
            try {
                HttpResponse<String> res = TestServers.send(
                        HttpRequest.newBuilder(TestServers.at(echo.port(), "/"))
                                .header("X-Forwarded-For", "192.0.2.66, 203.0.113.7").GET().build());
                assertThat(res.body()).isEqualTo(e.getValue());
            } finally {
                echo.stop();
            }
        }
    }

    @Test
    void theGatewayIgnoresForwardedForFromAClientThatIsNotItsProxy() {
        // trusting X-Forwarded-For, but only from 10.0.0.0/8: this test connects from loopback, like anyone who
        // reaches the port without going through the ingress controller
        try (TestDatabase db = TestDatabase.empty(); LogCapture logs = LogCapture.start()) {
            Map<String, String> env = TestServers.env(db.jdbcUrl(), db.user(), db.password());
            env.put("TOLLGATE_TRUST_X_FORWARDED_FOR", "true");
            env.put("TOLLGATE_TRUSTED_PROXIES", "10.0.0.0/8");
            try (Tollgate server = Tollgate.start(AppConfig.load(env))) {
                HttpResponse<String> res = TestServers.send(
                        HttpRequest.newBuilder(TestServers.uri(server, "/admin/tenants"))
                                .header("Authorization", "Bearer wrong-token-0123456789abcdef")
                                .header("X-Forwarded-For", "203.0.113.99").GET().build());
                assertThat(res.statusCode()).isEqualTo(401);
            }
            String serverLogs = logs.from("io.tollgate");
            assertThat(serverLogs).as("the failure is counted against the real peer").contains("from 127.0.0.1");
            assertThat(serverLogs).as("not against the address the client chose").doesNotContain("203.0.113.99");
        }
    }
}
