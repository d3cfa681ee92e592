#include "pdf.h"

#include <hpdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pdf {
	HPDF_Doc doc;
	HPDF_Font font;
	HPDF_Page page;
	double char_space;
	int bold;
	/* The first error libharu reported; later drawing is skipped since
	 * libharu keeps going on a document in a half-written state. */
	HPDF_STATUS status, detail;
	int reading; /* reading the saved stream back: its end is not an error */
};

/* Called by libharu in place of its default handler, which would longjmp
 * or abort: only remembers, and the call that failed returns its status. */
static void on_error(HPDF_STATUS status, HPDF_STATUS detail, void *data)
{
	struct pdf *p = data;
	if (p->reading && status == HPDF_STREAM_EOF)
		return;
	if (!p->status) {
		p->status = status;
		p->detail = detail;
	}
}

static const char *status_text(HPDF_STATUS s)
{
	switch (s) {
	case HPDF_FAILD_TO_ALLOC_MEM:
		return "内存不足";
	case HPDF_FILE_OPEN_ERROR:
		return "文件无法打开";
	case HPDF_FILE_IO_ERROR:
		return "文件读写出错";
	case HPDF_INVALID_TTC_FILE:
	case HPDF_INVALID_TTC_INDEX:
	case HPDF_TTF_INVALID_CMAP:
	case HPDF_TTF_INVALID_FOMAT:
		return "不是可用的 TrueType 字体";
	case HPDF_TTF_MISSING_TABLE:
		return "不是 TrueType 字形的字体（CFF 字形的 OpenType 字体不能用）";
	case HPDF_TTF_CANNOT_EMBEDDING_FONT:
		return "字体的授权不允许嵌入";
	default:
		return "内部错误";
	}
}

static int fail(struct pdf *p, struct err *e, const char *what)
{
	return err_set(e, ERR_INTERNAL, "pdf_failed", NULL, "%s：%s（libharu 错误 0x%04X/%u）",
	               what, status_text(p->status), (unsigned)p->status, (unsigned)p->detail);
}

static int ok(const struct pdf *p)
{
	return !p->status && p->page;
}

struct pdf *pdf_open(const char *font_path, struct err *e)
{
	if (!font_path || !*font_path) {
		err_set(e, ERR_INTERNAL, "pdf_failed", NULL,
		        "未配置 PDF 用的中文字体（--pdf-font）");
		return NULL;
	}
	struct pdf *p = calloc(1, sizeof(*p));
	if (!p) {
		err_set(e, ERR_INTERNAL, "pdf_failed", NULL, "生成 PDF 失败：内存不足");
		return NULL;
	}
	p->doc = HPDF_New(on_error, p);
	if (!p->doc) {
		err_set(e, ERR_INTERNAL, "pdf_failed", NULL, "生成 PDF 失败：内存不足");
		free(p);
		return NULL;
	}
	HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
	HPDF_UseUTFEncodings(p->doc);
	HPDF_SetCurrentEncoder(p->doc, "UTF-8");
	const char *name = NULL;
	if (!p->status)
		name = HPDF_LoadTTFontFromFile2(p->doc, font_path, 0, HPDF_TRUE);
	if (name && !p->status)
		p->font = HPDF_GetFont(p->doc, name, "UTF-8");
	if (!p->font || p->status) {
		if (!p->status)
			p->status = HPDF_INVALID_FONTDEF_DATA;
		char what[300];
		snprintf(what, sizeof(what), "PDF 字体 %.200s（--pdf-font）无法使用", font_path);
		fail(p, e, what);
		pdf_free(p);
		return NULL;
	}
	return p;
}

void pdf_free(struct pdf *p)
{
	if (!p)
		return;
	HPDF_Free(p->doc);
	free(p);
}

/* A copy of s that libharu's UTF-8 encoder takes whole: it maps characters
 * to 16-bit glyph ids and reads multi-byte sequences without checking them,
 * so only valid UTF-8 of the Basic Multilingual Plane may reach it. Control
 * characters other than '\n' become spaces. NULL on out-of-memory. */
static char *clean(const char *s)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)u);
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		unsigned c = u[i];
		size_t len = 0;
		if (c < 0x80) {
			*o++ = (char)(c == '\n' || (c >= 0x20 && c != 0x7f) ? c : ' ');
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		size_t k = 1; /* the lead byte and the continuation bytes that follow it */
		while (len && k < len && i + k < n && (u[i + k] & 0xc0) == 0x80)
			k++;
		int good = len && k == len;
		if (good && len == 3) {
			/* overlong forms and UTF-16 surrogates */
			good = !(c == 0xe0 && u[i + 1] < 0xa0) && !(c == 0xed && u[i + 1] >= 0xa0);
		}
		if (good && len < 4) {
			memcpy(o, u + i, len);
			o += len;
		} else {
			*o++ = '?';
		}
		/* a truncated sequence is one '?', not one per byte */
		i += k;
	}
	*o = '\0';
	return out;
}

