/* The house style for XLSX sheets, over libxlsxwriter. */
#include "xlsx_write.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "core/table_read.h"

#define LIST_ROWS    100000 /* rows 2..100000 get the drop-downs */
#define WIDTH_ROWS   1000   /* rows looked at to size the columns */
#define MAX_ROWS     1048576
#define MAX_COLS     16384
#define INLINE_LIMIT 255 /* Excel's limit on an inline list, commas included */

struct xlsx_out {
	lxw_workbook *wb;
	lxw_worksheet *ws, *lists;
	lxw_format *head, *text;
	lxw_row_t row;    /* next row to write */
	lxw_row_t nlists; /* rows used on the hidden sheet, one per list */
	double *width;    /* per column, in Excel's character units */
	int ncols;
	int failed;
	struct err err;
	char *path;
};

/* Debian's libxlsxwriter 1.1.4 copies the formula of a list validation
 * twice and frees one copy (fixed upstream since): some 20 bytes per
 * drop-down kept on the hidden sheet. The library has no frame pointers, so
 * LeakSanitizer's stack for it ends in lxw_strdup, which is all this names.
 * It keeps ASan builds (unit tests, the test server) quiet about that one
 * leak; builds without sanitizers never call it. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:lxw_strdup\n";
}

static int fail(struct xlsx_out *o, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct xlsx_out *o, enum err_code code, const char *fmt, ...)
{
	if (o->failed)
		return -1;
	o->failed = 1;
	va_list ap;
	va_start(ap, fmt);
	char m[sizeof(o->err.message)];
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	return err_set(&o->err, code, code == ERR_INTERNAL ? "xlsx_write" : NULL, NULL, "%s", m);
}

/* Excel sizes columns in widths of "0"; a CJK character takes two. */
static void fit(struct xlsx_out *o, int col, const char *s, double factor)
{
	if (col >= o->ncols) {
		double *w = realloc(o->width, (size_t)(col + 1) * sizeof(*w));
		if (!w)
			return; /* a narrow column is not worth failing for */
		for (int i = o->ncols; i <= col; i++)
			w[i] = 8;
		o->width = w;
		o->ncols = col + 1;
	}
	double units = 0, line = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n')
			line = 0;
		else if ((*p & 0xc0) != 0x80) /* count code points, not bytes */
			line += *p >= 0xe2 ? 2 : 1;
		units = line > units ? line : units;
	}
	double w = units * factor + 2;
	if (w > 60)
		w = 60;
	if (w > o->width[col])
		o->width[col] = w;
}

int xlsx_out_open(const char *path, int constant_memory, struct xlsx_out **out, struct err *e)
{
	*out = NULL;
	struct xlsx_out *o = calloc(1, sizeof(*o));
	if (!o || !(o->path = strdup(path))) {
		free(o);
		return err_set(e, ERR_INTERNAL, "out_of_memory", NULL,
		               "内存不足，无法生成 Excel 文件");
	}
	lxw_workbook_options opt = {.constant_memory = constant_memory ? LXW_TRUE : LXW_FALSE};
	o->wb = workbook_new_opt(path, &opt);
	o->ws = o->wb ? workbook_add_worksheet(o->wb, NULL) : NULL;
	if (!o->ws) {
		if (o->wb)
			workbook_close(o->wb);
		free(o->path);
		free(o);
		return err_set(e, ERR_INTERNAL, "xlsx_write", NULL, "无法创建 Excel 文件");
	}
	o->text = workbook_add_format(o->wb);
	format_set_num_format(o->text, "@");
	o->head = workbook_add_format(o->wb);
	format_set_num_format(o->head, "@");
	format_set_bold(o->head);
	format_set_bg_color(o->head, 0xDDEBF7);
	format_set_border(o->head, LXW_BORDER_THIN);
	*out = o;
	return 0;
}

/* Writes one cell as text; invalid UTF-8 (which Excel refuses to open) is
 * mended with U+FFFD first. */
static int put(struct xlsx_out *o, lxw_worksheet *ws, lxw_row_t r, int c, const char *s,
               lxw_format *f)
{
	char *fixed = NULL;
	size_t n = strlen(s), ok = table_utf8_valid((const unsigned char *)s, n);
	if (ok != n) {
		fixed = malloc(3 * n + 1);
		if (!fixed)
			return fail(o, ERR_INTERNAL, "内存不足，无法生成 Excel 文件");
		size_t at = 0;
		for (size_t i = 0; i < n;) {
			ok = table_utf8_valid((const unsigned char *)s + i, n - i);
			memcpy(fixed + at, s + i, ok);
			at += ok;
			i += ok;
			if (i < n) {
				memcpy(fixed + at, "\xEF\xBF\xBD", 3);
				at += 3;
				i++;
			}
		}
		fixed[at] = '\0';
		s = fixed;
	}
	lxw_error rc = worksheet_write_string(ws, r, (lxw_col_t)c, s, f);
	free(fixed);
	if (rc == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED)
		return fail(o, ERR_INVALID,
		            "第 %u 行第 %d 列的内容过长（Excel 单元格最多 32767 个字符）", r + 1,
		            c + 1);
	if (rc != LXW_NO_ERROR)
		return fail(o, ERR_INTERNAL, "写入 Excel 单元格失败：%s", lxw_strerror(rc));
	return 0;
}

