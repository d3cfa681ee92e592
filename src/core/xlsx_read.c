/* Streaming XLSX reader: libzip for the container, expat for the parts.
 * The workbook, its relationships, styles and shared strings are read
 * whole (they are small or needed by index); the sheet is fed to expat one
 * chunk at a time and the parser is suspended at each </row>, so memory is
 * the shared strings plus one row, whatever the sheet's size.
 *
 * Cells come out as the cadre saw them: shared and inline strings as text,
 * booleans TRUE/FALSE, numbers in a date style as YYYY-MM-DD, and other
 * numbers as stored in <v> (a 身份证号 typed as a number has already lost
 * its last digits there; the importer must say so, not us). */
#include "table_read.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define CHUNK    (64 * 1024)
#define MAX_ROWS 1048576 /* Excel's own row limit */

struct buf {
	char *p;
	size_t len, cap;
};

struct cell {
	int col;
	size_t off, len;
};

struct xlsx_reader {
	zip_t *za;
	struct err *e; /* where callbacks report */
	int failed;    /* e is set */
	int stop_ok;   /* parsing was stopped on purpose, not by an error */
	/* workbook.xml and its rels */
	char rid[64], first_rid[64], sheet[256], strings[256], styles[256];
	int date1904;
	/* styles.xml: custom formats, and each cellXfs entry's kind */
	struct {
		int id;
		enum xlsx_kind k;
	} fmts[256];
	int nfmts, in_xfs;
	unsigned char *xf;
	size_t nxf, xfcap;
	/* sharedStrings.xml: texts back to back, each NUL-ended */
	struct buf ss;
	size_t *ss_off, ss_n, ss_cap, start;
	int in_t, in_rph;
	/* the sheet and its current row */
	zip_file_t *zf;
	XML_Parser xp;
	zip_uint64_t read, size, limit;
	int suspended, final, done, ready, in_c, in_v, ctype, cstyle, ccol, next_col, cells_cap;
	int64_t row_num;
	struct buf rb; /* the row's cell texts, each NUL-ended */
	struct cell *cl;
	size_t ncl, clcap, *lens;
	const char **cells;
};

/* Records the first error and aborts the parse in progress, if any. */
static int fail(struct xlsx_reader *x, enum err_code code, const char *slug, const char *msg)
{
	if (!x->failed)
		err_set(x->e, code, slug, NULL, "%s", msg);
	x->failed = 1;
	if (x->xp)
		XML_StopParser(x->xp, XML_FALSE);
	return -1;
}

static int oom(struct xlsx_reader *x)
{
	return fail(x, ERR_INTERNAL, "out_of_memory", "内存不足，无法读取文件");
}

/* In the sheet, the message names the row. */
static int broken(struct xlsx_reader *x, const char *why)
{
	char m[240], at[48] = "";
	if (x->row_num)
		snprintf(at, sizeof(at), "工作表第 %lld 行：", (long long)x->row_num);
	snprintf(m, sizeof(m), "Excel 文件已损坏或无法读取（%s%s）", at, why);
	return fail(x, ERR_INVALID, "broken_xlsx", m);
}

