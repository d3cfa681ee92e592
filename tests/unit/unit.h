/* Shared includes for the cmocka unit tests. */
#ifndef GH_UNIT_H
#define GH_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The PostgreSQL URL that scripts/with-pg.sh exports for the run, or NULL.
 * Tests that need PostgreSQL skip when it is absent; scripts/test.sh always
 * sets it, so `make test` never skips them. */
static inline const char *unit_pg_url(void)
{
	const char *u = getenv("GONGHUI_TEST_PG");
	return u && *u ? u : NULL;
}

/* The shared/ folder beside the checkout, for conformance suites. */
static inline const char *unit_shared_dir(void)
{
	const char *s = getenv("GONGHUI_SHARED_DIR");
	return s && *s ? s : "../shared";
}

#endif
