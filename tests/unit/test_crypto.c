/* SM3/SM4 against the standards' vectors, and our formats against answers
 * computed independently with the openssl command line. */
#include "unit.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/crypto.h"

static void unhex(const char *h, unsigned char *out)
{
	for (size_t i = 0; h[2 * i]; i++)
		sscanf(h + 2 * i, "%2hhx", &out[i]);
}

/* master = bytes 0..63; expected values from `openssl dgst -sm3 -mac HMAC`. */
static void known_keys(struct crypto_keys *k)
{
	unsigned char master[CRYPTO_MASTER_LEN];
	for (int i = 0; i < CRYPTO_MASTER_LEN; i++)
		master[i] = (unsigned char)i;
	crypto_keys_derive(master, k);
}

static void test_sm3(void **state)
{
	(void)state;
	unsigned char d[SM3_LEN];
	char hex[2 * SM3_LEN + 1];
	crypto_sm3("abc", 3, d);
	crypto_hex(d, sizeof(d), hex);
	assert_string_equal(hex,
	                    "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
	crypto_hmac_sm3("key", 3, "abc", 3, d);
	crypto_hex(d, sizeof(d), hex);
	assert_string_equal(hex,
	                    "28e63256e7c5a087b1f073265dc53092163f7b82729735d06f28f10af9d52393");
}

static void test_sm4_vectors(void **state)
{
	(void)state;
	unsigned char key[16], out[48];
	int len = 0;
	unhex("0123456789abcdeffedcba9876543210", key);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	assert_true(EVP_EncryptInit_ex(ctx, EVP_sm4_ecb(), NULL, key, NULL));
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	assert_true(EVP_EncryptUpdate(ctx, out, &len, key, 16));
	EVP_CIPHER_CTX_free(ctx);
	char hex[97];
	crypto_hex(out, 16, hex);
	assert_string_equal(hex, "681edf34d206965e86b3e94f536e4246");

	/* `openssl enc -sm4-ctr -K 0123…3210 -iv 000102…0f` of this 39-byte text */
	unsigned char iv[16];
	const char *pt = "gonghui SM4-CTR known answer, 3 blocks.";
	unhex("000102030405060708090a0b0c0d0e0f", iv);
	ctx = EVP_CIPHER_CTX_new();
	assert_true(EVP_EncryptInit_ex(ctx, EVP_sm4_ctr(), NULL, key, iv));
	assert_true(EVP_EncryptUpdate(ctx, out, &len, (const unsigned char *)pt, 39));
	EVP_CIPHER_CTX_free(ctx);
	crypto_hex(out, 39, hex);
	assert_string_equal(hex, "61f7f20655d3018d79c0c3afa2fcab4a0469623c2e839d6fa9e67697ad209e3a"
	                         "7eb63d83a15cd9");
}

static void test_key_derivation(void **state)
{
	(void)state;
	struct crypto_keys k;
	char hex[65];
	known_keys(&k);
	assert_string_equal(k.key_id, "88e395d2");
	crypto_hex(k.enc, sizeof(k.enc), hex);
	assert_string_equal(hex, "bbea4ecc303111f311b391db212e933d");
	crypto_hex(k.mac, sizeof(k.mac), hex);
	assert_string_equal(hex,
	                    "cabcec7df93e1fc46eba3fe6a51f887138226afcbd60cbd9ed77a40b424616e1");
	crypto_hex(k.lookup, sizeof(k.lookup), hex);
	assert_string_equal(hex,
	                    "601f23a197df56669bd129f1c56f0e0e3c18cc59e58fdbfbc5a192863fb752f9");
	assert_false(crypto_equal(k.audit, k.token, SM3_LEN));
	crypto_keys_wipe(&k);
	assert_int_equal(k.enc[0] | k.mac[0] | k.key_id[0], 0);
}

static void test_b64url(void **state)
{
	(void)state;
	unsigned char buf[64];
	char s[64];
	const unsigned char bytes[] = {0xfb, 0xff, 0xfe, 0x00};
	crypto_b64url(bytes, 4, s);
	assert_string_equal(s, "-__-AA");
	assert_int_equal(crypto_unb64url(s, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, bytes, 4);
	crypto_b64url("", 0, s);
	assert_string_equal(s, "");
	assert_int_equal(crypto_unb64url("", buf, sizeof(buf)), 0);
	assert_int_equal(crypto_unb64url("AA", buf, sizeof(buf)), 1);
	assert_int_equal(crypto_unb64url("AB", buf, sizeof(buf)), -1); /* stray low bits */
	assert_int_equal(crypto_unb64url("A", buf, sizeof(buf)), -1);
	assert_int_equal(crypto_unb64url("AA==", buf, sizeof(buf)), -1);
	assert_int_equal(crypto_unb64url("+/AA", buf, sizeof(buf)), -1);
	assert_int_equal(crypto_unb64url("AAAAAA", buf, 3), -1); /* 4 bytes, room for 3 */
	assert_true(crypto_equal("abc", "abc", 3));
	assert_false(crypto_equal("abc", "abd", 3));
}

static void test_password(void **state)
{
	(void)state;
	char stored[128];
	assert_int_equal(crypto_password_hash("工会Passw0rd", 1000, stored, sizeof(stored)), 0);
	assert_int_equal(strncmp(stored, "pbkdf2-sm3$1000$", 16), 0);
	assert_int_equal(strlen(stored), 16 + 22 + 1 + 43);
	assert_int_equal(crypto_password_verify("工会Passw0rd", stored), 1);
	assert_int_equal(crypto_password_verify("工会Passw0rD", stored), 0);
	assert_int_equal(crypto_password_verify("", stored), 0);
	char again[128];
	crypto_password_hash("工会Passw0rd", 1000, again, sizeof(again));
	assert_string_not_equal(stored, again); /* fresh salt */
	assert_int_equal(crypto_password_hash("x", 999, again, sizeof(again)), -1);

	/* `openssl kdf -kdfopt digest:SM3 … iter:1000 PBKDF2`, salt 00..0f */
	const char *known =
	    "pbkdf2-sm3$1000$AAECAwQFBgcICQoLDA0ODw$nX409jg_8SAe_BCxLTTQB8RdR9YzqxWTs8W8WDS5a90";
	assert_int_equal(crypto_password_verify("工会Passw0rd", known), 1);
	assert_int_equal(crypto_password_verify("工会Passw0rd ", known), 0);

	const char *bad[] = {
	    "",
	    "pbkdf2-sm3$1000$AAECAwQFBgcICQoLDA0ODw",
	    "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$nX409jg_8SAe_BCxLTTQB8RdR9YzqxWTs8W8WDS5a90",
	    "pbkdf2-sm3$999$AAECAwQFBgcICQoLDA0ODw$nX409jg_8SAe_BCxLTTQB8RdR9YzqxWTs8W8WDS5a90",
	    "pbkdf2-sm3$10000001$AAECAwQFBgcICQoLDA0ODw$nX409jg_8SAe_"
	    "BCxLTTQB8RdR9YzqxWTs8W8WDS5a90",
	    "pbkdf2-sm3$-1000$AAECAwQFBgcICQoLDA0ODw$nX409jg_8SAe_BCxLTTQB8RdR9YzqxWTs8W8WDS5a90",
	    "pbkdf2-sm3$$AAECAwQFBgcICQoLDA0ODw$nX409jg_8SAe_BCxLTTQB8RdR9YzqxWTs8W8WDS5a90",
	    "pbkdf2-sm3$1000$AAECAwQFBgcICQoLDA0O$nX409jg_8SAe_BCxLTTQB8RdR9YzqxWTs8W8WDS5a90",
	    "pbkdf2-sm3$1000$AAECAwQFBgcICQoLDA0ODw$nX409jg_8SAe_BCxLTTQB8RdR9YzqxWTs8W8WDS5a9",
	    "pbkdf2-sm3$1000$AAECAwQFBgcICQoLDA0ODw$nX409jg_8SAe_BCxLTTQB8RdR9YzqxWTs8W8WDS5a90$",
	    "pbkdf2-sm3$1000$AAECAwQFBgcICQoLDA0ODw$nX409jg/8SAe+BCxLTTQB8RdR9YzqxWTs8W8WDS5a90",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (crypto_password_verify("工会Passw0rd", bad[i]) != -1)
			fail_msg("accepted malformed %s", bad[i]);
}

static void test_field_round_trip(void **state)
{
	(void)state;
	struct crypto_keys k;
	known_keys(&k);
	const char *texts[] = {"", "6101", "张三 13812345678 陕西省西安市雁塔区",
	                       "610102199001011234"};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char *enc = NULL, *dec = NULL, *enc2 = NULL;
		assert_int_equal(crypto_encrypt_field(&k, texts[i], &enc), 0);
		assert_int_equal(strncmp(enc, "sm4ctr$88e395d2$", 16), 0);
		if (*texts[i])
			assert_null(strstr(enc, texts[i]));
		assert_int_equal(crypto_decrypt_field(&k, enc, &dec), 0);
		assert_string_equal(dec, texts[i]);
		assert_int_equal(crypto_encrypt_field(&k, texts[i], &enc2), 0);
		assert_string_not_equal(enc, enc2); /* fresh nonce */
		free(enc);
		free(enc2);
		free(dec);
	}
	/* built with `openssl enc -sm4-ctr` and `openssl dgst -sm3 -mac HMAC` */
	const char *known = "sm4ctr$88e395d2$AAECAwQFBgcICQoLDA0ODw$aI8KOPtbnzkGnqdigA-jkCpF$"
	                    "J0ltgsQRkOFlORLtxfJgyCg49LkhlyyKjzNmPw19c3g";
	char *dec = NULL;
	assert_int_equal(crypto_decrypt_field(&k, known, &dec), 0);
	assert_string_equal(dec, "张三 13812345678");
	free(dec);
	crypto_keys_wipe(&k);
}

static void test_field_tampering(void **state)
{
	(void)state;
	struct crypto_keys k, other;
	unsigned char master[CRYPTO_MASTER_LEN] = {1};
	known_keys(&k);
	crypto_keys_derive(master, &other);
	char *enc = NULL, *dec = (char *)"unset";
	assert_int_equal(crypto_encrypt_field(&k, "610102199001011234", &enc), 0);

	/* every character of every part, '$' included */
	size_t n = strlen(enc);
	for (size_t i = 0; i < n; i++) {
		char was = enc[i];
		enc[i] = was == 'A' ? 'B' : 'A';
		if (crypto_decrypt_field(&k, enc, &dec) != -1)
			fail_msg("accepted a change at %zu: %s", i, enc);
		assert_null(dec);
		enc[i] = was;
	}
	char *cut = strndup(enc, n - 1);
	assert_int_equal(crypto_decrypt_field(&k, cut, &dec), -1);
	free(cut);
	assert_int_equal(crypto_decrypt_field(&other, enc, &dec), -1);

	/* relabelling to another key id fails on the tag, not only the id */
	struct crypto_keys relabel = k;
	memcpy(relabel.key_id, other.key_id, sizeof(relabel.key_id));
	memcpy(enc + 7, other.key_id, 8);
	assert_int_equal(crypto_decrypt_field(&relabel, enc, &dec), -1);
	memcpy(enc + 7, k.key_id, 8);
	assert_int_equal(crypto_decrypt_field(&k, enc, &dec), 0);
	assert_string_equal(dec, "610102199001011234");
	free(dec);
	free(enc);
}

static void test_lookup_hash(void **state)
{
	(void)state;
	struct crypto_keys k, other;
	unsigned char master[CRYPTO_MASTER_LEN] = {1};
	char a[96], b[96];
	known_keys(&k);
	crypto_keys_derive(master, &other);
	crypto_lookup_hash(&k, "phone", "13812345678", a);
	assert_string_equal(
	    a, "h1$88e395d2$7eafbd90dc0bcebb4f58637ba0fa8873f2930c1f42f0e9455d5cb35c5c653a5f");
	crypto_lookup_hash(&k, "phone", "13812345678", b);
	assert_string_equal(a, b);
	crypto_lookup_hash(&k, "id_card", "13812345678", b);
	assert_string_not_equal(a, b);
	/* the 0x00 separator: ("phone1", "3…") is not ("phone", "13…") */
	crypto_lookup_hash(&k, "phone1", "3812345678", b);
	assert_string_not_equal(a, b);
	crypto_lookup_hash(&k, "phone", "13812345679", b);
	assert_string_not_equal(a, b);
	crypto_lookup_hash(&other, "phone", "13812345678", b);
	assert_string_not_equal(a + 12, b + 12);
	assert_int_equal(strncmp(b, "h1$", 3), 0);
	assert_string_not_equal(k.key_id, other.key_id);
}

/* Each thread keeps a few keyed HMAC contexts: more keys than it keeps,
 * taken in turn and from several threads, give the same answers as the
 * first time, which match a context made afresh (EVP directly). */
static void hmac_fresh(const unsigned char *key, size_t klen, const char *msg,
                       unsigned char out[SM3_LEN])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string("digest", "SM3", 0),
	    OSSL_PARAM_construct_end(),
	};
	size_t len = 0;
	assert_true(EVP_MAC_init(ctx, key, klen, params));
	assert_true(EVP_MAC_update(ctx, (const unsigned char *)msg, strlen(msg)));
	assert_true(EVP_MAC_final(ctx, out, &len, SM3_LEN));
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
}