/* Bytes in the character starting at s (s is clean). */
static size_t char_len(const char *s)
{
	unsigned char c = (unsigned char)*s;
	return c < 0x80 ? 1 : c < 0xe0 ? 2 : 3;
}

static double width_n(struct pdf *p, const char *s, size_t n, double size)
{
	if (!n)
		return 0;
	HPDF_TextWidth tw = HPDF_Font_TextWidth(p->font, (const HPDF_BYTE *)s, (HPDF_UINT)n);
	return tw.width * size / 1000.0 + tw.numchars * p->char_space;
}

void pdf_info(struct pdf *p, const char *title, const char *author)
{
	if (p->status)
		return;
	/* the information dictionary's strings take the document's UTF-8 */
	char *t = clean(title), *a = clean(author);
	if (t && *t)
		HPDF_SetInfoAttr(p->doc, HPDF_INFO_TITLE, t);
	if (a && *a)
		HPDF_SetInfoAttr(p->doc, HPDF_INFO_AUTHOR, a);
	free(t);
	free(a);
}

void pdf_page(struct pdf *p, int landscape)
{
	if (p->status)
		return;
	HPDF_Page page = HPDF_AddPage(p->doc);
	if (!page)
		return;
	p->page = page;
	HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4,
	                  landscape ? HPDF_PAGE_LANDSCAPE : HPDF_PAGE_PORTRAIT);
	HPDF_Page_SetLineCap(page, HPDF_PROJECTING_SCUARE_END);
	HPDF_Page_SetLineJoin(page, HPDF_MITER_JOIN);
	HPDF_Page_SetCharSpace(page, (HPDF_REAL)p->char_space);
}

double pdf_page_width(const struct pdf *p)
{
	return p->page ? HPDF_Page_GetWidth(p->page) : PDF_A4_SHORT;
}

double pdf_page_height(const struct pdf *p)
{
	return p->page ? HPDF_Page_GetHeight(p->page) : PDF_A4_LONG;
}

void pdf_color(struct pdf *p, uint32_t rgb)
{
	if (!ok(p))
		return;
	HPDF_REAL r = (HPDF_REAL)((rgb >> 16) & 0xff) / 255,
	          g = (HPDF_REAL)((rgb >> 8) & 0xff) / 255, b = (HPDF_REAL)(rgb & 0xff) / 255;
	HPDF_Page_SetRGBStroke(p->page, r, g, b);
	HPDF_Page_SetRGBFill(p->page, r, g, b);
}

void pdf_char_space(struct pdf *p, double pt)
{
	p->char_space = pt;
	if (ok(p))
		HPDF_Page_SetCharSpace(p->page, (HPDF_REAL)pt);
}

void pdf_bold(struct pdf *p, int on)
{
	p->bold = on;
}

double pdf_text_width(struct pdf *p, const char *s, double size)
{
	char *c = clean(s);
	double w = c ? width_n(p, c, strlen(c), size) : 0;
	free(c);
	return w;
}

/* Draws the clean string c; the last character's spacing is not counted in
 * its width, so centred and right-aligned text sits where it is asked to. */
static void text_clean(struct pdf *p, double x, double y, double size, enum pdf_align align,
                       const char *c)
{
	if (!ok(p) || !*c)
		return;
	double w = width_n(p, c, strlen(c), size) - p->char_space;
	if (align == PDF_CENTER)
		x -= w / 2;
	else if (align == PDF_RIGHT)
		x -= w;
	HPDF_Page_BeginText(p->page);
	HPDF_Page_SetFontAndSize(p->page, p->font, (HPDF_REAL)size);
	if (p->bold) {
		HPDF_Page_SetTextRenderingMode(p->page, HPDF_FILL_THEN_STROKE);
		HPDF_Page_SetLineWidth(p->page, (HPDF_REAL)(size * 0.035));
	} else {
		HPDF_Page_SetTextRenderingMode(p->page, HPDF_FILL);
	}
	HPDF_Page_TextOut(p->page, (HPDF_REAL)x, (HPDF_REAL)y, c);
	HPDF_Page_EndText(p->page);
}

void pdf_text(struct pdf *p, double x, double y, double size, enum pdf_align align, const char *s)
{
	char *c = clean(s);
	if (c)
		text_clean(p, x, y, size, align, c);
	free(c);
}

void pdf_text_centered(struct pdf *p, double cx, double y, double size, const char *s)
{
	pdf_text(p, cx, y, size, PDF_CENTER, s);
}

static void emit(struct pdf *p, const char *start, const char *end,
                 void (*fn)(struct pdf *p, const char *line, size_t n, void *ctx), void *ctx)
{
	while (end > start && end[-1] == ' ')
		end--;
	if (fn)
		fn(p, start, (size_t)(end - start), ctx);
}

