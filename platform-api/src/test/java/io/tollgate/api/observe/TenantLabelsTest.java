package io.tollgate.api.observe;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class TenantLabelsTest {
    @Test
    void allIsCappedAndFoldsTheRestIntoOther() {
        TenantLabels labels = TenantLabels.parse("all", 100);
        Set<String> distinct = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            distinct.add(labels.label("shop-" + i));
        }
        assertThat(distinct).hasSize(101).contains("other", "shop-0", "shop-99").doesNotContain("shop-100");
        assertThat(labels.label("shop-5")).isEqualTo("shop-5");
    }

    @Test
    void noneAndListed() {
        assertThat(TenantLabels.parse("none", 100).label("acme")).isEqualTo("other");
        TenantLabels listed = TenantLabels.parse("acme, big-shop", 100);
        assertThat(listed.label("acme")).isEqualTo("acme");
        assertThat(listed.label("big-shop")).isEqualTo("big-shop");
        assertThat(listed.label("small-shop")).isEqualTo("other");
    }

    @Test
    void theSlugsLabelledAtStartupAreTheListedOnesOrTheFirstCapTenantsByCreation() {
        List<Integer> asked = new ArrayList<>();
        List<String> existing = IntStream.range(0, 10).mapToObj(i -> "shop-" + i).toList();
        assertThat(TenantLabels.parse("all", 3).initial(n -> {
            asked.add(n);
            return existing.subList(0, Math.min(n, existing.size()));
        })).containsExactly("shop-0", "shop-1", "shop-2");
        assertThat(asked).as("no more tenants read than the cap").containsExactly(3);

        assertThat(TenantLabels.parse("big-shop, acme", 100).initial(n -> {
            throw new AssertionError("a listed policy reads no tenants");
        })).containsExactly("acme", "big-shop");
        assertThat(TenantLabels.parse("none", 100).initial(n -> {
            throw new AssertionError("none reads no tenants");
        })).isEmpty();
    }
}
