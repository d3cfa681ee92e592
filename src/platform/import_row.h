/* One row of a member import file, read the way a cadre fills it in: the
 * columns found by their header names (in any order, unknown ones
 * ignored), code-table values given as names or codes, dates in the forms
 * Excel and people write, 15-digit 身份证号 converted. Every problem of a
 * row is collected, not only the first, so the error report lists them all.
 * Pure: no database (the org, duplicate and "already filed" checks are
 * import_job.c's). */
#ifndef GH_IMPORT_ROW_H
#define GH_IMPORT_ROW_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/table_read.h"
#include "member.h"

enum import_col {
	IC_NAME,
	IC_ID_CARD,
	IC_PHONE,
	IC_ETHNICITY,
	IC_POLITICAL,
	IC_EDUCATION,
	IC_HUKOU,
	IC_EMPLOYMENT,
	IC_FLEXIBLE,
	IC_EMPLOYER,
	IC_JOINED_ON,
	IC_ORG,
	IC_COUNT
};

struct import_column {
	const char *title; /* the header the template writes, "身份证号" */
	const char *table; /* the code table of its values, or NULL */
	int required;      /* a file without this column is refused */
};

/* In template order: the layout of `gonghui gen-members` and of the
 * template download. Static. */
extern const struct import_column import_columns[IC_COUNT];

/* Where each column is in the file. */
struct import_header {
	int at[IC_COUNT]; /* index of the cell, -1 when the file has no such column */
	int n;            /* cells of the header row */
	char **titles;    /* the header row as written, for the error report (malloc'd) */
	int64_t line;
};

/* Reads row as the header row. Returns 1 with h filled (release it with
 * import_header_release()) when row names both 姓名 and 身份证号; 0 when
 * it does not (a title line above the header: try the next row); -1 with e
 * filled (ERR_INVALID, slug bad_header) for a header missing a required
 * column or naming one twice. */
int import_header_read(const struct table_row *row, struct import_header *h, struct err *e);
void import_header_release(struct import_header *h);

/* A row as read: the member it describes and what is wrong with it. */
struct import_row {
	struct member_input in; /* codes, not names; strings in the arena */
	char id18[19];          /* the 身份证号 as stored, when id_ok */
	int id_ok;              /* a valid number: the duplicate and filed checks apply */
	const char *org_text;   /* 所属工会编号 as written ("" when blank) */
	int nwhy;
	const char *why; /* the reasons, joined by "；" (arena); NULL when none */
};

/* Parses row into out, strings in a. default_org is used when the row's
 * 所属工会编号 is blank (0: none, which is then a reason). today
 * ("YYYY-MM-DD") is the latest 入会日期 allowed: one date for the whole
 * file, so a pass that crosses midnight judges every row alike. Returns
 * nwhy. */
int import_row_parse(const struct import_header *h, const struct table_row *row,
                     int64_t default_org, const char *today, struct arena *a,
                     struct import_row *out);

/* Adds a reason to r (the message is copied into a). */
void import_row_fail(struct import_row *r, struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Normalises a date as people and spreadsheets write it (2020-5-1,
 * 2020/05/01, 2020.5.1, 20200501, 2020年5月1日, "2020-05-01 00:00:00") to
 * "YYYY-MM-DD" in out (11 bytes). -1 when s has none of these shapes; the
 * date itself is checked by valid_date(). */
int import_date(const char *s, char out[11]);

#endif
