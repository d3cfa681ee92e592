/* Streaming CSV reader: RFC 4180 plus what Excel and WPS write (CRLF, LF or
 * old Mac CR line ends, a UTF-8 BOM, GBK when saved as "CSV (逗号分隔)").
 * Memory is one 64 KiB read buffer and one growing record buffer, so a 1 GB
 * file costs what its longest record costs.
 *
 * Parsing works on raw bytes for both encodings: GB18030 trail bytes are
 * 0x30-0x39 or 0x40-0xFE, never a quote, comma, CR or LF, so a record's
 * bounds are the same either way and decoding happens per record after. */
#include "table_read.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <unicode/ucnv.h>

#define BLOCK   (64 * 1024) /* read size, and what the encoding is decided on */
#define MAX_ROW (32u << 20) /* bytes in one record, all cells together */

enum enc { ENC_UNKNOWN, ENC_UTF8, ENC_GB };
enum state { ST_FIELD, ST_UNQUOTED, ST_QUOTED, ST_QUOTE, ST_CR, ST_DONE };

struct csv_reader {
	int fd;
	off_t off;                /* next file offset to read */
	const unsigned char *buf; /* own, or the caller's memory */
	unsigned char *own;
	size_t pos, len;
	int eof;
	enum enc enc;
	UConverter *gb, *u8;
	enum state state;
	int emitted; /* the record in rb went out; clear it first */
	char *rb;    /* current record: cells back to back, each NUL-ended */
	size_t rb_len, rb_cap, field_start;
	size_t *starts; /* offset in rb of each finished cell */
	int nf, nf_cap;
	const char **cells;
	size_t *lens;
	char *conv; /* the record decoded from GB18030 */
	size_t conv_cap;
	int64_t line;       /* physical line of the next byte */
	int64_t rec_line;   /* line where the current record started */
	int64_t quote_line; /* line where the open quote started */
};

static int oom(struct err *e)
{
	return err_set(e, ERR_INTERNAL, "out_of_memory", NULL, "内存不足，无法读取文件");
}

/* Reads the next block; a short read is only the end for the first block,
 * which must be full to decide the encoding on. */
static int fill(struct csv_reader *c, int full, struct err *e)
{
	c->pos = c->len = 0;
	if (c->fd < 0) {
		c->eof = 1;
		return 0;
	}
	while (c->len < BLOCK) {
		ssize_t n = pread(c->fd, c->own + c->len, BLOCK - c->len, c->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(e, ERR_INTERNAL, "file_read", NULL, "读取上传的文件失败：%s",
			               strerror(errno));
		if (n == 0) {
			c->eof = 1;
			break;
		}
		c->off += n;
		c->len += (size_t)n;
		if (!full)
			break;
	}
	return 0;
}

/* GBK text is valid UTF-8 now and then by chance (two-byte sequences), but
 * practically never decodes to Chinese: a record is taken for UTF-8 only if
 * it is valid, has a CJK character and nothing from U+0080-U+07FF except
 * the marks Chinese text uses (· ° ×). */
static int looks_utf8_chinese(const unsigned char *s, size_t n)
{
	if (table_utf8_valid(s, n) != n)
		return 0;
	int cjk = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			unsigned cp = (unsigned)(s[i] & 0x1f) << 6 | (s[i + 1] & 0x3f);
			if (cp != 0xb7 && cp != 0xb0 && cp != 0xd7)
				return 0;
		}
		if ((s[i] >= 0xe3 && s[i] <= 0xe9) || s[i] == 0xef)
			cjk = 1;
	}
	return cjk;
}

static int has_high(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] & 0x80)
			return 1;
	return 0;
}

/* The file's encoding from its first block: UTF-8 when the block is valid
 * UTF-8 (a sequence cut by the block's end is fine), or when a line before
 * the first invalid byte has UTF-8 Chinese, so the error then names the
 * line that switched; else GB18030. Pure ASCII leaves it open. */
static void decide(struct csv_reader *c)
{
	const unsigned char *p = c->buf + c->pos;
	size_t n = c->len - c->pos;
	size_t v = table_utf8_valid(p, n);
	if (v == n || (!c->eof && n - v < 4)) {
		c->enc = has_high(p, v) ? ENC_UTF8 : ENC_UNKNOWN;
		return;
	}
	size_t ls = v;
	while (ls > 0 && p[ls - 1] != '\n' && p[ls - 1] != '\r')
		ls--;
	c->enc = ENC_GB;
	for (size_t i = 0; i < ls; i++)
		if (p[i] >= 0xe3 && p[i] <= 0xe9)
			c->enc = ENC_UTF8;
}