static int latin(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       ch == '-' || ch == '.' || ch == '/' || ch == '@' || ch == '_' || ch == ':';
}

/* Splits the clean string c into lines no wider than w and calls fn on
 * each (not NUL-terminated, trailing spaces left off). Returns the number of
 * lines; "" has none. A line breaks between any two Chinese characters, but
 * a run of Latin letters and digits (a code, a date's year, a URL) moves to
 * the next line whole when it fits there, and is cut only when it does not. */
static int wrap(struct pdf *p, char *c, double w, double size,
                void (*fn)(struct pdf *p, const char *line, size_t n, void *ctx), void *ctx)
{
	int lines = 0;
	char *start = c;
	double cur = 0;
	for (char *s = c;;) {
		if (*s == '\0' || *s == '\n') {
			if (s > start || *s == '\n') {
				emit(p, start, s, fn, ctx);
				lines++;
			}
			if (*s == '\0')
				break;
			start = ++s;
			cur = 0;
			continue;
		}
		size_t n = char_len(s);
		double cw = width_n(p, s, n, size);
		if (cur + cw > w && s > start) {
			char *end = s;
			if (latin(*s)) {
				char *run = s;
				while (run > start && latin(run[-1]))
					run--;
				if (run > start &&
				    width_n(p, run, (size_t)(s - run), size) + cw <= w)
					end = run;
			}
			emit(p, start, end, fn, ctx);
			lines++;
			start = end;
			while (*start == ' ')
				start++;
			if (start > s) { /* the break was at s itself, a space */
				cur = 0;
				s = start;
				continue;
			}
			cur = width_n(p, start, (size_t)(s - start), size);
		}
		cur += cw;
		s += n;
	}
	return lines;
}

static double leading(double size)
{
	return size * 1.4;
}

struct wrap_draw {
	double x, y, w, size;
	enum pdf_align align;
};

static void draw_line(struct pdf *p, const char *line, size_t n, void *ctx)
{
	struct wrap_draw *d = ctx;
	char *one = malloc(n + 1);
	if (!one)
		return;
	memcpy(one, line, n);
	one[n] = '\0';
	/* the ideographs' em box, not the font's taller bounding box, is what
	 * the eye centres in the line */
	double base = d->y - (leading(d->size) - d->size) / 2 - d->size * 0.86;
	double x = d->align == PDF_CENTER  ? d->x + d->w / 2
	           : d->align == PDF_RIGHT ? d->x + d->w
	                                   : d->x;
	text_clean(p, x, base, d->size, d->align, one);
	free(one);
	d->y -= leading(d->size);
}

double pdf_wrap(struct pdf *p, double x, double top, double w, double size, enum pdf_align align,
                const char *s)
{
	char *c = clean(s);
	if (!c)
		return 0;
	struct wrap_draw d = {x, top, w, size, align};
	int n = wrap(p, c, w, size, draw_line, &d);
	free(c);
	return n * leading(size);
}

double pdf_wrap_height(struct pdf *p, double w, double size, const char *s)
{
	char *c = clean(s);
	if (!c)
		return 0;
	int n = wrap(p, c, w, size, NULL, NULL);
	free(c);
	return n * leading(size);
}

void pdf_line(struct pdf *p, double x1, double y1, double x2, double y2, double width)
{
	if (!ok(p))
		return;
	HPDF_Page_SetLineWidth(p->page, (HPDF_REAL)width);
	HPDF_Page_MoveTo(p->page, (HPDF_REAL)x1, (HPDF_REAL)y1);
	HPDF_Page_LineTo(p->page, (HPDF_REAL)x2, (HPDF_REAL)y2);
	HPDF_Page_Stroke(p->page);
}

void pdf_box(struct pdf *p, double x, double y, double w, double h, double width)
{
	if (!ok(p))
		return;
	HPDF_Page_SetLineWidth(p->page, (HPDF_REAL)width);
	HPDF_Page_Rectangle(p->page, (HPDF_REAL)x, (HPDF_REAL)y, (HPDF_REAL)w, (HPDF_REAL)h);
	HPDF_Page_Stroke(p->page);
}

void pdf_fill(struct pdf *p, double x, double y, double w, double h)
{
	if (!ok(p))
		return;
	HPDF_Page_Rectangle(p->page, (HPDF_REAL)x, (HPDF_REAL)y, (HPDF_REAL)w, (HPDF_REAL)h);
	HPDF_Page_Fill(p->page);
}

