package io.tollgate.tenant.crypto;

import io.tollgate.tenant.Secret;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CredentialCipherTest {
    private final MasterKey key = MasterKey.fromBase64(MasterKey.generateBase64());
    private final CredentialCipher cipher = new CredentialCipher(key);

    @Test
    void roundTripsAndNeverStoresPlaintext() {
        Secret secret = Secret.of("shpat_very_secret_token_123");
        byte[] sealed = cipher.encrypt(secret, "t1/shopify.access_token");

        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("very_secret");
        assertThat(cipher.decrypt(sealed, "t1/shopify.access_token")).isEqualTo(secret);
    }

    @Test
    void sameValueEncryptsDifferentlyEachTime() {
        Secret secret = Secret.of("same");
        assertThat(cipher.encrypt(secret, "c")).isNotEqualTo(cipher.encrypt(secret, "c"));
    }

    @Test
    void rejectsFlippedCiphertextByte() {
        byte[] sealed = cipher.encrypt(Secret.of("api-key-123"), "t1/gorgias.api_key");
        for (int i = 1 + 8 + 12; i < sealed.length; i++) {
            byte[] tampered = sealed.clone();
            tampered[i] ^= 0x01;
            assertThatThrownBy(() -> cipher.decrypt(tampered, "t1/gorgias.api_key"))
                    .isInstanceOf(CredentialCryptoException.class)
                    .hasMessageContaining("failed authentication");
        }
    }

    @Test
    void rejectsFlippedNonce() {
        byte[] sealed = cipher.encrypt(Secret.of("api-key-123"), "ctx");
        sealed[10] ^= 0x40;
        assertThatThrownBy(() -> cipher.decrypt(sealed, "ctx")).isInstanceOf(CredentialCryptoException.class);
    }

    @Test
    void rejectsWrongKey() {
        byte[] sealed = cipher.encrypt(Secret.of("api-key-123"), "ctx");
        CredentialCipher other = new CredentialCipher(MasterKey.fromBase64(MasterKey.generateBase64()));
        assertThatThrownBy(() -> other.decrypt(sealed, "ctx"))
                .isInstanceOf(CredentialCryptoException.class)
                .hasMessageContaining("master key this server does not have")
                .hasMessageContaining(key.id());
    }

    @Test
    void rejectsCiphertextMovedToAnotherPlace() {
        byte[] sealed = cipher.encrypt(Secret.of("tenant-a-key"), "tenant-a/gorgias.api_key");
        assertThatThrownBy(() -> cipher.decrypt(sealed, "tenant-b/gorgias.api_key"))
                .isInstanceOf(CredentialCryptoException.class);
    }

    @Test
    void rejectsGarbage() {
        assertThatThrownBy(() -> cipher.decrypt(new byte[] {1, 2, 3}, "ctx"))
                .isInstanceOf(CredentialCryptoException.class)
                .hasMessageContaining("not a Tollgate ciphertext");
    }

    @Test
    void previousKeyStillOpensOldValuesAfterRotation() {
        byte[] old = cipher.encrypt(Secret.of("old-value"), "ctx");
        MasterKey next = MasterKey.fromBase64(MasterKey.generateBase64());
        CredentialCipher rotated = new CredentialCipher(next, List.of(key));

        assertThat(rotated.decrypt(old, "ctx").reveal()).isEqualTo("old-value");
        assertThat(rotated.sealedWithOlderKey(old)).isTrue();
        byte[] fresh = rotated.encrypt(Secret.of("new-value"), "ctx");
        assertThat(rotated.sealedWithOlderKey(fresh)).isFalse();
        assertThatThrownBy(() -> cipher.decrypt(fresh, "ctx")).isInstanceOf(CredentialCryptoException.class);
    }

    @Test
    void malformedMasterKeysAreRefusedWithoutEchoingThem() {
        assertThatThrownBy(() -> MasterKey.fromBase64("not base64 !!!"))
                .hasMessageContaining("not valid base64").hasMessageNotContaining("!!!");
        assertThatThrownBy(() -> MasterKey.fromBase64("c2hvcnQ="))
                .hasMessageContaining("32 bytes (got 5)");
        assertThatThrownBy(() -> MasterKey.fromBase64(" ")).hasMessageContaining("empty");
    }

    @Test
    void keyIdIsStableForTheSameKey() {
        String b64 = MasterKey.generateBase64();
        assertThat(MasterKey.fromBase64(b64).id()).isEqualTo(MasterKey.fromBase64(b64).id()).hasSize(16);
    }

    @Test
    void secretNeverPrintsItself() {
        Secret s = Secret.of("hunter2-hunter2-hunter2");
        assertThat(s.toString()).isEqualTo("Secret[***]");
        assertThat(String.valueOf(new Object[] {s}[0])).doesNotContain("hunter2");
        assertThat(s.hint()).isEqualTo("ter2");
        assertThat(s.matches("hunter2-hunter2-hunter2")).isTrue();
        assertThat(s.matches("hunter2-hunter2-hunter3")).isFalse();
    }
}