static int gb_open(struct csv_reader *c, struct err *e)
{
	if (c->u8) /* opened last, so both are ready */
		return 0;
	UErrorCode st = U_ZERO_ERROR;
	if (!c->gb)
		c->gb = ucnv_open("GB18030", &st);
	/* stop at the first byte sequence that is not GB18030, never guess */
	if (U_SUCCESS(st))
		ucnv_setToUCallBack(c->gb, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &st);
	if (U_SUCCESS(st))
		c->u8 = ucnv_open("UTF-8", &st);
	if (U_FAILURE(st))
		return err_set(e, ERR_INTERNAL, "icu", NULL, "无法加载 GBK 编码转换：%s",
		               u_errorName(st));
	return 0;
}

/* Decodes s into dst (cap bytes, NUL-terminated); -1 when s is not GB18030.
 * ucnv_convertEx with converters kept open: ucnv_toAlgorithmic sets one up
 * per call, which made GBK files 3 times slower than UTF-8 ones. */
static int32_t gb_decode(struct csv_reader *c, char *dst, size_t cap, const char *s, size_t n)
{
	UErrorCode st = U_ZERO_ERROR;
	char *t = dst;
	ucnv_convertEx(c->u8, c->gb, &t, dst + cap - 1, &s, s + n, NULL, NULL, NULL, NULL, 1, 1,
	               &st);
	if (U_FAILURE(st))
		return -1;
	*t = '\0';
	return (int32_t)(t - dst);
}

static int bad_encoding(struct csv_reader *c, struct err *e)
{
	return err_set(e, ERR_INVALID, "bad_encoding", NULL,
	               "第 %lld 行含有无法识别的字符（既不是 UTF-8 也不是 GBK 编码）",
	               (long long)c->rec_line);
}

static int mixed(struct csv_reader *c, struct err *e)
{
	return err_set(e, ERR_INVALID, "mixed_encoding", NULL,
	               "第 %lld 行的编码与文件开头不一致（混用了 UTF-8 和 GBK）",
	               (long long)c->rec_line);
}

/* Decodes the record from GB18030 into conv and points cells[] there; 1
 * when it is not GB18030, -1 with e filled when ICU or memory fails. One
 * call per record, not per cell: the NULs between cells come through as
 * NULs, and ICU's per-call setup cost more than the decoding itself. */
static int gb_convert(struct csv_reader *c, struct err *e)
{
	if (gb_open(c, e))
		return -1;
	/* GB18030 to UTF-8 at most doubles the bytes (2 -> 3, 4 -> 4) */
	if (table_grow((void **)&c->conv, &c->conv_cap, 2 * c->rb_len + 16, 1))
		return oom(e);
	if (gb_decode(c, c->conv, c->conv_cap, c->rb, c->rb_len) < 0)
		return 1;
	size_t at = 0;
	for (int i = 0; i < c->nf; i++) {
		c->cells[i] = c->conv + at;
		c->lens[i] = strlen(c->conv + at);
		at += c->lens[i] + 1;
	}
	return 0;
}

/* Checks the finished record against the file's encoding and points
 * cells[] at UTF-8 text. */
static int decode_record(struct csv_reader *c, struct err *e)
{
	const unsigned char *s = (const unsigned char *)c->rb;
	if (c->enc == ENC_UNKNOWN && has_high(s, c->rb_len))
		c->enc = table_utf8_valid(s, c->rb_len) == c->rb_len ? ENC_UTF8 : ENC_GB;
	if (c->enc != ENC_GB && table_utf8_valid(s, c->rb_len) == c->rb_len) {
		for (int i = 0; i < c->nf; i++)
			c->cells[i] = c->rb + c->starts[i];
		return 0;
	}
	if (c->enc == ENC_GB && looks_utf8_chinese(s, c->rb_len))
		return mixed(c, e);
	int rc = gb_convert(c, e);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return bad_encoding(c, e);
	return c->enc == ENC_GB ? 0 : mixed(c, e); /* a GBK record in a UTF-8 file */
}

