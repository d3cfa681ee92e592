#include "crypto.h"

#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	NONCE_LEN = 16,
	SALT_LEN = 16,
	PW_MIN_ITER = 1000,
	PW_MAX_ITER = 10000000,
	NONCE_POOL = 64 * NONCE_LEN,
};

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct part {
	const void *p;
	size_t n;
};

/* SM3 missing from libcrypto is a broken installation, not bad input: the
 * void functions below have no way to report it, and going on would store
 * garbage hashes. */
static void broken(const char *what)
{
	fprintf(stderr, "crypto: %s failed (is OpenSSL built with SM3/SM4?)\n", what);
	abort();
}

/* The algorithms, fetched once: a fetch is a locked lookup in the
 * provider's store, and a bulk import makes several HMACs and encryptions
 * a row. */
static EVP_MAC *hmac_alg;
static EVP_CIPHER *sm4ctr_alg;
static pthread_once_t alg_once = PTHREAD_ONCE_INIT;

static void alg_fetch(void)
{
	hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
	sm4ctr_alg = EVP_CIPHER_fetch(NULL, "SM4-CTR", NULL);
}

/* Each thread's contexts, made on first use and reused by every call:
 * making one per call (and fetching SM3 again for each HMAC's digest
 * parameter) cost more than the hashing. An HMAC context stays keyed with
 * the last key it had, so the next HMAC with the same key (an import
 * makes a few per row with two or three keys) skips hashing the key into
 * its pads: that needs a copy of the key beside it. EVP's free functions
 * wipe a context, and the key copies are wiped, when the thread exits.
 * The nonces come from a pool filled by RAND_bytes() 64 at a time,
 * because a call of it costs microseconds (a lock and a getpid()); a
 * fork empties every pool, so a child never repeats its parent's nonces. */
enum { MAC_SLOTS = 4, MAC_KEY_MAX = SM3_LEN }; /* the purpose keys, never the master */

struct mac_slot {
	EVP_MAC_CTX *ctx;
	unsigned char key[MAC_KEY_MAX];
	size_t klen; /* 0: not keyed yet */
};

struct thread_ctx {
	struct mac_slot macs[MAC_SLOTS];
	int next_mac; /* the slot a new key takes */
	EVP_CIPHER_CTX *cipher;
	/* the key cipher is set up with: the next call with the same key sets
	 * only the nonce, and skips the key schedule */
	unsigned char cipher_key[SM4_KEY_LEN];
	int cipher_keyed;
	unsigned char nonces[NONCE_POOL];
	size_t nonces_left;
	unsigned fork_gen;
};

static pthread_key_t ctx_key;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static int ctx_key_ok;
static atomic_uint fork_gen;

static void thread_ctx_free(void *p)
{
	struct thread_ctx *t = p;
	for (int i = 0; i < MAC_SLOTS; i++)
		EVP_MAC_CTX_free(t->macs[i].ctx);
	EVP_CIPHER_CTX_free(t->cipher);
	OPENSSL_cleanse(t, sizeof(*t));
	free(t);
}

static void after_fork(void)
{
	atomic_fetch_add(&fork_gen, 1);
}

static void ctx_key_create(void)
{
	ctx_key_ok = pthread_key_create(&ctx_key, thread_ctx_free) == 0 &&
	             pthread_atfork(NULL, NULL, after_fork) == 0;
}

/* This thread's contexts, or NULL (out of memory): the caller then makes
 * its own. */
