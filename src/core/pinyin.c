#include "pinyin.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>
#include <unicode/utrans.h>

/* Surnames whose surname reading differs from the everyday one, and that
 * reading's initials. Two-character surnames come first so that 单于 wins
 * over 单. An entry whose reading equals ICU's produces no alt, which keeps
 * the table correct if ICU's data changes. */
static const struct {
	const char *surname, *initials;
} surnames[] = {
    {"单于", "cy"}, {"尉迟", "yc"}, {"单", "s"}, {"曾", "z"}, {"解", "x"}, {"仇", "q"}, {"区", "o"},
    {"朴", "p"},    {"查", "z"},    {"盖", "g"}, {"缪", "m"}, {"乐", "y"}, {"召", "s"}, {"尉", "y"},
    {"覃", "q"},    {"种", "c"},    {"员", "y"}, {"繁", "p"}, {"长", "c"}, {"都", "d"},
};

/* Names are short; anything longer is cut at this many initials. */
enum { MAX_INITIALS = 255 };

/* The initial of every BMP Han code point of CJK Extension A and the
 * Unified Ideographs (where nearly every name character lives), learnt
 * from ICU the first time a name uses it: a transliteration costs
 * microseconds, and an import of a million names asks for the same few
 * thousand characters again and again. ICU's answer for one code point
 * never changes, so threads that learn the same one at once store the
 * same byte; relaxed atomics make that race harmless. 0: not asked yet;
 * NO_INITIAL: not Han or no reading; else the letter. */
enum { CACHE_FIRST = 0x3400, CACHE_END = 0xA000, NO_INITIAL = 1 };
static _Atomic unsigned char initials_cache[CACHE_END - CACHE_FIRST];

static pthread_key_t trans_key;
static pthread_once_t trans_once = PTHREAD_ONCE_INIT;
static int trans_key_ok;

static void trans_close(void *t)
{
	utrans_close(t);
}

static void trans_key_create(void)
{
	trans_key_ok = pthread_key_create(&trans_key, trans_close) == 0;
}

/* This thread's transliterator, opened on first use; NULL when ICU fails. */
static UTransliterator *trans_get(void)
{
	pthread_once(&trans_once, trans_key_create);
	if (!trans_key_ok)
		return NULL;
	UTransliterator *t = pthread_getspecific(trans_key);
	if (t)
		return t;
	UChar id[16];
	UErrorCode st = U_ZERO_ERROR;
	u_uastrcpy(id, "Han-Latin");
	t = utrans_openU(id, -1, UTRANS_FORWARD, NULL, -1, NULL, &st);
	if (U_FAILURE(st))
		return NULL;
	if (pthread_setspecific(trans_key, t)) {
		utrans_close(t);
		return NULL;
	}
	return t;
}

/* The lower-case ASCII letter a pinyin syllable starts with, with its tone
 * mark stripped (ā → a, é → e), or 0 when u is not a Latin letter. */
static char ascii_initial(UChar u)
{
	if (u >= 'A' && u <= 'Z')
		return (char)(u - 'A' + 'a');
	if (u >= 'a' && u <= 'z')
		return (char)u;
	if (u < 0x80)
		return 0;
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *nfd = unorm2_getNFDInstance(&st);
	UChar dec[8];
	int32_t n = U_SUCCESS(st) ? unorm2_getDecomposition(nfd, u, dec, 8, &st) : 0;
	return U_SUCCESS(st) && n > 0 && dec[0] < 0x80 ? ascii_initial(dec[0]) : 0;
}

/* The initial of one Han character as ICU reads it, or 0 without a reading
 * (ICU then leaves the character as it is). Characters go one at a time:
 * on a whole string ICU's spacing between syllables is not reliable. */
static char han_initial(UTransliterator *t, UChar32 c)
{
	UChar buf[32];
	int32_t len = 0, limit;
	UErrorCode st = U_ZERO_ERROR;
	U16_APPEND_UNSAFE(buf, len, c);
	limit = len;
	utrans_transUChars(t, buf, &len, (int32_t)(sizeof(buf) / sizeof(buf[0])), 0, &limit, &st);
	return U_SUCCESS(st) && len > 0 ? ascii_initial(buf[0]) : 0;
}

