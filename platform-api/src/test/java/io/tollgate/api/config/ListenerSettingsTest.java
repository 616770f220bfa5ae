package io.tollgate.api.config;

import io.tollgate.api.net.AddressRange;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The admin listener's and the trusted proxies' settings, read and refused as the boot does. */
class ListenerSettingsTest {

    @Test
    void unsetThereIsOneListenerAndNoProxyIsTrusted() {
        AppConfig c = AppConfig.load(Map.of());
        assertThat(c.server().admin()).isEmpty();
        assertThat(c.server().trustedProxies()).isEmpty();
    }

    @Test
    void theAdminListenerBindsTheMainHostUnlessToldOtherwise() {
        AppConfig c = AppConfig.load(Map.of("TOLLGATE_ADMIN_PORT", "9090", "TOLLGATE_HOST", "0.0.0.0"));
        assertThat(c.server().admin()).hasValue(new AppConfig.AdminListener("0.0.0.0", 9090, true));
        AppConfig own = AppConfig.load(Map.of("TOLLGATE_ADMIN_PORT", "9090", "TOLLGATE_ADMIN_HOST", "127.0.0.1"));
        assertThat(own.server().admin()).hasValue(new AppConfig.AdminListener("127.0.0.1", 9090, true));
    }

    @Test
    void aBadAdminListenerStopsTheBootNamingTheSetting() {
        assertThatThrownBy(() -> AppConfig.load(Map.of("PORT", "8080", "TOLLGATE_ADMIN_PORT", "8080")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("TOLLGATE_ADMIN_PORT")
                .hasMessageContaining("must differ from PORT");
        assertThatThrownBy(() -> AppConfig.load(Map.of("TOLLGATE_ADMIN_PORT", "70000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("TOLLGATE_ADMIN_PORT");
        assertThatThrownBy(() -> AppConfig.load(Map.of("TOLLGATE_ADMIN_HOST", "127.0.0.1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("TOLLGATE_ADMIN_HOST")
                .hasMessageContaining("TOLLGATE_ADMIN_PORT");
        // on one port the admin API cannot be turned off (that port is the operators' too)
        assertThatThrownBy(() -> AppConfig.load(Map.of("TOLLGATE_ADMIN_API", "false")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("TOLLGATE_ADMIN_API")
                .hasMessageContaining("TOLLGATE_ADMIN_PORT");
    }

    @Test
    void theAdminApiCanBeLeftOffTheAdminListener() {
        AppConfig off = AppConfig.load(Map.of("TOLLGATE_ADMIN_PORT", "9090", "TOLLGATE_ADMIN_API", "false"));
        assertThat(off.server().admin()).hasValueSatisfying(a -> assertThat(a.api()).isFalse());
    }

    @Test
    void forwardedForIsTrustedOnlyFromListedProxies() {
        AppConfig c = AppConfig.load(Map.of("TOLLGATE_TRUST_X_FORWARDED_FOR", "true",
                                            "TOLLGATE_TRUSTED_PROXIES", " 10.0.0.0/8, 192.0.2.10 ,fd00::/8"));
        assertThat(c.server().trustedProxies()).containsExactly(AddressRange.parse("10.0.0.0/8"),
                                                                AddressRange.parse("192.0.2.10/32"),
                                                                AddressRange.parse("fd00::/8"));
        // without the switch the list is not used
        assertThat(AppConfig.load(Map.of("TOLLGATE_TRUSTED_PROXIES", "10.0.0.0/8")).server().trustedProxies())
                .isEmpty();
    }

    @Test
    void trustingForwardedForFromAnyoneIsRefused() {
        assertThatThrownBy(() -> AppConfig.load(Map.of("TOLLGATE_TRUST_X_FORWARDED_FOR", "true")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("TOLLGATE_TRUSTED_PROXIES")
                .hasMessageContaining("is required when TOLLGATE_TRUST_X_FORWARDED_FOR is true");
        for (String bad : List.of("10.0.0.0/33", "ingress-nginx", "10.0.0.0/8;172.16.0.0/12")) {
            assertThatThrownBy(() -> AppConfig.load(Map.of("TOLLGATE_TRUST_X_FORWARDED_FOR", "true",
                                                           "TOLLGATE_TRUSTED_PROXIES", bad)))
                    .as(bad).isInstanceOf(ConfigException.class).hasMessageContaining("TOLLGATE_TRUSTED_PROXIES");
        }
    }
}