static int cell_too_long(struct csv_reader *c, struct err *e)
{
	if (c->state == ST_QUOTED)
		return err_set(e, ERR_INVALID, "cell_too_long", NULL,
		               "第 %lld 行的单元格过长（超过 1 MiB），可能是引号没有闭合",
		               (long long)c->quote_line);
	return err_set(e, ERR_INVALID, "cell_too_long", NULL,
	               "第 %lld 行的单元格过长（超过 1 MiB）", (long long)c->line);
}

static int put(struct csv_reader *c, const unsigned char *s, size_t n, struct err *e)
{
	if (c->rb_len - c->field_start + n > TABLE_MAX_CELL)
		return cell_too_long(c, e);
	if (c->rb_len + n > MAX_ROW)
		return err_set(e, ERR_INVALID, "cell_too_long", NULL,
		               "第 %lld 行过长（所有单元格合计超过 32 MiB）",
		               (long long)c->rec_line);
	if (table_grow((void **)&c->rb, &c->rb_cap, c->rb_len + n + 1, 1))
		return oom(e);
	memcpy(c->rb + c->rb_len, s, n);
	c->rb_len += n;
	return 0;
}

static int end_field(struct csv_reader *c, struct err *e)
{
	if (c->nf >= TABLE_MAX_COLUMNS)
		return err_set(e, ERR_INVALID, "too_many_columns", NULL,
		               "第 %lld 行的列数超过 %d 列", (long long)c->rec_line,
		               TABLE_MAX_COLUMNS);
	if (table_grow((void **)&c->rb, &c->rb_cap, c->rb_len + 1, 1))
		return oom(e);
	if (c->nf == c->nf_cap) {
		int n = c->nf_cap ? 2 * c->nf_cap : 16;
		size_t *s = realloc(c->starts, (size_t)n * sizeof(*s));
		if (s)
			c->starts = s;
		size_t *l = s ? realloc(c->lens, (size_t)n * sizeof(*l)) : NULL;
		if (l)
			c->lens = l;
		const char **p = l ? realloc(c->cells, (size_t)n * sizeof(*p)) : NULL;
		if (!p)
			return oom(e);
		c->cells = p;
		c->nf_cap = n;
	}
	c->lens[c->nf] = c->rb_len - c->field_start;
	c->starts[c->nf++] = c->field_start;
	c->rb[c->rb_len++] = '\0';
	c->field_start = c->rb_len;
	return 0;
}

/* Ends the record: 1 with a row, 0 when all its cells are empty. */
static int end_record(struct csv_reader *c, struct table_row *row, struct err *e)
{
	if (end_field(c, e))
		return -1;
	if (c->rb_len == (size_t)c->nf) { /* nothing but the NULs */
		c->rb_len = c->field_start = 0;
		c->nf = 0;
		c->rec_line = c->line;
		return 0;
	}
	if (decode_record(c, e))
		return -1;
	row->n = c->nf;
	row->cells = c->cells;
	row->lens = c->lens;
	row->line = c->rec_line;
	c->rec_line = c->line;
	c->emitted = 1;
	return 1;
}

static int nul_byte(struct csv_reader *c, struct err *e)
{
	return err_set(e, ERR_INVALID, "broken_csv", NULL,
	               "第 %lld 行含有空字符（NUL），文件可能已损坏或不是文本文件",
	               (long long)c->line);
}

/* Bytes that end a run inside an unquoted field, and inside a quoted one. */
static unsigned char stop_unq[256], stop_q[256];

__attribute__((constructor)) static void init_stops(void)
{
	stop_unq[','] = stop_unq['\r'] = stop_unq['\n'] = stop_unq[0] = 1;
	stop_q['"'] = stop_q['\r'] = stop_q['\n'] = stop_q[0] = 1;
}

/* A line end outside quotes: count it and end the record. */
static int line_end(struct csv_reader *c, unsigned char ch, struct table_row *row, struct err *e)
{
	c->line++;
	c->state = ch == '\r' ? ST_CR : ST_FIELD;
	return end_record(c, row, e);
}

