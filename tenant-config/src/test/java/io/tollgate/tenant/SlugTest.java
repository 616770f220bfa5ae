package io.tollgate.tenant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SlugTest {
    @Test
    void lowercaseLettersDigitsAndInnerHyphensOfThreeToSixtyThree() {
        for (String ok : new String[] {"abc", "acme", "acme-shop", "a-b", "123", "0a9", "a--b", "x".repeat(63)}) {
            assertThat(Slug.parse(ok)).as(ok).contains(new Slug(ok));
            assertThat(new Slug(ok).value()).isEqualTo(ok).isEqualTo(new Slug(ok).toString());
        }
    }

    @Test
    void anythingElseIsNotASlug() {
        for (String bad : new String[] {"", "a", "ab", "-abc", "abc-", "Acme", "acme_shop", "acme.shop", "ac me",
                                        "x".repeat(64), "acme/shop", "ümlaut", "acme\n"}) {
            assertThat(Slug.parse(bad)).as(bad).isEmpty();
            assertThatThrownBy(() -> new Slug(bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Slug.parse(null)).isEmpty();
        assertThatThrownBy(() -> new Slug(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void isTheRuleIngressAndTheAdminApiShare() {
        assertThat(Slug.PATTERN.pattern()).isEqualTo("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$");
    }
}
