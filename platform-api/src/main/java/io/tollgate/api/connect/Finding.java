package io.tollgate.api.connect;

import io.tollgate.api.upstream.UpstreamResult;

import java.util.Optional;

/** What a drift check found: a status (empty when the upstream could not say) and the reason. */
record Finding(Optional<ConnectionStatus> status, Optional<String> reason) {
    static Finding ok() {
        return new Finding(Optional.of(ConnectionStatus.OK), Optional.empty());
    }

    static Finding broken(String why) {
        return new Finding(Optional.of(ConnectionStatus.BROKEN), Optional.of(why));
    }

    static Finding unanswered(String why) {
        return new Finding(Optional.empty(), Optional.of(why));
    }

    /**
     * Only a definite refusal breaks a connection: a 4xx (credentials revoked, the app uninstalled, the shop
     * closed), not a throttle or timeout. Anything else that failed (a 2xx whose GraphQL errors or body could not
     * be used, no answer at all) leaves the status as it was until the next check, so one upstream hiccup never
     * raises the alert.
     */
    static Finding of(UpstreamResult<?> failed, String what) {
        return switch (failed) {
            case UpstreamResult.Failed<?> f when f.status() >= 400 && f.status() < 500 && f.status() != 408
                    && f.status() != 429 -> broken(what + ": " + f.reason());
            case UpstreamResult.Failed<?> f -> unanswered(what + ": " + f.reason());
            case UpstreamResult.RetryLater<?> r -> unanswered(what + ": " + r.reason());
            case UpstreamResult.Ok<?> ok -> throw new IllegalArgumentException("not a failure");
        };
    }
}
