package io.tollgate.api.admin;

import io.helidon.security.AuthenticationResponse;
import io.helidon.security.Principal;
import io.helidon.security.ProviderRequest;
import io.helidon.security.Subject;
import io.helidon.security.spi.AuthenticationProvider;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** helidon-security provider: {@code Authorization: Bearer <operator token>}, checked by {@link OperatorTokens}. */
public final class OperatorAuthProvider implements AuthenticationProvider {
    public static final String NAME = "operator-token";
    static final String OPERATOR_ATTRIBUTE = "tollgate.operator";

    private final OperatorTokens tokens;

    public OperatorAuthProvider(OperatorTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public AuthenticationResponse authenticate(ProviderRequest request) {
        Map<String, List<String>> headers = request.env().headers();
        List<String> values = headers.getOrDefault("Authorization", List.of());
        if (values.size() != 1) {
            return AuthenticationResponse.failed(values.isEmpty() ? "missing bearer token" : "several Authorization headers");
        }
        String value = values.getFirst();
        if (!value.toLowerCase(Locale.ROOT).startsWith("bearer ")) {
            return AuthenticationResponse.failed("not a bearer token");
        }
        return tokens.authenticate(value.substring("bearer ".length()).strip())
                .map(op -> AuthenticationResponse.success(Subject.builder()
                        .principal(Principal.builder()
                                           .name(op.name())
                                           .id(op.tokenId().map(Object::toString).orElse("bootstrap"))
                                           .addAttribute(OPERATOR_ATTRIBUTE, op)
                                           .build())
                        .build()))
                .orElseGet(() -> AuthenticationResponse.failed("unknown or revoked token"));
    }
}
