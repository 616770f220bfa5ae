package io.tollgate.api.connect;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.http.Problem.FieldError;
import io.tollgate.api.input.Fields;
import io.tollgate.tenant.Provider;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The body of a connect: none, or {@code {"providers": ["gorgias", "shopify"]}} (a non-empty list of distinct
 * providers).
 *
 * @param providers the providers to connect; empty means both
 */
public record ConnectIn(Set<Provider> providers) {
    private static final Set<String> FIELDS = Set.of("providers");

    public ConnectIn {
        providers = Set.copyOf(providers);
    }

    /** The body read and checked, or a 400 listing every invalid field. */
    public static ConnectIn read(Optional<JsonNode> body) {
        if (body.isEmpty()) {
            return new ConnectIn(Set.of());
        }
        List<FieldError> errors = new ArrayList<>();
        Fields f = Fields.root(body.get(), FIELDS, errors);
        Set<Provider> out = new LinkedHashSet<>();
        JsonNode list = body.get().get("providers");
        if (f.has("providers") && (list == null || !list.isArray() || list.isEmpty())) {
            f.error("providers", "must be a non-empty list of \"gorgias\" and \"shopify\"");
        } else if (list != null) {
            for (int i = 0; i < list.size(); i++) {
                JsonNode p = list.get(i);
                Optional<Provider> provider = p.isTextual() ? Provider.fromWire(p.textValue()) : Optional.empty();
                if (provider.isEmpty()) {
                    errors.add(new FieldError("providers[" + i + "]", "must be \"gorgias\" or \"shopify\""));
                } else if (!out.add(provider.get())) {
                    errors.add(new FieldError("providers[" + i + "]", "is listed twice"));
                }
            }
        }
        Fields.throwIfAny(errors);
        return new ConnectIn(out);
    }
}
