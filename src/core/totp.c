#include "totp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

enum { STEP = 30, DIGITS = 1000000 };

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* -1 only if HMAC-SHA1 is unavailable. */
int totp_code(const unsigned char *secret, size_t n, int64_t t)
{
	int64_t step = t / STEP - (t % STEP < 0); /* floor, so t < 0 does not share step 0 */
	uint64_t counter = (uint64_t)step;
	unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	for (int i = 7; i >= 0; i--, counter >>= 8)
		msg[i] = (unsigned char)counter;
	if (n > INT32_MAX || !HMAC(EVP_sha1(), secret, (int)n, msg, sizeof(msg), mac, &len) ||
	    len != 20)
		return -1;
	int off = mac[19] & 15;
	uint32_t bin = (uint32_t)(mac[off] & 0x7f) << 24 | (uint32_t)mac[off + 1] << 16 |
	               (uint32_t)mac[off + 2] << 8 | mac[off + 3];
	OPENSSL_cleanse(mac, sizeof(mac));
	return (int)(bin % DIGITS);
}

int64_t totp_verify(const unsigned char *secret, size_t n, const char *code, int64_t now)
{
	int want = 0;
	int64_t step = 0;
	if (!code || strlen(code) != 6)
		return 0;
	for (int i = 0; i < 6; i++) {
		if (code[i] < '0' || code[i] > '9')
			return 0;
		want = want * 10 + (code[i] - '0');
	}
	/* all three steps are always computed, so timing does not say which matched */
	for (int d = -1; d <= 1; d++)
		if (totp_code(secret, n, now + d * STEP) == want)
			step = (now + d * STEP) / STEP;
	return step;
}

void totp_base32(const unsigned char *in, size_t n, char *out)
{
	unsigned bits = 0, nbits = 0;
	for (size_t i = 0; i < n; i++) {
		bits = (bits << 8) | in[i];
		nbits += 8;
		while (nbits >= 5) {
			nbits -= 5;
			*out++ = b32_alphabet[(bits >> nbits) & 31];
		}
	}
	if (nbits)
		*out++ = b32_alphabet[(bits << (5 - nbits)) & 31];
	*out = '\0';
}

int totp_unbase32(const char *in, unsigned char *out, size_t max)
{
	unsigned bits = 0, nbits = 0;
	size_t n = 0;
	for (; *in; in++) {
		if (*in == ' ')
			continue;
		char c = *in >= 'a' && *in <= 'z' ? (char)(*in - 'a' + 'A') : *in;
		const char *p = strchr(b32_alphabet, c);
		if (!p)
			return -1;
		bits = (bits << 5) | (unsigned)(p - b32_alphabet);
		nbits += 5;
		if (nbits >= 8) {
			nbits -= 8;
			if (n == max || n == INT32_MAX)
				return -1;
			out[n++] = (unsigned char)(bits >> nbits);
		}
	}
	/* a whole unused character, or stray bits, means a mistyped secret */
	if (nbits >= 5 || (bits & ((1u << nbits) - 1)))
		return -1;
	return (int)n;
}