static struct thread_ctx *thread_ctx(void)
{
	pthread_once(&alg_once, alg_fetch);
	pthread_once(&ctx_once, ctx_key_create);
	if (!ctx_key_ok || !hmac_alg || !sm4ctr_alg)
		return NULL;
	struct thread_ctx *t = pthread_getspecific(ctx_key);
	if (t)
		return t;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SM3", 0),
	    OSSL_PARAM_construct_end(),
	};
	int ok = (t = calloc(1, sizeof(*t))) != NULL;
	for (int i = 0; ok && i < MAC_SLOTS; i++)
		ok = (t->macs[i].ctx = EVP_MAC_CTX_new(hmac_alg)) &&
		     EVP_MAC_CTX_set_params(t->macs[i].ctx, params);
	if (!ok || !(t->cipher = EVP_CIPHER_CTX_new()) || pthread_setspecific(ctx_key, t)) {
		if (t)
			thread_ctx_free(t);
		return NULL;
	}
	return t;
}

/* A context of this thread keyed with key, ready for the message; NULL
 * when the caller must make its own. */
static EVP_MAC_CTX *thread_mac(const void *key, size_t klen)
{
	struct thread_ctx *t = klen && klen <= MAC_KEY_MAX ? thread_ctx() : NULL;
	if (!t)
		return NULL;
	for (int i = 0; i < MAC_SLOTS; i++) {
		struct mac_slot *m = &t->macs[i];
		if (m->klen == klen && !memcmp(m->key, key, klen))
			return EVP_MAC_init(m->ctx, NULL, 0, NULL) ? m->ctx : NULL;
	}
	struct mac_slot *m = &t->macs[t->next_mac];
	t->next_mac = (t->next_mac + 1) % MAC_SLOTS;
	m->klen = 0;
	if (!EVP_MAC_init(m->ctx, key, klen, NULL))
		return NULL;
	memcpy(m->key, key, klen);
	m->klen = klen;
	return m->ctx;
}

static void hmac_parts(const void *key, size_t klen, const struct part *parts, int nparts,
                       unsigned char out[SM3_LEN])
{
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *own = NULL, *ctx = thread_mac(key, klen);
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SM3", 0),
	    OSSL_PARAM_construct_end(),
	};
	if (!ctx && (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) && (own = EVP_MAC_CTX_new(mac)) &&
	    EVP_MAC_init(own, key, klen, params))
		ctx = own;
	size_t len = 0;
	int ok = ctx != NULL;
	for (int i = 0; ok && i < nparts; i++)
		ok = EVP_MAC_update(ctx, parts[i].p, parts[i].n);
	ok = ok && EVP_MAC_final(ctx, out, &len, SM3_LEN) && len == SM3_LEN;
	EVP_MAC_CTX_free(own);
	EVP_MAC_free(mac);
	if (!ok)
		broken("HMAC-SM3");
}

void crypto_hmac_sm3(const void *key, size_t klen, const void *data, size_t n,
                     unsigned char out[SM3_LEN])
{
	struct part p = {data, n};
	hmac_parts(key, klen, &p, 1, out);
}

void crypto_sm3(const void *data, size_t n, unsigned char out[SM3_LEN])
{
	if (!EVP_Digest(data, n, out, NULL, EVP_sm3(), NULL))
		broken("SM3");
}