static int write_row(struct xlsx_out *o, const char *const *cells, int n, lxw_format *f)
{
	if (o->failed)
		return -1;
	if (o->row >= MAX_ROWS)
		return fail(o, ERR_INVALID, "行数超过 Excel 的上限（%d 行），请分批导出", MAX_ROWS);
	if (n > MAX_COLS)
		return fail(o, ERR_INVALID, "列数超过 Excel 的上限（%d 列）", MAX_COLS);
	for (int i = 0; i < n; i++) {
		if (!cells[i] || !cells[i][0])
			continue;
		if (put(o, o->ws, o->row, i, cells[i], f))
			return -1;
		if (o->row <= WIDTH_ROWS)
			fit(o, i, cells[i], f == o->head ? 1.2 : 1);
	}
	o->row++;
	return 0;
}

int xlsx_out_header(struct xlsx_out *o, const char *const *titles, int n)
{
	if (!o->failed && o->row != 0)
		return fail(o, ERR_INTERNAL, "表头必须是第一行");
	if (write_row(o, titles, n, o->head))
		return -1;
	worksheet_freeze_panes(o->ws, 1, 0);
	return 0;
}

/* "A".."XFD" for a 0-based column. */
static void col_name(int c, char out[4])
{
	char tmp[4];
	int n = 0;
	for (c++; c > 0; c = (c - 1) / 26)
		tmp[n++] = (char)('A' + (c - 1) % 26);
	for (int i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
}

int xlsx_out_list(struct xlsx_out *o, int col, const char *const *choices, int n)
{
	if (o->failed)
		return -1;
	if (col < 0 || col >= MAX_COLS || n < 1 || n > MAX_COLS)
		return fail(o, ERR_INTERNAL, "下拉列表参数不正确（第 %d 列，%d 个选项）", col + 1,
		            n);
	size_t total = (size_t)n - 1;
	int inline_ok = 1;
	for (int i = 0; i < n; i++) {
		total += strlen(choices[i]);
		inline_ok &= !strpbrk(choices[i], ",\"");
	}
	lxw_data_validation dv = {
	    .validate = LXW_VALIDATION_TYPE_LIST,
	    .error_title = "输入有误",
	    .error_message = "请从下拉列表中选择",
	};
	char formula[64], last[4];
	char **list = NULL;
	if (inline_ok && total <= INLINE_LIMIT) {
		if (!(list = calloc((size_t)n + 1, sizeof(*list))))
			return fail(o, ERR_INTERNAL, "内存不足，无法生成 Excel 文件");
		memcpy(list, choices, (size_t)n * sizeof(*list));
		dv.value_list = list;
	} else {
		if (!o->lists) {
			o->lists = workbook_add_worksheet(o->wb, "lists");
			if (!o->lists)
				return fail(o, ERR_INTERNAL, "无法创建下拉选项工作表");
			worksheet_hide(o->lists);
		}
		/* one row per list, so constant-memory mode writes rows in order */
		for (int i = 0; i < n; i++)
			if (choices[i][0] && put(o, o->lists, o->nlists, i, choices[i], o->text))
				return -1;
		o->nlists++;
		col_name(n - 1, last);
		snprintf(formula, sizeof(formula), "=lists!$A$%u:$%s$%u", o->nlists, last,
		         o->nlists);
		dv.validate = LXW_VALIDATION_TYPE_LIST_FORMULA;
		dv.value_formula = formula;
	}
	lxw_error rc = worksheet_data_validation_range(o->ws, 1, (lxw_col_t)col, LIST_ROWS - 1,
	                                               (lxw_col_t)col, &dv);
	free(list);
	if (rc != LXW_NO_ERROR)
		return fail(o, ERR_INTERNAL, "设置下拉列表失败：%s", lxw_strerror(rc));
	return 0;
}

int xlsx_out_row(struct xlsx_out *o, const char *const *cells, int n)
{
	return write_row(o, cells, n, o->text);
}

int xlsx_out_close(struct xlsx_out *o, struct err *e)
{
	if (!o)
		return 0;
	/* the text format on whole columns keeps what a cadre types into a
	 * template as text too */
	for (int i = 0; i < o->ncols; i++)
		worksheet_set_column(o->ws, (lxw_col_t)i, (lxw_col_t)i, o->width[i], o->text);
	lxw_error rc = workbook_close(o->wb);
	if (rc != LXW_NO_ERROR)
		fail(o, ERR_INTERNAL, "生成 Excel 文件失败：%s", lxw_strerror(rc));
	int ret = 0;
	if (o->failed) {
		unlink(o->path);
		*e = o->err;
		ret = -1;
	}
	free(o->width);
	free(o->path);
	free(o);
	return ret;
}
