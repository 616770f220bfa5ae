package io.tollgate.api.admin;

import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.api.access.AdminRoutes;
import io.tollgate.api.access.AuditLog;
import io.tollgate.api.access.Scope;
import io.tollgate.api.http.ApiException;
import io.tollgate.api.http.Problem.FieldError;
import io.tollgate.api.http.Responses;
import io.tollgate.api.http.RouteTable;
import io.tollgate.api.input.Queries;
import io.tollgate.tenant.crypto.CredentialCipher;
import io.tollgate.tenant.store.CredentialRekey;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /admin/keys}: which master key ids the stored credentials and webhook secrets use, and the re-encryption
 * pass that moves them all onto the current key (see {@link CredentialRekey}), so an old key can be retired.
 */
public final class KeyAdminService implements HttpService {
    static final int DEFAULT_LIMIT = 1_000;
    static final int MAX_LIMIT = 10_000;

    private final CredentialRekey rekey;
    private final CredentialCipher cipher;
    private final RouteTable routes;

    public KeyAdminService(CredentialRekey rekey, CredentialCipher cipher, RouteTable routes) {
        this.rekey = rekey;
        this.cipher = cipher;
        this.routes = routes;
    }

    @Override
    public void routing(HttpRules rules) {
        AdminRoutes.on(routes, rules)
                .add(Method.GET, "/keys", Scope.READ, this::list)
                .add(Method.POST, "/keys/reencrypt", Scope.OPERATE, this::reencrypt);
    }

    /**
     * One key id. {@code configured}: this instance holds the key ({@code TOLLGATE_MASTER_KEY} or
     * {@code TOLLGATE_PREVIOUS_MASTER_KEYS}); a key id with values that is not configured means values no instance
     * like this one can open.
     */
    public record KeyOut(String keyId, long credentials, boolean current, boolean configured) {
    }

    public record KeysOut(String currentKeyId, List<KeyOut> items) {
    }

    /** The answer to a re-encryption run; {@code done} when no value is left on another key. */
    public record ReencryptOut(int rewritten, int failed, long remaining, boolean done, KeysOut keys) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        Responses.json(res, Status.OK_200, keys());
    }

    /**
     * {@code POST /admin/keys/reencrypt?limit=N}: re-seals up to N values (default 1000) with the current key and
     * answers what it did and what is left; call it again until {@code done}.
     */
    private void reencrypt(ServerRequest req, ServerResponse res) {
        req.context().register(new AuditLog.Note("keys.reencrypt", Optional.empty(), Optional.empty(),
                                                 Optional.of("to " + cipher.currentKeyId())));
        int limit = Queries.string(req, "limit").map(KeyAdminService::limit).orElse(DEFAULT_LIMIT);
        CredentialRekey.Result r = rekey.run(limit);
        req.context().register(new AuditLog.Note(
                "keys.reencrypt", Optional.empty(), Optional.empty(),
                Optional.of("to " + cipher.currentKeyId() + ": " + r.rewritten() + " re-sealed, " + r.failed()
                                    + " failed, " + r.remaining() + " remaining")));
        Responses.json(res, Status.OK_200, new ReencryptOut(r.rewritten(), r.failed(), r.remaining(),
                                                            r.remaining() == 0, keys()));
    }

    private KeysOut keys() {
        Set<String> configured = Set.copyOf(cipher.keyIds());
        List<KeyOut> items = rekey.usageWithConfiguredKeys().entrySet().stream()
                .map(e -> new KeyOut(e.getKey(), e.getValue(), e.getKey().equals(cipher.currentKeyId()),
                                     configured.contains(e.getKey())))
                .toList();
        return new KeysOut(cipher.currentKeyId(), items);
    }

    private static int limit(String raw) {
        if (raw.matches("[0-9]{1,6}")) {
            int n = Integer.parseInt(raw);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        }
        throw new ApiException.BadRequest("invalid-query", "Invalid limit.",
                                          List.of(new FieldError("limit", "must be between 1 and " + MAX_LIMIT)));
    }
}