int csv_reader_next(struct csv_reader *c, struct table_row *row, struct err *e)
{
	if (c->emitted) {
		c->rb_len = c->field_start = 0;
		c->nf = 0;
		c->emitted = 0;
	}
	for (;;) {
		if (c->state == ST_DONE)
			return 0;
		if (c->pos == c->len) {
			if (!c->eof && fill(c, 0, e))
				return -1;
			if (c->pos < c->len)
				continue;
			enum state s = c->state;
			c->state = ST_DONE;
			if (s == ST_QUOTED)
				return err_set(
				    e, ERR_INVALID, "broken_csv", NULL,
				    "第 %lld 行的引号没有闭合（直到文件末尾都没有找到结束的引号）",
				    (long long)c->quote_line);
			if (s == ST_CR || (s == ST_FIELD && c->nf == 0))
				return 0;
			return end_record(c, row, e);
		}
		const unsigned char *p = c->buf + c->pos, *end = c->buf + c->len, *q;
		unsigned char ch = *p;
		int rc = 0;
		switch (c->state) {
		case ST_CR: /* the LF of a CRLF; the line was counted at the CR */
			c->state = ST_FIELD;
			if (ch == '\n')
				p++;
			break;
		case ST_FIELD:
			if (ch == '"') {
				c->state = ST_QUOTED;
				c->quote_line = c->line;
				p++;
				break;
			}
			c->state = ST_UNQUOTED;
			/* fall through */
		case ST_UNQUOTED:
			for (q = p; q < end && !stop_unq[*q]; q++)
				;
			if (q > p && put(c, p, (size_t)(q - p), e))
				return -1;
			p = q;
			if (p == end)
				break;
			ch = *p++;
			if (ch == ',') {
				c->state = ST_FIELD;
				rc = end_field(c, e);
			} else if (ch == 0)
				rc = nul_byte(c, e);
			else
				rc = line_end(c, ch, row, e);
			break;
		case ST_QUOTED:
			for (q = p; q < end && !stop_q[*q]; q++)
				;
			if (q > p && put(c, p, (size_t)(q - p), e))
				return -1;
			p = q;
			if (p == end)
				break;
			ch = *p++;
			if (ch == '"') {
				c->state = ST_QUOTE;
				break;
			}
			if (ch == 0)
				return nul_byte(c, e);
			/* a line break kept in the cell; CRLF counts once */
			if (ch == '\r' || c->rb_len == c->field_start ||
			    c->rb[c->rb_len - 1] != '\r')
				c->line++;
			rc = put(c, &ch, 1, e);
			break;
		case ST_QUOTE:
			p++;
			if (ch == '"') {
				c->state = ST_QUOTED;
				rc = put(c, &ch, 1, e);
			} else if (ch == ',') {
				c->state = ST_FIELD;
				rc = end_field(c, e);
			} else if (ch == '\r' || ch == '\n')
				rc = line_end(c, ch, row, e);
			else
				rc =
				    err_set(e, ERR_INVALID, "broken_csv", NULL,
				            "第 %lld 行的引号用法不正确：结束引号后面紧跟了其他字符"
				            "（单元格内的引号要写成两个 \"\"）",
				            (long long)c->line);
			break;
		case ST_DONE:
			break;
		}
		c->pos = (size_t)(p - c->buf);
		if (rc)
			return rc;
	}
}

int csv_reader_open(int fd, const unsigned char *mem, size_t size, struct csv_reader **out,
                    struct err *e)
{
	*out = NULL;
	struct csv_reader *c = calloc(1, sizeof(*c));
	if (!c)
		return oom(e);
	c->fd = fd;
	c->line = c->rec_line = 1;
	if (fd >= 0) {
		c->own = malloc(BLOCK);
		if (!c->own) {
			free(c);
			return oom(e);
		}
		c->buf = c->own;
		if (fill(c, 1, e)) {
			csv_reader_free(c);
			return -1;
		}
	} else {
		c->buf = mem;
		c->len = size;
		c->eof = 1;
	}
	size_t head = c->len < BLOCK ? c->len : BLOCK;
	if (memchr(c->buf, 0, head)) { /* UTF-16, executables, images */
		csv_reader_free(c);
		return table_unsupported(e);
	}
	if (c->len >= 3 && memcmp(c->buf, "\xEF\xBB\xBF", 3) == 0) {
		c->pos = 3;
		c->enc = ENC_UTF8;
	} else if (c->len >= 4 && memcmp(c->buf, "\x84\x31\x95\x33", 4) == 0) {
		c->pos = 4;
		c->enc = ENC_GB;
	} else
		decide(c);
	*out = c;
	return 0;
}

void csv_reader_free(struct csv_reader *c)
{
	if (!c)
		return;
	if (c->gb)
		ucnv_close(c->gb);
	if (c->u8)
		ucnv_close(c->u8);
	free(c->own);
	free(c->rb);
	free(c->starts);
	free(c->lens);
	free(c->cells);
	free(c->conv);
	free(c);
}
