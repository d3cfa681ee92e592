/* One row of an import file, read the way a cadre fills it in: the
 * columns found by their header names (in any order, unknown ones
 * ignored), code-table values given as names or codes, dates in the forms
 * Excel and people write. Every problem of a row is collected, not only
 * the first, so the error report lists them all. The header and cell
 * helpers serve every kind of import; the member row (15-digit 身份证号
 * converted) is this file's own. Pure: no database (the org, duplicate and
 * "already filed" checks are the kind's, import_members.c). */
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

enum { IMPORT_MAX_COLS = 24 };

struct import_column {
	const char *title; /* the header the template writes, "身份证号" */
	const char *table; /* the code table of its values, or NULL */
	int required;      /* a file without this column is refused */
	/* the template's drop-down when the values are no code table
	 * (NULL-terminated), or NULL */
	const char *const *choices;
};

struct import_alias {
	const char *alias; /* another name a column goes by, "身份证号码" */
	int col;
};

/* A kind of file: its columns in template order, the other names they go
 * by, and the two columns that tell the header row from a title line
 * above it. Static. */
struct import_layout {
	const struct import_column *cols;
	int ncols; /* at most IMPORT_MAX_COLS */
	const struct import_alias *aliases;
	int naliases;
	int key[2];
};

/* In template order: the layout of `gonghui gen-members` and of the
 * template download. Static. */
extern const struct import_column import_columns[IC_COUNT];
extern const struct import_layout import_member_layout;

/* Where each column is in the file. */
struct import_header {
	int at[IMPORT_MAX_COLS]; /* index of the cell, -1 when the file has no such column */
	int n;                   /* cells of the header row */
	char **titles;           /* the header row as written, for the error report (malloc'd) */
	int64_t line;
};

/* Reads row as the header row of layout l. Returns 1 with h filled
 * (release it with import_header_release()) when row names both key
 * columns; 0 when it does not (a title line above the header: try the next
 * row); -1 with e filled (ERR_INVALID, slug bad_header) for a header
 * missing a required column or naming one twice. */
int import_header_read(const struct import_layout *l, const struct table_row *row,
                       struct import_header *h, struct err *e);
void import_header_release(struct import_header *h);

/* Cell col of row without surrounding blanks (ASCII, U+3000, U+FEFF,
 * U+00A0), in a; "" when the file has no such column. */
const char *import_cell(const struct import_header *h, const struct table_row *row, int col,
                        struct arena *a);

/* Characters (code points) in UTF-8 s. */
size_t import_chars(const char *s);

/* What the shared passes keep of every row, whatever its kind: the first
 * member of each kind's row. */
struct import_rec {
	int64_t line;
	int ncells;
	const char **cells; /* the row as written, for the error report (arena) */
	int nwhy;
	const char *why; /* the reasons, joined by "；" (arena); NULL when none */
};

/* A row as read: the member it describes and what is wrong with it. */
struct import_row {
	struct import_rec rec;  /* first: the shared passes see the row as this */
	struct member_input in; /* codes, not names; strings in the arena */
	char id18[19];          /* the 身份证号 as stored, when id_ok */
	int id_ok;              /* a valid number: the duplicate and filed checks apply */
	const char *org_text;   /* 所属工会编号 as written ("" when blank) */
};

/* Parses row into out (its rec's reasons start over; line and cells are
 * kept), strings in a. default_org is used when the row's
 * 所属工会编号 is blank (0: none, which is then a reason). today
 * ("YYYY-MM-DD") is the latest 入会日期 allowed: one date for the whole
 * file, so a pass that crosses midnight judges every row alike. Returns
 * nwhy. */
int import_row_parse(const struct import_header *h, const struct table_row *row,
                     int64_t default_org, const char *today, struct arena *a,
                     struct import_row *out);

/* Adds a reason to r (the message is copied into a). */
void import_row_fail(struct import_rec *r, struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Normalises a date as people and spreadsheets write it (2020-5-1,
 * 2020/05/01, 2020.5.1, 20200501, 2020年5月1日, "2020-05-01 00:00:00") to
 * "YYYY-MM-DD" in out (11 bytes). -1 when s has none of these shapes; the
 * date itself is checked by valid_date(). */
int import_date(const char *s, char out[11]);

#endif