int crypto_random(void *buf, size_t n)
{
	if (n > INT_MAX)
		return -1;
	return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

int crypto_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void crypto_wipe(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}

static void derive(const unsigned char *master, const char *purpose, unsigned char *out, size_t n)
{
	char label[64];
	unsigned char full[SM3_LEN];
	snprintf(label, sizeof(label), "gonghui/%s/v1", purpose);
	crypto_hmac_sm3(master, CRYPTO_MASTER_LEN, label, strlen(label), full);
	memcpy(out, full, n);
	crypto_wipe(full, sizeof(full));
}

void crypto_keys_derive(const unsigned char master[CRYPTO_MASTER_LEN], struct crypto_keys *k)
{
	static const char id_label[] = "gonghui/key-id/v1";
	unsigned char buf[sizeof(id_label) - 1 + CRYPTO_MASTER_LEN], id[SM3_LEN];

	derive(master, "enc", k->enc, sizeof(k->enc));
	derive(master, "mac", k->mac, sizeof(k->mac));
	derive(master, "lookup", k->lookup, sizeof(k->lookup));
	derive(master, "audit", k->audit, sizeof(k->audit));
	derive(master, "token", k->token, sizeof(k->token));
	memcpy(buf, id_label, sizeof(id_label) - 1);
	memcpy(buf + sizeof(id_label) - 1, master, CRYPTO_MASTER_LEN);
	crypto_sm3(buf, sizeof(buf), id);
	crypto_wipe(buf, sizeof(buf));
	crypto_hex(id, (sizeof(k->key_id) - 1) / 2, k->key_id);
}

void crypto_keys_wipe(struct crypto_keys *k)
{
	crypto_wipe(k, sizeof(*k));
}

void crypto_hex(const void *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = in;
	for (size_t i = 0; i < n; i++) {
		*out++ = digits[p[i] >> 4];
		*out++ = digits[p[i] & 15];
	}
	*out = '\0';
}

void crypto_b64url(const void *in, size_t n, char *out)
{
	const unsigned char *p = in;
	unsigned bits = 0, nbits = 0;
	for (size_t i = 0; i < n; i++) {
		bits = (bits << 8) | p[i];
		nbits += 8;
		while (nbits >= 6) {
			nbits -= 6;
			*out++ = b64_alphabet[(bits >> nbits) & 63];
		}
	}
	if (nbits)
		*out++ = b64_alphabet[(bits << (6 - nbits)) & 63];
	*out = '\0';
}

/* Strict: leftover bits must be zero, so every byte string has exactly one
 * encoding and a changed character always changes the bytes. */
static int unb64(const char *in, size_t len, unsigned char *out, size_t max)
{
	unsigned bits = 0, nbits = 0;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		const char *c = in[i] ? strchr(b64_alphabet, in[i]) : NULL;
		if (!c)
			return -1;
		bits = (bits << 6) | (unsigned)(c - b64_alphabet);
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			if (n == max || n == INT_MAX)
				return -1;
			out[n++] = (unsigned char)(bits >> nbits);
		}
	}
	if (nbits >= 6 || (bits & ((1u << nbits) - 1)))
		return -1;
	return (int)n;
}

int crypto_unb64url(const char *in, unsigned char *out, size_t max)
{
	return unb64(in, strlen(in), out, max);
}

/* Splits s at '$' into exactly n parts (pointers into s, with lengths). */
static int split(const char *s, struct part *parts, int n)
{
	for (int i = 0; i < n; i++) {
		const char *end = i < n - 1 ? strchr(s, '$') : s + strlen(s);
		if (!end || (i == n - 1 && strchr(s, '$')))
			return -1;
		parts[i] = (struct part){s, (size_t)(end - s)};
		s = end + 1;
	}
	return 0;
}

static int decode_part(const struct part *p, unsigned char *out, size_t want)
{
	return unb64(p->p, p->n, out, want) == (int)want ? 0 : -1;
}

int crypto_password_hash(const char *password, int iterations, char *out, size_t outlen)
{
	unsigned char salt[SALT_LEN], hash[SM3_LEN];
	char salt64[32], hash64[48];
	int rc = -1;

	if (iterations < PW_MIN_ITER || iterations > PW_MAX_ITER ||
	    crypto_random(salt, sizeof(salt)))
		return -1;
	if (!PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sizeof(salt), iterations,
	                       EVP_sm3(), sizeof(hash), hash))
		goto out;
	crypto_b64url(salt, sizeof(salt), salt64);
	crypto_b64url(hash, sizeof(hash), hash64);
	int n = snprintf(out, outlen, "pbkdf2-sm3$%d$%s$%s", iterations, salt64, hash64);
	rc = n > 0 && (size_t)n < outlen ? 0 : -1;
out:
	crypto_wipe(hash, sizeof(hash));
	crypto_wipe(hash64, sizeof(hash64));
	return rc;
}