static void *hmac_rounds(void *arg)
{
	(void)arg;
	unsigned char keys[7][SM3_LEN + 8], want[7][SM3_LEN], got[SM3_LEN];
	size_t klens[7] = {SM3_LEN, SM3_LEN, SM3_LEN, 16, 1, SM3_LEN + 8, SM3_LEN};
	for (int i = 0; i < 7; i++) {
		memset(keys[i], 0x11 * (i + 1), sizeof(keys[i]));
		hmac_fresh(keys[i], klens[i], "6101 message", want[i]);
	}
	/* the last key differs from the first in its last byte only */
	memcpy(keys[6], keys[0], SM3_LEN - 1);
	hmac_fresh(keys[6], klens[6], "6101 message", want[6]);
	for (int round = 0; round < 50; round++)
		for (int i = 0; i < 7; i++) {
			int k = (i * 3 + round) % 7;
			crypto_hmac_sm3(keys[k], klens[k], "6101 message", 12, got);
			if (memcmp(got, want[k], SM3_LEN))
				return (void *)1;
		}
	return NULL;
}

static void test_hmac_contexts(void **state)
{
	(void)state;
	assert_null(hmac_rounds(NULL));
	pthread_t th[3];
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hmac_rounds, NULL), 0);
	for (int i = 0; i < 3; i++) {
		void *rc;
		assert_int_equal(pthread_join(th[i], &rc), 0);
		assert_null(rc);
	}
}

