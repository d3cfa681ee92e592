/* Pinyin initials of a person's name, for search by initials ("zsf" finds
 * 张三丰). Backed by ICU's "Han-Latin" transliterator. */
#ifndef GH_PINYIN_H
#define GH_PINYIN_H

#include <stddef.h>

/* Writes the lower-case ASCII initials of name (UTF-8) to primary: one
 * letter per Chinese character, from ICU's reading of it ("张三丰" → "zsf").
 * A run of ASCII letters is a word and gives its first letter only, so a
 * name reads as initials throughout ("Anna 李" → "al", "李A" → "la").
 * Everything else (·, spaces, digits, punctuation, characters ICU has no
 * reading for) gives nothing.
 *
 * When the name starts with a surname that reads differently as a surname
 * (单 shan, 曾 zeng, 解 xie, 尉迟 yuchi …) and ICU's reading differs, alt
 * gets the initials with the surname reading ("单雄信": primary "dxx",
 * alt "sxx"); otherwise alt is "". alt may be NULL (with alen 0).
 *
 * Both outputs are always NUL-terminated and cut to fit plen / alen; 32
 * bytes hold any real name. Returns 0, or -1 with both outputs empty when
 * name is NULL, not valid UTF-8, or ICU cannot be loaded.
 *
 * Thread-safe. Each thread opens its own transliterator on first use
 * (opening one takes milliseconds, using one is not thread-safe); it is
 * closed when the thread exits, and the main thread's lives until the
 * process ends. The initial of each common Han character is remembered
 * process-wide after its first use, so a name of known characters takes
 * no ICU call. */
int pinyin_initials(const char *name, char *primary, size_t plen, char *alt, size_t alen);

/* pinyin_initials() asking ICU for every character, past the process-wide
 * cache of each character's initial: what the cache must always agree
 * with, for tests. */
int pinyin_initials_uncached(const char *name, char *primary, size_t plen, char *alt, size_t alen);

#endif