double pdf_table(struct pdf *p, const struct pdf_table *t, const struct pdf_row *rows, int n)
{
	const double pad = t->size * 0.5, line = leading(t->size);
	double y = t->top;
	for (int i = 0; i < n; i++) {
		const struct pdf_row *r = &rows[i];
		double x[5] = {t->x};
		for (int k = 0; k < 4; k++)
			x[k + 1] = x[k] + t->col[k];
		int pair = r->label2 != NULL;
		double vw = (pair ? t->col[1] : t->col[1] + t->col[2] + t->col[3]) - 2 * pad;
		double h1 = pdf_wrap_height(p, t->col[0] - 2 * pad, t->size, r->label);
		double h2 = pdf_wrap_height(p, vw, t->size, r->value);
		double hf = r->foot ? pdf_wrap_height(p, vw, t->size, r->foot) : 0;
		double h3 = pair ? pdf_wrap_height(p, t->col[2] - 2 * pad, t->size, r->label2) : 0;
		double h4 = pair ? pdf_wrap_height(p, t->col[3] - 2 * pad, t->size, r->value2) : 0;
		double inner = line;
		double hs[] = {h1, h2 + (hf ? hf + line / 2 : 0), h3, h4};
		for (int k = 0; k < 4; k++)
			if (hs[k] > inner)
				inner = hs[k];
		double h = inner + 2 * pad;
		if (t->row > h)
			h = t->row;
		if (r->height > h)
			h = r->height;
		double bottom = y - h;
		/* top-aligned in tall boxes meant for handwriting, centred otherwise */
		double vt = r->height > 0 ? y - pad : y - (h - h2) / 2;
		pdf_wrap(p, x[0] + pad, y - (h - h1) / 2, t->col[0] - 2 * pad, t->size, PDF_CENTER,
		         r->label);
		pdf_wrap(p, x[1] + pad, vt, vw, t->size, PDF_LEFT, r->value);
		if (r->foot)
			pdf_wrap(p, x[1] + pad, bottom + pad + hf, vw, t->size, PDF_RIGHT, r->foot);
		pdf_box(p, x[0], bottom, t->col[0], h, t->border);
		if (pair) {
			pdf_wrap(p, x[2] + pad, y - (h - h3) / 2, t->col[2] - 2 * pad, t->size,
			         PDF_CENTER, r->label2);
			double vt4 = r->height > 0 ? y - pad : y - (h - h4) / 2;
			pdf_wrap(p, x[3] + pad, vt4, t->col[3] - 2 * pad, t->size, PDF_LEFT,
			         r->value2);
			pdf_box(p, x[1], bottom, t->col[1], h, t->border);
			pdf_box(p, x[2], bottom, t->col[2], h, t->border);
			pdf_box(p, x[3], bottom, t->col[3], h, t->border);
		} else {
			pdf_box(p, x[1], bottom, x[4] - x[1], h, t->border);
		}
		y = bottom;
	}
	return y;
}

int pdf_save_file(struct pdf *p, const char *path, struct err *e)
{
	if (p->status)
		return fail(p, e, "生成 PDF 失败");
	if (!p->page)
		return err_set(e, ERR_INTERNAL, "pdf_failed", NULL, "生成 PDF 失败：文档没有页面");
	if (HPDF_SaveToFile(p->doc, path) != HPDF_OK || p->status) {
		char what[300];
		snprintf(what, sizeof(what), "无法写入 PDF 文件 %.200s", path);
		return fail(p, e, what);
	}
	return 0;
}

int pdf_save_buffer(struct pdf *p, unsigned char **buf, size_t *len, struct err *e)
{
	*buf = NULL;
	*len = 0;
	if (p->status)
		return fail(p, e, "生成 PDF 失败");
	if (!p->page)
		return err_set(e, ERR_INTERNAL, "pdf_failed", NULL, "生成 PDF 失败：文档没有页面");
	if (HPDF_SaveToStream(p->doc) != HPDF_OK || p->status)
		return fail(p, e, "生成 PDF 失败");
	HPDF_UINT32 size = HPDF_GetStreamSize(p->doc);
	unsigned char *out = malloc(size ? size : 1);
	if (!out) {
		p->status = HPDF_FAILD_TO_ALLOC_MEM;
		return fail(p, e, "生成 PDF 失败");
	}
	HPDF_ResetStream(p->doc);
	size_t got = 0;
	p->reading = 1;
	while (got < size) {
		HPDF_UINT32 n = size - (HPDF_UINT32)got;
		HPDF_STATUS st = HPDF_ReadFromStream(p->doc, out + got, &n);
		got += n;
		if ((st != HPDF_OK && st != HPDF_STREAM_EOF) || n == 0 || p->status)
			break;
	}
	p->reading = 0;
	if (got != size || p->status) {
		free(out);
		if (!p->status)
			p->status = HPDF_FILE_IO_ERROR;
		return fail(p, e, "生成 PDF 失败");
	}
	*buf = out;
	*len = size;
	return 0;
}