/* The nonces come from a pool: never one twice, and a forked child does
 * not take its parent's next ones. */
static void nonce_of(const struct crypto_keys *k, char out[32])
{
	char *enc = NULL;
	assert_int_equal(crypto_encrypt_field(k, "x", &enc), 0);
	/* sm4ctr$KEYID$NONCE$… */
	const char *n = enc + 16;
	size_t len = strcspn(n, "$");
	assert_true(len < 32);
	memcpy(out, n, len);
	out[len] = '\0';
	free(enc);
}

static void test_nonces(void **state)
{
	(void)state;
	struct crypto_keys k;
	known_keys(&k);
	enum { N = 300 };
	static char seen[N][32];
	for (int i = 0; i < N; i++) {
		nonce_of(&k, seen[i]);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(seen[i], seen[j]);
	}
	int fd[2];
	assert_int_equal(pipe(fd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char n[32];
		nonce_of(&k, n);
		ssize_t w = write(fd[1], n, sizeof(n));
		_exit(w == (ssize_t)sizeof(n) ? 0 : 1);
	}
	char child[32], mine[32];
	assert_int_equal(read(fd[0], child, sizeof(child)), (ssize_t)sizeof(child));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	nonce_of(&k, mine);
	assert_string_not_equal(child, mine);
	close(fd[0]);
	close(fd[1]);
	crypto_keys_wipe(&k);
}

static void test_token(void **state)
{
	(void)state;
	char a[64], b[64];
	unsigned char raw[32];
	assert_int_equal(crypto_token(32, a), 0);
	assert_int_equal(crypto_token(32, b), 0);
	assert_int_equal(strlen(a), 43);
	assert_string_not_equal(a, b);
	assert_int_equal(crypto_unb64url(a, raw, sizeof(raw)), 32);
	assert_int_equal(crypto_random(raw, sizeof(raw)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sm3),
	    cmocka_unit_test(test_sm4_vectors),
	    cmocka_unit_test(test_key_derivation),
	    cmocka_unit_test(test_b64url),
	    cmocka_unit_test(test_password),
	    cmocka_unit_test(test_field_round_trip),
	    cmocka_unit_test(test_field_tampering),
	    cmocka_unit_test(test_lookup_hash),
	    cmocka_unit_test(test_token),
	    cmocka_unit_test(test_hmac_contexts),
	    cmocka_unit_test(test_nonces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