int crypto_password_verify(const char *password, const char *stored)
{
	struct part p[4];
	unsigned char salt[SALT_LEN], want[SM3_LEN], got[SM3_LEN];
	long iter = 0;
	int rc;

	if (split(stored, p, 4) || p[0].n != 10 || memcmp(p[0].p, "pbkdf2-sm3", 10) || p[1].n < 1 ||
	    p[1].n > 8)
		return -1;
	for (size_t i = 0; i < p[1].n; i++) {
		char c = ((const char *)p[1].p)[i];
		if (c < '0' || c > '9')
			return -1;
		iter = iter * 10 + (c - '0');
	}
	if (iter < PW_MIN_ITER || iter > PW_MAX_ITER || decode_part(&p[2], salt, sizeof(salt)) ||
	    decode_part(&p[3], want, sizeof(want)))
		return -1;
	if (!PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sizeof(salt), (int)iter,
	                       EVP_sm3(), sizeof(got), got))
		broken("PBKDF2-HMAC-SM3");
	rc = crypto_equal(got, want, sizeof(got));
	crypto_wipe(got, sizeof(got));
	crypto_wipe(want, sizeof(want));
	return rc;
}

/* CTR mode: the same operation encrypts and decrypts. */
static int sm4_ctr(const unsigned char *key, const unsigned char *iv, const unsigned char *in,
                   size_t n, unsigned char *out)
{
	struct thread_ctx *t = thread_ctx();
	EVP_CIPHER_CTX *ctx = t ? t->cipher : EVP_CIPHER_CTX_new();
	int len = 0, fin = 0, ok;
	if (t && t->cipher_keyed && !memcmp(t->cipher_key, key, SM4_KEY_LEN)) {
		ok = EVP_EncryptInit_ex2(ctx, NULL, NULL, iv, NULL);
	} else {
		if (t)
			t->cipher_keyed = 0;
		ok = ctx && EVP_EncryptInit_ex2(ctx, t ? sm4ctr_alg : EVP_sm4_ctr(), key, iv, NULL);
		if (ok && t) {
			memcpy(t->cipher_key, key, SM4_KEY_LEN);
			t->cipher_keyed = 1;
		}
	}
	ok = ok && n <= INT_MAX && EVP_EncryptUpdate(ctx, out, &len, in, (int)n) &&
	     EVP_EncryptFinal_ex(ctx, out + len, &fin) && (size_t)(len + fin) == n;
	if (!t)
		EVP_CIPHER_CTX_free(ctx);
	else if (!ok)
		t->cipher_keyed = 0;
	return ok ? 0 : -1;
}

/* A fresh random nonce, from this thread's pool when there is one. */
static int nonce_new(unsigned char nonce[NONCE_LEN])
{
	struct thread_ctx *t = thread_ctx();
	if (!t)
		return crypto_random(nonce, NONCE_LEN);
	unsigned gen = atomic_load(&fork_gen);
	if (t->fork_gen != gen || t->nonces_left == 0) {
		if (crypto_random(t->nonces, sizeof(t->nonces)))
			return -1;
		t->nonces_left = sizeof(t->nonces);
		t->fork_gen = gen;
	}
	t->nonces_left -= NONCE_LEN;
	memcpy(nonce, t->nonces + t->nonces_left, NONCE_LEN);
	return 0;
}

/* The tag covers "sm4ctr$KEYID$", so a ciphertext cannot be relabelled. */
static void field_tag(const struct crypto_keys *k, const unsigned char *nonce,
                      const unsigned char *ct, size_t n, unsigned char tag[SM3_LEN])
{
	char prefix[17] = "sm4ctr$";
	size_t idlen = strnlen(k->key_id, 8);
	memcpy(prefix + 7, k->key_id, idlen);
	prefix[7 + idlen] = '$';
	struct part parts[] = {{prefix, 8 + idlen}, {nonce, NONCE_LEN}, {ct, n}};
	hmac_parts(k->mac, sizeof(k->mac), parts, 3, tag);
}