static int put(struct xlsx_reader *x, struct buf *b, const char *s, size_t n)
{
	if (table_grow((void **)&b->p, &b->cap, b->len + n + 1, 1))
		return oom(x);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* A name without its prefix: producers differ in prefixes (the OpenXML
 * SDK writes <x:c>), and none uses our local names for anything else in
 * the parts and places we read. Namespace processing would check this
 * properly, and cost a third of the reading time. */
static const char *local(const char *name)
{
	const char *colon = strrchr(name, ':');
	return colon ? colon + 1 : name;
}

static const char *attr(const char **a, const char *want)
{
	for (; a[0]; a += 2) {
		const char *bar = strrchr(a[0], ':');
		if (strcmp(bar ? bar + 1 : a[0], want) == 0)
			return a[1];
	}
	return NULL;
}

/* <v>, <t> and <rPh> switch text collection on and off; 0 for others. */
static int text_tag(struct xlsx_reader *x, const char *l, int open)
{
	if (strcmp(l, "v") == 0)
		x->in_v = open;
	else if (strcmp(l, "t") == 0)
		x->in_t = open;
	else if (strcmp(l, "rPh") == 0)
		x->in_rph += open ? 1 : -1;
	else
		return 0;
	return 1;
}

int xlsx_part_size_ok(uint64_t size, uint64_t comp, int streamed)
{
	if (size > (streamed ? XLSX_MAX_STREAMED : XLSX_MAX_WHOLE))
		return 0;
	/* A small part may compress far better than 200:1 and is harmless. */
	return size <= (1u << 20) || size / (comp ? comp : 1) <= XLSX_MAX_RATIO;
}

/* Opens a part, refusing zip bombs: 1 when an optional part is absent.
 * streamed: the sheet, read a chunk at a time; other parts are read whole. */
static int open_part(struct xlsx_reader *x, const char *name, int required, int streamed,
                     zip_file_t **zf, zip_uint64_t *size)
{
	zip_int64_t i = zip_name_locate(x->za, name, ZIP_FL_NOCASE);
	zip_stat_t st;
	if (i < 0)
		return required ? broken(x, "缺少工作表") : 1;
	if (zip_stat_index(x->za, (zip_uint64_t)i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
		return broken(x, "ZIP 目录不完整");
	zip_uint64_t comp = st.valid & ZIP_STAT_COMP_SIZE ? st.comp_size : 0;
	if (!xlsx_part_size_ok(st.size, comp, streamed))
		return fail(x, ERR_INVALID, "xlsx_too_large",
		            "文件解压后过大（工作表超过 4 GiB、其他部分超过 512 MiB，或压缩比超过 "
		            "200 倍），请检查文件内容");
	*zf = zip_fopen_index(x->za, (zip_uint64_t)i, 0);
	if (!*zf)
		return broken(x, "无法解压，文件可能已加密");
	*size = st.size;
	x->limit = streamed ? XLSX_MAX_STREAMED : XLSX_MAX_WHOLE;
	return 0;
}

static void XMLCALL no_doctype(void *ud, const XML_Char *n, const XML_Char *s, const XML_Char *p,
                               int h)
{
	(void)n, (void)s, (void)p, (void)h;
	struct xlsx_reader *x = ud;
	broken(x, "含有 DTD");
}

static XML_Parser new_parser(struct xlsx_reader *x, XML_StartElementHandler st,
                             XML_EndElementHandler en, XML_CharacterDataHandler ch)
{
	XML_Parser p = XML_ParserCreate(NULL);
	if (!p)
		return NULL;
	XML_SetUserData(p, x);
	XML_SetElementHandler(p, st, en);
	XML_SetCharacterDataHandler(p, ch);
	/* Office never writes a DTD; refusing one refuses entity expansion. */
	XML_SetStartDoctypeDeclHandler(p, no_doctype);
	return p;
}

/* Feeds the next chunk, or resumes a suspended parse. Returns expat's
 * status, or -1 when reading or the size limits failed. */
static int feed(struct xlsx_reader *x)
{
	if (x->suspended) {
		x->suspended = 0;
		return XML_ResumeParser(x->xp);
	}
	void *b = XML_GetBuffer(x->xp, CHUNK);
	if (!b)
		return oom(x);
	zip_int64_t n = zip_fread(x->zf, b, CHUNK);
	if (n < 0)
		return broken(x, zip_file_strerror(x->zf));
	x->read += (zip_uint64_t)n;
	/* the directory may understate a part: what comes out counts */
	if (x->read > x->size || x->read > x->limit)
		return fail(x, ERR_INVALID, "xlsx_too_large", "文件解压后过大，请检查文件内容");
	x->final = n == 0;
	return XML_ParseBuffer(x->xp, (int)n, x->final);
}

static int xml_error(struct xlsx_reader *x, const char *name)
{
	if (x->failed)
		return -1;
	char m[160];
	snprintf(m, sizeof(m), "%s 第 %lu 行 XML 格式错误：%s", name,
	         (unsigned long)XML_GetCurrentLineNumber(x->xp),
	         XML_ErrorString(XML_GetErrorCode(x->xp)));
	return broken(x, m);
}

static void close_part(struct xlsx_reader *x)
{
	if (x->xp)
		XML_ParserFree(x->xp);
	if (x->zf)
		zip_fclose(x->zf);
	x->xp = NULL;
	x->zf = NULL;
	x->read = 0;
	x->suspended = x->final = x->stop_ok = 0;
}

static int ends(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);
	return n >= k && strcmp(s + n - k, tail) == 0;
}

/* The workbook's first visible sheet and 1904 flag; where its rels put the
 * sheet, styles and strings; the kind of each cell style; and the shared
 * strings, whose <t> text goes to add_text(). One handler for the four
 * parts, whose element names do not overlap. */
static void XMLCALL meta_start(void *ud, const XML_Char *name, const XML_Char **a)
{
	struct xlsx_reader *x = ud;
	const char *l = local(name), *v = NULL, *id = attr(a, "numFmtId");
	if (!l || x->failed)
		return;
	if (strcmp(l, "workbookPr") == 0 && (v = attr(a, "date1904")))
		x->date1904 = strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
	else if (strcmp(l, "sheet") == 0 && (v = attr(a, "id"))) {
		if (!x->first_rid[0])
			snprintf(x->first_rid, sizeof(x->first_rid), "%s", v);
		const char *state = attr(a, "state");
		/* our own templates keep drop-down choices on a hidden sheet */
		if (!x->rid[0] && (!state || strcmp(state, "visible") == 0))
			snprintf(x->rid, sizeof(x->rid), "%s", v);
	} else if (strcmp(l, "Relationship") == 0 && (v = attr(a, "Target"))) {
		const char *rid = attr(a, "Id"), *type = attr(a, "Type");
		type = type ? type : "";
		char *dst = rid && strcmp(rid, x->rid) == 0 ? x->sheet
		            : ends(type, "/sharedStrings")  ? x->strings
		            : ends(type, "/styles")         ? x->styles
		                                            : NULL;
		/* targets are relative to xl/, or absolute within the package */
		if (dst)
			snprintf(dst, sizeof(x->sheet), v[0] == '/' ? "%s" : "xl/%s",
			         v + (v[0] == '/'));
	} else if (strcmp(l, "numFmt") == 0 && id && (v = attr(a, "formatCode")) &&
	           x->nfmts < 256) {
		x->fmts[x->nfmts].id = atoi(id);
		x->fmts[x->nfmts++].k = xlsx_format_kind(0, v);
	} else if (strcmp(l, "cellXfs") == 0)
		x->in_xfs = 1;
	else if (strcmp(l, "xf") == 0 && x->in_xfs) {
		if (table_grow((void **)&x->xf, &x->xfcap, x->nxf + 1, 1)) {
			oom(x);
			return;
		}
		int n = id ? atoi(id) : 0;
		enum xlsx_kind k = xlsx_format_kind(n, NULL);
		for (int i = 0; i < x->nfmts; i++)
			if (x->fmts[i].id == n)
				k = x->fmts[i].k;
		x->xf[x->nxf++] = (unsigned char)k;
	} else if (strcmp(l, "si") == 0)
		x->start = x->ss.len;
	else
		text_tag(x, l, 1);
}

/* Text of <t> in a string item or a rich-text run, but not of <rPh>
 * (phonetic hints, which are not part of the cell's text), and of <v>. */
static void add_text(struct xlsx_reader *x, struct buf *b, const char *s, int n)
{
	if (x->failed || !((x->in_t && !x->in_rph) || x->in_v))
		return;
	if (b->len - x->start + (size_t)n <= TABLE_MAX_CELL) {
		put(x, b, s, (size_t)n);
		return;
	}
	char m[120];
	if (x->row_num)
		snprintf(m, sizeof(m), "第 %lld 行的单元格过长（超过 1 MiB）",
		         (long long)x->row_num);
	else
		snprintf(m, sizeof(m), "共享字符串中有单元格过长（超过 1 MiB）");
	fail(x, ERR_INVALID, "cell_too_long", m);
}

static void XMLCALL meta_text(void *ud, const XML_Char *s, int n)
{
	struct xlsx_reader *x = ud;
	add_text(x, &x->ss, s, n);
}

static void XMLCALL meta_end(void *ud, const XML_Char *name)
{
	struct xlsx_reader *x = ud;
	const char *l = local(name);
	if (!l || x->failed)
		return;
	if (strcmp(l, "cellXfs") == 0)
		x->in_xfs = 0;
	else if (!text_tag(x, l, 0) && strcmp(l, "si") == 0) {
		if (table_grow((void **)&x->ss_off, &x->ss_cap, x->ss_n + 1, sizeof(size_t)) ||
		    put(x, &x->ss, "", 0)) {
			oom(x);
			return;
		}
		x->ss.len = x->start + xlsx_unescape(x->ss.p + x->start, x->ss.len - x->start) + 1;
		x->ss_off[x->ss_n++] = x->start;
	}
}

/* Reads a whole part other than the sheet; 1 when an optional part is
 * absent. */
static int read_part(struct xlsx_reader *x, const char *name, int required)
{
	int rc = open_part(x, name, required, 0, &x->zf, &x->size);
	if (rc)
		return rc;
	if (!(x->xp = new_parser(x, meta_start, meta_end, meta_text)))
		rc = oom(x);
	while (!rc && !x->final) {
		int s = feed(x);
		if (s < 0)
			rc = -1;
		else if (s == XML_STATUS_ERROR && !x->stop_ok)
			rc = xml_error(x, name);
		else if (s == XML_STATUS_ERROR)
			break;
	}
	close_part(x);
	return rc;
}

enum ctype { T_NUM, T_SHARED, T_INLINE, T_STR, T_BOOL, T_ERROR, T_DATE };

/* "AB12" -> 27; -1 past XFD or without letters. */
static int col_of(const char *r)
{
	int c = 0, n = 0;
	for (; *r >= 'A' && *r <= 'Z'; r++, n++)
		c = c * 26 + (*r - 'A' + 1);
	return n == 0 || n > 3 || c > TABLE_MAX_COLUMNS ? -1 : c - 1;
}

static void XMLCALL sh_start(void *ud, const XML_Char *name, const XML_Char **a)
{
	struct xlsx_reader *x = ud;
	const char *l = local(name), *v;
	if (x->failed || !l)
		return;
	if (strcmp(l, "row") == 0) {
		long n = (v = attr(a, "r")) ? strtol(v, NULL, 10) : x->row_num + 1;
		x->row_num = n;
		if (n < 1 || n > MAX_ROWS)
			return (void)broken(x, "行号不正确");
		x->rb.len = x->ncl = 0;
		x->next_col = 0;
	} else if (strcmp(l, "c") == 0) {
		x->ccol = (v = attr(a, "r")) ? col_of(v) : x->next_col;
		if (x->ccol < 0 || x->ccol >= TABLE_MAX_COLUMNS)
			return (void)broken(x, "单元格位置不正确");
		x->next_col = x->ccol + 1;
		static const char *const types[] = {"n", "s", "inlineStr", "str", "b", "e", "d"};
		x->ctype = T_NUM;
		if ((v = attr(a, "t")))
			for (int i = 0; i < 7; i++)
				if (strcmp(v, types[i]) == 0)
					x->ctype = i;
		x->cstyle = (v = attr(a, "s")) ? atoi(v) : 0;
		x->in_c = 1;
		x->start = x->rb.len;
		put(x, &x->rb, "", 0);
	} else if (x->in_c)
		text_tag(x, l, 1);
}

static void XMLCALL sh_text(void *ud, const XML_Char *s, int n)
{
	struct xlsx_reader *x = ud;
	if (x->in_c)
		add_text(x, &x->rb, s, n);
}

/* Replaces the cell's raw text by what the cadre saw, and keeps it if it
 * is not empty. */
static void end_cell(struct xlsx_reader *x)
{
	char *raw = x->rb.p + x->start, tmp[32];
	size_t len = x->rb.len - x->start;
	const char *val = NULL;
	if (x->ctype == T_SHARED) {
		char *end;
		unsigned long i = strtoul(raw, &end, 10);
		if (end == raw || *end || i >= x->ss_n)
			return (void)broken(x, "共享字符串编号超出范围");
		val = x->ss.p + x->ss_off[i];
	} else if (x->ctype == T_BOOL && len)
		val = raw[0] == '1' ? "TRUE" : "FALSE";
	else if (x->ctype == T_INLINE || x->ctype == T_STR)
		x->rb.len = x->start + xlsx_unescape(raw, len);
	else if (x->ctype == T_DATE && len >= 19 && raw[10] == 'T') {
		/* ISO 8601 cells (Strict files): the date, and the time if any */
		raw[10] = ' ';
		x->rb.len = x->start + (strncmp(raw + 11, "00:00:00", 8) ? 19 : 10);
	} else if (x->ctype == T_NUM && len) {
		int k = x->cstyle >= 0 && (size_t)x->cstyle < x->nxf ? x->xf[x->cstyle] : 0;
		if (xlsx_number_text(raw, (enum xlsx_kind)k, x->date1904, tmp) == 0)
			val = tmp;
	}
	if (val) {
		x->rb.len = x->start;
		put(x, &x->rb, val, strlen(val));
	}
	len = x->rb.len - x->start;
	if (!len || table_grow((void **)&x->cl, &x->clcap, x->ncl + 1, sizeof(*x->cl)) ||
	    put(x, &x->rb, "", 0)) {
		x->rb.len = x->start;
		return;
	}
	x->cl[x->ncl++] = (struct cell){x->ccol, x->start, len};
	x->rb.len++; /* past the NUL */
}

/* Lays the row's cells out by column, empty where the sheet had none. */
static void end_row(struct xlsx_reader *x)
{
	int n = 0;
	for (size_t i = 0; i < x->ncl; i++)
		n = x->cl[i].col >= n ? x->cl[i].col + 1 : n;
	size_t c1 = (size_t)x->cells_cap, c2 = c1;
	if (table_grow((void **)&x->lens, &c1, (size_t)n, sizeof(*x->lens)) ||
	    table_grow((void **)&x->cells, &c2, (size_t)n, sizeof(*x->cells))) {
		oom(x);
		return;
	}
	x->cells_cap = (int)c1;
	for (int i = 0; i < n; i++) {
		x->cells[i] = "";
		x->lens[i] = 0;
	}
	for (size_t i = 0; i < x->ncl; i++) {
		x->cells[x->cl[i].col] = x->rb.p + x->cl[i].off;
		x->lens[x->cl[i].col] = x->cl[i].len;
	}
	x->ready = n;
	XML_StopParser(x->xp, XML_TRUE);
}

static void XMLCALL sh_end(void *ud, const XML_Char *name)
{
	struct xlsx_reader *x = ud;
	const char *l = local(name);
	if (x->failed || !l)
		return;
	if (text_tag(x, l, 0))
		return;
	if (strcmp(l, "c") == 0 && x->in_c) {
		x->in_c = x->in_v = x->in_t = x->in_rph = 0;
		end_cell(x);
	} else if (strcmp(l, "row") == 0 && x->ncl)
		end_row(x);
	else if (strcmp(l, "sheetData") == 0) {
		/* what follows (merged cells, validations) is not data */
		x->stop_ok = 1;
		XML_StopParser(x->xp, XML_FALSE);
	}
}

int xlsx_reader_next(struct xlsx_reader *x, struct table_row *row, struct err *e)
{
	x->e = e;
	x->ready = 0;
	while (!x->done && !x->failed) {
		int s = feed(x);
		if (s < 0)
			return -1;
		if (s == XML_STATUS_ERROR && x->stop_ok)
			break;
		if (s == XML_STATUS_ERROR)
			return xml_error(x, x->sheet);
		if (s == XML_STATUS_SUSPENDED) {
			x->suspended = 1;
			row->n = x->ready;
			row->cells = x->cells;
			row->lens = x->lens;
			row->line = x->row_num;
			return 1;
		}
		x->done = x->final;
	}
	x->done = 1;
	return x->failed ? -1 : 0;
}

int xlsx_reader_open(struct zip *za, struct xlsx_reader **out, struct err *e)
{
	*out = NULL;
	struct xlsx_reader *x = calloc(1, sizeof(*x));
	if (!x) {
		zip_discard(za);
		return err_set(e, ERR_INTERNAL, "out_of_memory", NULL, "内存不足，无法读取文件");
	}
	x->za = za;
	x->e = e;
	strcpy(x->strings, "xl/sharedStrings.xml");
	strcpy(x->styles, "xl/styles.xml");
	int rc = read_part(x, "xl/workbook.xml", 1);
	if (!x->rid[0]) /* every sheet hidden: take the first */
		memcpy(x->rid, x->first_rid, sizeof(x->rid));
	if (!rc)
		rc = read_part(x, "xl/_rels/workbook.xml.rels", 1);
	if (!rc && !x->sheet[0])
		rc = broken(x, "找不到第一个工作表");
	/* styles and shared strings may be absent (1) */
	if (!rc && read_part(x, x->styles, 0) < 0)
		rc = -1;
	if (!rc && read_part(x, x->strings, 0) < 0)
		rc = -1;
	if (!rc)
		rc = open_part(x, x->sheet, 1, 1, &x->zf, &x->size);
	if (!rc && !(x->xp = new_parser(x, sh_start, sh_end, sh_text)))
		rc = oom(x);
	if (rc) {
		xlsx_reader_free(x);
		return -1;
	}
	*out = x;
	return 0;
}

void xlsx_reader_free(struct xlsx_reader *x)
{
	if (!x)
		return;
	close_part(x);
	if (x->za)
		zip_discard(x->za);
	free(x->xf);
	free(x->ss.p);
	free(x->ss_off);
	free(x->rb.p);
	free(x->cl);
	free(x->cells);
	free(x->lens);
	free(x);
}
