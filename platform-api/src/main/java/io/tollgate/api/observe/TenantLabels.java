package io.tollgate.api.observe;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * Keeps the {@code tenant} label's cardinality bounded by configuration ({@code TOLLGATE_METRICS_TENANT_LABELS}):
 * {@code all} (each tenant its own label, up to a cap), {@code none}, or a comma-separated list of slugs. Every other
 * tenant, and every unknown slug, is folded into {@code other}, so 10,000 merchants cannot blow up a scrape.
 */
public sealed interface TenantLabels permits TenantLabels.All, TenantLabels.None, TenantLabels.Listed {
    String OTHER = "other";

    String label(String slug);

    /**
     * The slugs to label at startup, before any traffic, so their counters exist from 0: the listed ones, or the
     * first {@code cap} tenants by creation ({@code firstTenants} gives at most that many), or none.
     */
    List<String> initial(IntFunction<List<String>> firstTenants);

    static TenantLabels parse(String policy, int cap) {
        return switch (policy.strip()) {
            case "all" -> new All(cap);
            case "none" -> new None();
            default -> new Listed(Arrays.stream(policy.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                                          .collect(Collectors.toUnmodifiableSet()));
        };
    }

    /** Each tenant labelled by slug, the first {@code cap} seen; later ones fold into {@code other}. */
    record All(int cap, Set<String> seen) implements TenantLabels {
        public All(int cap) {
            this(cap, ConcurrentHashMap.newKeySet());
        }

        @Override
        public String label(String slug) {
            if (seen.contains(slug)) {
                return slug;
            }
            if (seen.size() < cap) {
                seen.add(slug);
                return slug;
            }
            return OTHER;
        }

        @Override
        public List<String> initial(IntFunction<List<String>> firstTenants) {
            return firstTenants.apply(cap);
        }
    }

    record None() implements TenantLabels {
        @Override
        public String label(String slug) {
            return OTHER;
        }

        @Override
        public List<String> initial(IntFunction<List<String>> firstTenants) {
            return List.of();
        }
    }

    record Listed(Set<String> slugs) implements TenantLabels {
        @Override
        public String label(String slug) {
            return slugs.contains(slug) ? slug : OTHER;
        }

        @Override
        public List<String> initial(IntFunction<List<String>> firstTenants) {
            return slugs.stream().sorted().toList();
        }
    }
}
