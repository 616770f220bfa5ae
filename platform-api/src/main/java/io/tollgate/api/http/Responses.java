package io.tollgate.api.http;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/** JSON answers, serialised by the one mapper. */
public final class Responses {
    private Responses() {
    }

    public static void json(ServerResponse res, Status status, Object body) {
        res.status(status);
        res.headers().contentType(MediaTypes.APPLICATION_JSON);
        res.send(Json.write(body));
    }
}
