/* Writes the sheets we hand to cadres (exports, import templates, error
 * reports) through libxlsxwriter, all in one house style: a bold frozen
 * header row, columns wide enough for Chinese text, every cell text (so
 * 身份证号 and phone numbers keep their digits, and a template column typed
 * into stays text), and drop-down lists for coded columns.
 *
 * Calls are made in order: open, header, lists, rows, close. Errors are
 * sticky, as with a FILE: a failed call returns -1 and so do the ones after
 * it, and xlsx_out_close() reports the first error. */
#ifndef GH_XLSX_WRITE_H
#define GH_XLSX_WRITE_H

#include "core/err.h"

struct xlsx_out;

/* Starts a workbook at path (written at close). constant_memory keeps only
 * the current row in memory, for exports of any size; rows then go out as
 * inline strings rather than a shared-string table. *out is freed by
 * xlsx_out_close(). */
int xlsx_out_open(const char *path, int constant_memory, struct xlsx_out **out, struct err *e);

/* Writes titles[0..n) as the bold header row and freezes it. */
int xlsx_out_header(struct xlsx_out *o, const char *const *titles, int n);

/* Offers choices[0..n) as a drop-down on column col (0-based) for rows
 * 2..100000. Short lists go inline; lists past Excel's 255-character limit,
 * or with a comma or quote in a choice, go on a hidden sheet. The strings
 * are copied. */
int xlsx_out_list(struct xlsx_out *o, int col, const char *const *choices, int n);

/* Writes the next row; NULL or "" cells stay empty. */
int xlsx_out_row(struct xlsx_out *o, const char *const *cells, int n);

/* Finishes and writes the file, frees o, and returns 0, or -1 with the
 * first error in e (and no file left behind). NULL is fine. */
int xlsx_out_close(struct xlsx_out *o, struct err *e);

#endif
