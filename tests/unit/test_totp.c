/* TOTP against RFC 6238 Appendix B (SHA1, last 6 of the 8 digits) and
 * base32 against RFC 4648 section 10. */
#include "unit.h"

#include "core/totp.h"

static const unsigned char secret[] = "12345678901234567890";
#define SECRET secret, 20

static void test_rfc6238_vectors(void **state)
{
	(void)state;
	static const struct {
		int64_t t;
		int code;
	} v[] = {
	    {59, 287082},       {1111111109, 81804},  {1111111111, 50471},
	    {1234567890, 5924}, {2000000000, 279037}, {20000000000, 353130},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(totp_code(SECRET, v[i].t), v[i].code);
	assert_int_equal(totp_code(SECRET, 30), totp_code(SECRET, 59));
	assert_int_not_equal(totp_code(SECRET, 59), totp_code(SECRET, 60));
}

static void test_verify(void **state)
{
	(void)state;
	const int64_t t = 1111111109; /* step 37037036; code 081804 */
	assert_int_equal(totp_verify(SECRET, "081804", t), 37037036);
	assert_int_equal(totp_verify(SECRET, "081804", t + 30), 37037036);
	assert_int_equal(totp_verify(SECRET, "081804", t - 30), 37037036);
	assert_int_equal(totp_verify(SECRET, "081804", t + 60), 0);
	assert_int_equal(totp_verify(SECRET, "081804", t - 60), 0);
	assert_int_equal(totp_verify(SECRET, "081805", t), 0);
	const char *shape[] = {"81804",  "0818040", " 81804",      "08180a",
	                       "+81804", "",        "０８１８０４"};
	for (size_t i = 0; i < sizeof(shape) / sizeof(shape[0]); i++)
		if (totp_verify(SECRET, shape[i], t))
			fail_msg("accepted %s", shape[i]);
	assert_int_equal(totp_verify(SECRET, NULL, t), 0);
	assert_int_equal(totp_verify((const unsigned char *)"other secret", 12, "081804", t), 0);
}

static void test_base32(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} v[] = {
	    {"", ""},
	    {"f", "MY"},
	    {"fo", "MZXQ"},
	    {"foo", "MZXW6"},
	    {"foob", "MZXW6YQ"},
	    {"fooba", "MZXW6YTB"},
	    {"foobar", "MZXW6YTBOI"},
	    {"12345678901234567890", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"},
	};
	char out[64];
	unsigned char raw[64];
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = strlen(v[i].in);
		totp_base32((const unsigned char *)v[i].in, n, out);
		assert_string_equal(out, v[i].out);
		assert_int_equal(totp_unbase32(out, raw, sizeof(raw)), n);
		assert_memory_equal(raw, v[i].in, n);
	}
	assert_int_equal(totp_unbase32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq", raw, sizeof(raw)),
	                 20);
	assert_memory_equal(raw, secret, 20);
	unsigned char all[256];
	char long_out[8 * ((256 + 4) / 5) + 1];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	totp_base32(all, sizeof(all), long_out);
	assert_int_equal(strlen(long_out), (256 * 8 + 4) / 5);
	assert_int_equal(totp_unbase32(long_out, raw, 64), -1); /* no room */
	unsigned char back[256];
	assert_int_equal(totp_unbase32(long_out, back, sizeof(back)), 256);
	assert_memory_equal(back, all, 256);

	const char *bad[] = {"M", "MZX", "MZXW6Y", "MZ", "MY======", "MY1", "MY8", "M-Y"};
	/* "MZ": its last 2 bits must be zero for a canonical encoding of one byte */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (totp_unbase32(bad[i], raw, sizeof(raw)) != -1)
			fail_msg("accepted %s", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc6238_vectors),
	    cmocka_unit_test(test_verify),
	    cmocka_unit_test(test_base32),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
