/* Arithmetic on materialized org paths ("/1/12/345/"), kept apart from
 * access.c so the tree store and its tests need no request machinery. */
#include <string.h>

#include "platform/access.h"

/* '0' is the byte right after '/', so every path that starts with "/1/12/"
 * sorts before "/1/120" and every other one ("/1/120/", "/1/13/") does not.
 * A path that is malformed or does not fit yields "", an empty range: a
 * mistake here must hide rows, never show more of them. */
void access_subtree_hi(const char *path, char *hi, size_t hilen)
{
	size_t len = path ? strlen(path) : 0;
	if (hilen == 0)
		return;
	hi[0] = '\0';
	if (len < 2 || path[0] != '/' || path[len - 1] != '/' || len >= hilen)
		return;
	memcpy(hi, path, len - 1);
	hi[len - 1] = '0';
	hi[len] = '\0';
}
