/* Cryptography with the national algorithms (OpenSSL 3): SM3, HMAC-SM3,
 * PBKDF2-HMAC-SM3 for passwords, SM4-CTR + HMAC-SM3 (encrypt-then-MAC) for
 * personal data, keyed lookup hashes, and the keys derived from the key file.
 * Every stored hash or ciphertext names its algorithm and key id, so keys can
 * rotate. Buffers that held secrets are wiped with crypto_wipe(). */
#ifndef GH_CRYPTO_H
#define GH_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

enum { SM3_LEN = 32, SM4_KEY_LEN = 16, CRYPTO_MASTER_LEN = 64 };

struct crypto_keys {
	unsigned char enc[SM4_KEY_LEN]; /* SM4 field encryption */
	unsigned char mac[SM3_LEN];     /* HMAC over nonce + ciphertext */
	unsigned char lookup[SM3_LEN];  /* lookup hashes of phone, 身份证号 */
	unsigned char audit[SM3_LEN];   /* the audit chain */
	unsigned char token[SM3_LEN];   /* signed tokens (card QR codes …) */
	char key_id[9];                 /* 8 hex digits naming the master key */
};

/* Derives every purpose key from the 64-byte master (HMAC-SM3 with a label per purpose). */
void crypto_keys_derive(const unsigned char master[CRYPTO_MASTER_LEN], struct crypto_keys *k);
void crypto_keys_wipe(struct crypto_keys *k);

/* 0 on success; fails only when the system's random source does. */
int crypto_random(void *buf, size_t n);
void crypto_sm3(const void *data, size_t n, unsigned char out[SM3_LEN]);
void crypto_hmac_sm3(const void *key, size_t klen, const void *data, size_t n,
                     unsigned char out[SM3_LEN]);
/* Constant-time comparison: 1 when equal. */
int crypto_equal(const void *a, const void *b, size_t n);
void crypto_wipe(void *p, size_t n);

/* Lower-case hex; out holds 2n+1. */
void crypto_hex(const void *in, size_t n, char *out);
/* base64url without padding; out holds 4*((n+2)/3)+1. */
void crypto_b64url(const void *in, size_t n, char *out);
/* Decodes into out (room for max bytes); returns the length or -1 if malformed. */
int crypto_unb64url(const char *in, unsigned char *out, size_t max);

/* Password hash "pbkdf2-sm3$ITERATIONS$SALT$HASH" (salt 16 bytes, hash 32,
 * base64url) into out (at least 128 bytes). Returns 0. */
int crypto_password_hash(const char *password, int iterations, char *out, size_t outlen);
/* 1 when password matches stored, 0 when not, -1 when stored is malformed. */
int crypto_password_verify(const char *password, const char *stored);

/* "sm4ctr$KEYID$NONCE$CIPHERTEXT$TAG" (base64url parts). *out is malloc'd. */
int crypto_encrypt_field(const struct crypto_keys *k, const char *plain, char **out);
/* Reverses crypto_encrypt_field(); -1 when the tag does not verify, the key id
 * is not k's, or the text is malformed. *out is malloc'd. */
int crypto_decrypt_field(const struct crypto_keys *k, const char *stored, char **out);
/* Deterministic keyed hash for lookups and uniqueness: "h1$KEYID$HEX".
 * domain separates kinds of value ("phone", "id_card"). out holds 96. */
void crypto_lookup_hash(const struct crypto_keys *k, const char *domain, const char *value,
                        char out[96]);

/* Random token of n bytes as base64url (out holds 4*((n+2)/3)+1). */
int crypto_token(size_t n, char *out);

#endif