/* The initial of non-ASCII c (0 for none), from the cache when cached is
 * set and c is in its range; -1 when ICU cannot be loaded. *t is this
 * thread's transliterator, fetched on first need. */
static int initial_of(UChar32 c, int cached, UTransliterator **t)
{
	_Atomic unsigned char *slot =
	    cached && c >= CACHE_FIRST && c < CACHE_END ? &initials_cache[c - CACHE_FIRST] : NULL;
	if (slot) {
		unsigned char v = atomic_load_explicit(slot, memory_order_relaxed);
		if (v)
			return v == NO_INITIAL ? 0 : v;
	}
	char letter = 0;
	UErrorCode st = U_ZERO_ERROR;
	if (uscript_getScript(c, &st) == USCRIPT_HAN && U_SUCCESS(st)) {
		if (!*t && !(*t = trans_get()))
			return -1;
		letter = han_initial(*t, c);
	}
	if (slot)
		atomic_store_explicit(slot, letter ? (unsigned char)letter : NO_INITIAL,
		                      memory_order_relaxed);
	return letter;
}

static int is_ascii_letter(UChar32 c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void put(char *dst, size_t dlen, const char *src)
{
	if (!dst || dlen == 0)
		return;
	size_t n = strlen(src);
	if (n >= dlen)
		n = dlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The surname entry name starts with (after ASCII spaces), or -1. */
static int surname_of(const char *name, size_t *bytes)
{
	size_t skip = strspn(name, " \t");
	for (size_t i = 0; i < sizeof(surnames) / sizeof(surnames[0]); i++) {
		size_t n = strlen(surnames[i].surname);
		if (!strncmp(name + skip, surnames[i].surname, n)) {
			*bytes = skip + n;
			return (int)i;
		}
	}
	return -1;
}

static int initials(const char *name, char *primary, size_t plen, char *alt, size_t alen,
                    int cached)
{
	/* alt may hold a two-letter surname reading where ICU gave one letter */
	char out[MAX_INITIALS + 1], alt_out[MAX_INITIALS + 4] = "";
	size_t n = 0, split = 0, surname_bytes = 0;
	put(primary, plen, "");
	put(alt, alen, "");
	if (!name)
		return -1;
	int32_t len = (int32_t)strnlen(name, INT32_MAX - 1), i = 0;
	int sn = surname_of(name, &surname_bytes);
	UTransliterator *t = NULL;
	int in_word = 0;
	while (i < len) {
		UChar32 c;
		U8_NEXT(name, i, len, c);
		if (c < 0)
			return -1;
		char letter = 0;
		if (is_ascii_letter(c)) {
			letter = in_word ? 0 : ascii_initial((UChar)c);
			in_word = 1;
		} else if (c >= 0x80) {
			in_word = 0;
			int got = initial_of(c, cached, &t);
			if (got < 0)
				return -1;
			letter = (char)got;
		} else {
			in_word = 0;
		}
		if (letter && n < MAX_INITIALS)
			out[n++] = letter;
		/* how many initials the surname produced, whatever ICU made of it */
		if (sn >= 0 && (size_t)i == surname_bytes)
			split = n;
	}
	out[n] = '\0';
	if (sn >= 0 && split > 0) {
		size_t m = strlen(surnames[sn].initials);
		memcpy(alt_out, surnames[sn].initials, m);
		memcpy(alt_out + m, out + split, n - split + 1);
		if (!strcmp(alt_out, out))
			alt_out[0] = '\0';
	}
	put(primary, plen, out);
	put(alt, alen, alt_out);
	return 0;
}

int pinyin_initials(const char *name, char *primary, size_t plen, char *alt, size_t alen)
{
	return initials(name, primary, plen, alt, alen, 1);
}

int pinyin_initials_uncached(const char *name, char *primary, size_t plen, char *alt, size_t alen)
{
	return initials(name, primary, plen, alt, alen, 0);
}
