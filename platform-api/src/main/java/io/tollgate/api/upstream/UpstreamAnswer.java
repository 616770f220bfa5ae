package io.tollgate.api.upstream;

import java.util.Optional;

/**
 * A successful (2xx) answer, handed to the reader of a call.
 *
 * @param status    the HTTP status
 * @param requestId the upstream's request id header, if it sent one
 * @param body      the body (empty when there was none)
 */
public record UpstreamAnswer(int status, Optional<String> requestId, byte[] body) {
}
