/* Reads the rows of an uploaded table, CSV (UTF-8 or GBK/GB18030) or XLSX,
 * one at a time, whatever the file is named: the format is sniffed from the
 * content. Cells always come out as UTF-8 text, so an importer sees the same
 * thing for a cadre's Excel file and for the CSV the same cadre saved from
 * it. Neither reader holds the whole file in memory. An XLSX file gives
 * the rows of its first visible sheet.
 *
 * Errors are ERR_INVALID with a Chinese message naming the line, and one of
 * these slugs: unsupported_file, broken_csv, mixed_encoding, bad_encoding,
 * cell_too_long, too_many_columns, broken_xlsx, xlsx_too_large. Failing to
 * read the file itself is ERR_INTERNAL "file_read". */
#ifndef GH_TABLE_READ_H
#define GH_TABLE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct table_reader;

/* One row. cells[i] is NUL-terminated UTF-8 of lens[i] bytes, owned by the
 * reader and valid until the next table_next() or table_close(). A cell
 * may hold a newline. n counts up to the last cell present: XLSX rows drop
 * trailing empty cells, so treat a missing cell as empty. line is the
 * 1-based physical line where a CSV record starts, or the XLSX row number;
 * it is what an error report shows the cadre. */
struct table_row {
	int n;
	const char **cells;
	size_t *lens;
	int64_t line;
};

/* Hard limits, also what the error messages quote. */
#define TABLE_MAX_CELL    (1u << 20) /* bytes in one cell */
#define TABLE_MAX_COLUMNS 16384      /* Excel's own column limit (XFD) */

/* Opens path for reading. On success *out is a reader the caller frees with
 * table_close(); on failure *out is NULL and e says why. */
int table_open(const char *path, struct table_reader **out, struct err *e);

/* The same over size bytes at data, which the caller keeps alive and
 * unchanged until table_close(). For tests and the fuzzer. */
int table_open_mem(const void *data, size_t size, struct table_reader **out, struct err *e);

/* Returns 1 and fills row with the next row that has a non-empty cell, 0 at
 * the end, -1 with e filled on error (after which only table_close()). */
int table_next(struct table_reader *t, struct table_row *row, struct err *e);

/* "csv" or "xlsx". */
const char *table_format(const struct table_reader *t);

/* Frees the reader and closes its file. NULL is fine. */
void table_close(struct table_reader *t);

/* Below: shared between table_read.c and the two readers only. */

struct csv_reader;
struct xlsx_reader;

/* fd >= 0 reads the file from offset 0 (the reader does not close it);
 * fd < 0 reads the size bytes at mem. Fails with unsupported_file when the
 * first block is not text. */
int csv_reader_open(int fd, const unsigned char *mem, size_t size, struct csv_reader **out,
                    struct err *e);
int csv_reader_next(struct csv_reader *c, struct table_row *row, struct err *e);
void csv_reader_free(struct csv_reader *c);

/* Reads the workbook in za (which has an xl/workbook.xml) and takes za
 * over, also on failure. */
struct zip;
int xlsx_reader_open(struct zip *za, struct xlsx_reader **out, struct err *e);
int xlsx_reader_next(struct xlsx_reader *x, struct table_row *row, struct err *e);
void xlsx_reader_free(struct xlsx_reader *x);

/* The one message for every file we do not read; returns -1. */
int table_unsupported(struct err *e);

/* Length of the longest prefix of s[0..n) that is well-formed UTF-8
 * (no overlongs, surrogates or code points past U+10FFFF). */
size_t table_utf8_valid(const unsigned char *s, size_t n);

/* realloc to at least need elements, doubling; -1 when out of memory. */
int table_grow(void **p, size_t *cap, size_t need, size_t elem);

/* How large an XLSX part may be unzipped: the sheet is streamed, so only
 * time grows with it (our own export of a million members is over 512 MiB);
 * the parts read whole (shared strings, styles, workbook) stay in memory.
 * Past the first MiB no part may unzip to more than XLSX_MAX_RATIO times
 * its compressed size: that is a zip bomb, not a spreadsheet. */
#define XLSX_MAX_STREAMED ((uint64_t)4 << 30)
#define XLSX_MAX_WHOLE    ((uint64_t)512 << 20)
#define XLSX_MAX_RATIO    200

/* 1 when a part of size bytes, comp compressed (0: unknown), may be read;
 * streamed for the sheet. */
int xlsx_part_size_ok(uint64_t size, uint64_t comp, int streamed);

/* What a cell style's number format shows a number as. */
enum xlsx_kind { XLSX_NUMBER, XLSX_DATE, XLSX_DATETIME, XLSX_TIME };

/* The kind of custom format code, or with code NULL of built-in format id. */
enum xlsx_kind xlsx_format_kind(int id, const char *code);

/* The text Excel shows for the number raw (a <v>) in a style of kind k:
 * YYYY-MM-DD[ HH:MM:SS] or HH:MM:SS for dates and times, 15 significant
 * digits for fractions stored with 17. 0 with out filled, or -1 to show
 * raw as it is. */
int xlsx_number_text(const char *raw, enum xlsx_kind k, int date1904, char out[32]);

/* Decodes _xHHHH_ escapes in s[0..n) in place; returns the new length. */
size_t xlsx_unescape(char *s, size_t n);

#endif