int crypto_encrypt_field(const struct crypto_keys *k, const char *plain, char **out)
{
	/* personal fields are short: their ciphertext fits on the stack */
	unsigned char nonce[NONCE_LEN], tag[SM3_LEN], small[128], *ct;
	size_t n = strlen(plain), idlen = strnlen(k->key_id, 8);
	int rc = -1;

	*out = NULL;
	ct = n <= sizeof(small) ? small : malloc(n);
	if (!ct || nonce_new(nonce) || sm4_ctr(k->enc, nonce, (const unsigned char *)plain, n, ct))
		goto out;
	field_tag(k, nonce, ct, n, tag);
	/* "sm4ctr$" KEYID "$" NONCE "$" CIPHERTEXT "$" TAG */
	size_t size = 7 + idlen + 1 + 22 + 1 + 4 * ((n + 2) / 3) + 1 + 43 + 1;
	char *s = malloc(size), *o = s;
	if (!s)
		goto out;
	o = mempcpy(o, "sm4ctr$", 7);
	o = mempcpy(o, k->key_id, idlen);
	*o++ = '$';
	crypto_b64url(nonce, sizeof(nonce), o);
	o += strlen(o);
	*o++ = '$';
	crypto_b64url(ct, n, o);
	o += strlen(o);
	*o++ = '$';
	crypto_b64url(tag, sizeof(tag), o);
	*out = s;
	rc = 0;
out:
	if (ct != small)
		free(ct);
	return rc;
}

int crypto_decrypt_field(const struct crypto_keys *k, const char *stored, char **out)
{
	struct part p[5];
	unsigned char nonce[NONCE_LEN], tag[SM3_LEN], want[SM3_LEN], *ct = NULL;
	char *plain = NULL;
	int rc = -1, n = 0;

	*out = NULL;
	if (split(stored, p, 5) || p[0].n != 6 || memcmp(p[0].p, "sm4ctr", 6) || p[1].n != 8 ||
	    memcmp(p[1].p, k->key_id, 8) || decode_part(&p[2], nonce, sizeof(nonce)) ||
	    decode_part(&p[4], tag, sizeof(tag)))
		return -1;
	ct = malloc(p[3].n + 1);
	if (!ct || (n = unb64(p[3].p, p[3].n, ct, p[3].n)) < 0)
		goto out;
	field_tag(k, nonce, ct, (size_t)n, want);
	if (!crypto_equal(tag, want, sizeof(tag)))
		goto out;
	plain = malloc((size_t)n + 1);
	if (!plain || sm4_ctr(k->enc, nonce, ct, (size_t)n, (unsigned char *)plain))
		goto out;
	plain[n] = '\0';
	*out = plain;
	plain = NULL;
	rc = 0;
out:
	if (plain) {
		crypto_wipe(plain, (size_t)n + 1);
		free(plain);
	}
	free(ct);
	return rc;
}

void crypto_lookup_hash(const struct crypto_keys *k, const char *domain, const char *value,
                        char out[96])
{
	unsigned char mac[SM3_LEN];
	struct part parts[] = {{domain, strlen(domain) + 1}, {value, strlen(value)}};
	hmac_parts(k->lookup, sizeof(k->lookup), parts, 2, mac);
	size_t idlen = strnlen(k->key_id, 8);
	memcpy(out, "h1$", 3);
	memcpy(out + 3, k->key_id, idlen);
	out[3 + idlen] = '$';
	crypto_hex(mac, sizeof(mac), out + 4 + idlen);
}

int crypto_token(size_t n, char *out)
{
	unsigned char *buf = malloc(n ? n : 1);
	int rc = -1;
	if (!buf || crypto_random(buf, n))
		goto out;
	crypto_b64url(buf, n, out);
	rc = 0;
out:
	if (buf)
		crypto_wipe(buf, n);
	free(buf);
	return rc;
}
