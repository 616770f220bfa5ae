package io.tollgate.api.http;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.api.observe.LogContext;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The id of one HTTP request: the caller's {@code X-Request-Id} when it is sane (1-128 characters of
 * {@code A-Z a-z 0-9 . _ : -}), else a new UUID. It is echoed in the {@code X-Request-Id} response header of every
 * answer and in every problem document ({@code request_id}), and it is the {@code request_id} of every log line
 * written for the request, so an operator can follow one delivery from the sender's log into ours. Anything else the
 * caller sends there (too long, spaces, control characters, quotes) is not echoed and not logged: a new id replaces it.
 *
 * @param value sane by construction
 */
public record RequestId(String value) {
    public static final HeaderName HEADER = HeaderNames.create("X-Request-Id");
    static final int MAX_LENGTH = 128;

    public RequestId {
        if (!sane(value)) {
            throw new IllegalArgumentException("not a sane request id");
        }
    }

    /**
     * Whether a caller's value may be kept as it is: 1 to {@link #MAX_LENGTH} of {@code [A-Za-z0-9._:-]}. A loop, not
     * a pattern: every request passes here (a generated id too), and the pattern was a visible share of ingress CPU.
     */
    public static boolean sane(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '_' || c == ':' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The caller's value when sane, else a new id. */
    public static RequestId acceptOrGenerate(Optional<String> header) {
        return header.filter(RequestId::sane).map(RequestId::new).orElseGet(RequestId::generate);
    }

    /**
     * A new random (version 4) UUID. From {@link ThreadLocalRandom}, not {@link UUID#randomUUID()}'s
     * {@code SecureRandom}: a request id names a request in logs and answers, it guards nothing, and the secure
     * generator (a shared lock and reads of the system's source) was a visible share of every request's CPU.
     */
    public static RequestId generate() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (r.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new RequestId(new UUID(msb, lsb).toString());
    }

    /**
     * The id of the request being answered: the one {@link RequestIdFilter} registered; failing that (an answer
     * given outside the filter), one accepted or made now, put in the response header.
     */
    public static RequestId of(ServerRequest req, ServerResponse res) {
        Optional<RequestId> known = req.context().get(RequestId.class);
        if (known.isPresent()) {
            return known.get();
        }
        RequestId id = LogContext.requestId().filter(RequestId::sane).map(RequestId::new)
                .orElseGet(() -> acceptOrGenerate(req.headers().first(HEADER)));
        req.context().register(id);
        if (!res.isSent()) {
            res.header(HEADER, id.value());
        }
        return id;
    }
}
