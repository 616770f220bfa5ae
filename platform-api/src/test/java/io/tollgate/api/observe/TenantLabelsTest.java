package io.tollgate.api.observe;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

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
}
