/* Sniffs what an upload really is and hands it to the CSV or XLSX reader.
 * The file name says nothing: cadres rename .xls to .xlsx, and old systems
 * export HTML tables named .xls.
 *
 * Also the helpers the readers share, and what Excel shows for a stored
 * number (dates, 15 digits): pure functions kept apart from the XLSX
 * reader's streaming, which is long enough on its own. */
#include "table_read.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

struct table_reader {
	int fd;
	struct csv_reader *csv;
	struct xlsx_reader *xlsx;
};

int table_unsupported(struct err *e)
{
	return err_set(e, ERR_INVALID, "unsupported_file", NULL,
	               "文件格式不支持，请上传 CSV 或 XLSX 文件（Excel 2007 及以后版本）");
}

size_t table_utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		/* Most cells are ASCII or Chinese; skip ASCII eight bytes at a time. */
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			if (c == 0xe0)
				lo = 0xa0; /* overlong */
			if (c == 0xed)
				hi = 0x9f; /* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			if (c == 0xf0)
				lo = 0x90;
			if (c == 0xf4)
				hi = 0x8f; /* past U+10FFFF */
		} else
			return i;
		if (i + len > n || s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (size_t k = 2; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
		i += len;
	}
	return n;
}

int table_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 64;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

/* Formats we recognise and refuse, so that they get the clear message
 * rather than a page of mojibake parsed as CSV. */
static int known_binary(const unsigned char *p, size_t n)
{
	/* Not "MZ" (Windows executables): it is also the pinyin initials of
	 * 民族 in a header, and executables are caught by their NUL bytes. */
	static const struct {
		const char *magic;
		size_t len;
	} sigs[] = {
	    {"\xD0\xCF\x11\xE0", 4}, /* OLE: .xls, .doc, encrypted .xlsx */
	    {"%PDF", 4},             /* PDF */
	    {"\x7f"
	     "ELF",
	     4},                 /* executable */
	    {"PK\x05\x06", 4},   /* empty ZIP */
	    {"PK\x07\x08", 4},   /* spanned ZIP */
	    {"\x89PNG", 4},      /* images */
	    {"\xFF\xD8\xFF", 3}, /* JPEG */
	    {"GIF8", 4},         /* GIF */
	    {"\x1F\x8B", 2},     /* gzip */
	    {"Rar!", 4},         /* RAR */
	    {"7z\xBC\xAF", 4},   /* 7-Zip */
	    {"{\\rtf", 5},       /* RTF */
	};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (n >= sigs[i].len && memcmp(p, sigs[i].magic, sigs[i].len) == 0)
			return 1;
	/* HTML or XML Spreadsheet 2003 saved as .xls by older systems */
	size_t i = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	static const char *const markup[] = {"<?xml", "<html", "<!doctype", "<table", "<head"};
	for (size_t k = 0; k < sizeof(markup) / sizeof(markup[0]); k++) {
		size_t len = strlen(markup[k]);
		if (n - i >= len && strncasecmp((const char *)p + i, markup[k], len) == 0)
			return 1;
	}
	return 0;
}

/* The ZIP from the file (libzip reads a duplicate of fd) or from memory. */
static zip_t *open_zip(int fd, const void *mem, size_t size)
{
	zip_t *za = NULL;
	int zerr;
	if (fd >= 0) {
		int d = dup(fd);
		if (d >= 0 && !(za = zip_fdopen(d, 0, &zerr)))
			close(d);
		return za;
	}
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(mem, size, 0, &ze);
	if (src && !(za = zip_open_from_source(src, ZIP_RDONLY, &ze)))
		zip_source_free(src);
	zip_error_fini(&ze);
	return za;
}

static int open_sniffed(struct table_reader *t, const unsigned char *head, size_t hn,
                        const void *mem, size_t size, struct err *e)
{
	if (known_binary(head, hn))
		return table_unsupported(e);
	if (hn >= 4 && memcmp(head, "PK\x03\x04", 4) == 0) {
		zip_t *za = open_zip(t->fd, mem, size);
		if (!za)
			return err_set(e, ERR_INVALID, "broken_xlsx", NULL,
			               "Excel 文件已损坏或无法读取（不是完整的 ZIP 文件）");
		if (zip_name_locate(za, "xl/workbook.xml", ZIP_FL_NOCASE) < 0) {
			zip_discard(za); /* .docx, .ods, a plain .zip */
			return table_unsupported(e);
		}
		return xlsx_reader_open(za, &t->xlsx, e);
	}
	return csv_reader_open(t->fd, mem, size, &t->csv, e);
}

int table_open(const char *path, struct table_reader **out, struct err *e)
{
	*out = NULL;
	struct table_reader *t = calloc(1, sizeof(*t));
	if (!t)
		return err_set(e, ERR_INTERNAL, "out_of_memory", NULL, "内存不足，无法读取文件");
	int rc = -1;
	struct stat st;
	t->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0 || fstat(t->fd, &st) != 0) {
		err_set(e, ERR_INTERNAL, "file_read", NULL, "无法打开上传的文件：%s",
		        strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, ERR_INTERNAL, "file_read", NULL, "上传的文件不是普通文件");
		goto out;
	}
	unsigned char head[512];
	ssize_t hn = pread(t->fd, head, sizeof(head), 0);
	if (hn < 0) {
		err_set(e, ERR_INTERNAL, "file_read", NULL, "无法读取上传的文件：%s",
		        strerror(errno));
		goto out;
	}
	rc = open_sniffed(t, head, (size_t)hn, NULL, 0, e);
out:
	if (rc) {
		table_close(t);
		return -1;
	}
	*out = t;
	return 0;
}

int table_open_mem(const void *data, size_t size, struct table_reader **out, struct err *e)
{
	*out = NULL;
	struct table_reader *t = calloc(1, sizeof(*t));
	if (!t)
		return err_set(e, ERR_INTERNAL, "out_of_memory", NULL, "内存不足，无法读取文件");
	t->fd = -1;
	if (!data)
		data = "";
	if (open_sniffed(t, data, size < 512 ? size : 512, data, size, e)) {
		table_close(t);
		return -1;
	}
	*out = t;
	return 0;
}

int table_next(struct table_reader *t, struct table_row *row, struct err *e)
{
	if (t->xlsx)
		return xlsx_reader_next(t->xlsx, row, e);
	return csv_reader_next(t->csv, row, e);
}

const char *table_format(const struct table_reader *t)
{
	return t->xlsx ? "xlsx" : "csv";
}

void table_close(struct table_reader *t)
{
	if (!t)
		return;
	csv_reader_free(t->csv);
	xlsx_reader_free(t->xlsx);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

/* What Excel shows for a stored cell value; used by xlsx_read.c. */

/* Turns _xHHHH_ escapes (how OOXML stores control characters such as the
 * CR of a cell's line break) back into text, in place. */
size_t xlsx_unescape(char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		unsigned cp = 0;
		int hex = i + 7 <= n && s[i] == '_' && s[i + 1] == 'x' && s[i + 6] == '_';
		for (size_t k = i + 2; hex && k < i + 6; k++) {
			int c = (unsigned char)s[k], d = c >= '0' && c <= '9'   ? c - '0'
			                                 : c >= 'a' && c <= 'f' ? c - 'a' + 10
			                                 : c >= 'A' && c <= 'F' ? c - 'A' + 10
			                                                        : -1;
			hex = d >= 0;
			cp = cp << 4 | (unsigned)(d & 15);
		}
		if (hex) {
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;
			if (cp >= 0x800) {
				s[o++] = (char)(0xe0 | cp >> 12);
				s[o++] = (char)(0x80 | (cp >> 6 & 0x3f));
				s[o++] = (char)(0x80 | (cp & 0x3f));
			} else if (cp >= 0x80) {
				s[o++] = (char)(0xc0 | cp >> 6);
				s[o++] = (char)(0x80 | (cp & 0x3f));
			} else if (cp)
				s[o++] = (char)cp;
			i += 7;
		} else
			s[o++] = s[i++];
	}
	s[o] = '\0';
	return o;
}

/* Date, time or neither, from a custom format code: y/d, or m without h/s,
 * outside quoted text, escapes, [colour] and AM/PM. [h]:mm is a duration. */
static enum xlsx_kind classify(const char *f)
{
	int y = 0, m = 0, d = 0, h = 0, s = 0;
	for (; *f && *f != ';'; f++) {
		if (*f == '"') {
			while (f[1] && f[1] != '"')
				f++;
			f += !!f[1];
		} else if ((*f == '\\' || *f == '_' || *f == '*') && f[1])
			f++;
		else if (*f == '[') {
			if (strchr("hHmMsS", f[1]))
				return XLSX_NUMBER; /* elapsed time */
			while (f[1] && f[1] != ']')
				f++;
		} else if (strncasecmp(f, "AM/PM", 5) == 0)
			f += 4;
		else if (strncasecmp(f, "A/P", 3) == 0)
			f += 2;
		else {
			char c = (char)(*f | 0x20);
			y |= c == 'y';
			m |= c == 'm';
			d |= c == 'd';
			h |= c == 'h';
			s |= c == 's';
		}
	}
	int date = y || d || (m && !h && !s), time = h || s;
	return date && time ? XLSX_DATETIME : date ? XLSX_DATE : time ? XLSX_TIME : XLSX_NUMBER;
}

enum xlsx_kind xlsx_format_kind(int id, const char *code)
{
	if (code)
		return classify(code);
	/* built-in formats, with the zh-CN ones Excel and WPS save by id only */
	static const signed char k[59] = {
	    [14] = XLSX_DATE,     [15] = XLSX_DATE, [16] = XLSX_DATE, [17] = XLSX_DATE,
	    [18] = XLSX_TIME,     [19] = XLSX_TIME, [20] = XLSX_TIME, [21] = XLSX_TIME,
	    [22] = XLSX_DATETIME, [27] = XLSX_DATE, [28] = XLSX_DATE, [29] = XLSX_DATE,
	    [30] = XLSX_DATE,     [31] = XLSX_DATE, [32] = XLSX_TIME, [33] = XLSX_TIME,
	    [34] = XLSX_TIME,     [35] = XLSX_TIME, [36] = XLSX_DATE, [45] = XLSX_TIME,
	    [47] = XLSX_TIME,     [50] = XLSX_DATE, [51] = XLSX_DATE, [52] = XLSX_DATE,
	    [53] = XLSX_DATE,     [54] = XLSX_DATE, [55] = XLSX_TIME, [56] = XLSX_TIME,
	    [57] = XLSX_DATE,     [58] = XLSX_DATE,
	};
	return id >= 0 && id < 59 ? (enum xlsx_kind)k[id] : XLSX_NUMBER;
}

/* Excel serial to text; 0 on success, -1 to keep the raw number. Serial 60
 * is 1900-02-29, the day Lotus 1-2-3 invented and Excel kept. */
static int serial_text(const char *raw, enum xlsx_kind k, int date1904, char out[32])
{
	char *end;
	double v = strtod(raw, &end);
	if (end == raw || *end || !(v >= 0 && v < 2958466))
		return -1;
	long long secs = llround(v * 86400.0), days = secs / 86400, sod = secs % 86400;
	if (k == XLSX_TIME) {
		snprintf(out, 32, "%02lld:%02lld:%02lld", sod / 3600, sod / 60 % 60, sod % 60);
		return 0;
	}
	if (!date1904 && days < 1)
		return -1; /* Excel shows 1900-01-00 */
	long long z = date1904 ? days - 24107 : days - (days < 60 ? 25568 : 25569);
	int y, mo, dd;
	if (!date1904 && days == 60)
		y = 1900, mo = 2, dd = 29;
	else { /* days since 1970-01-01 to a civil date (H. Hinnant) */
		z += 719468;
		long long era = (z >= 0 ? z : z - 146096) / 146097;
		long long doe = z - era * 146097;
		long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
		dd = (int)(doy - (153 * mp + 2) / 5 + 1);
		mo = (int)(mp < 10 ? mp + 3 : mp - 9);
		y = (int)(yoe + era * 400 + (mo <= 2));
	}
	if (k == XLSX_DATETIME && sod)
		snprintf(out, 32, "%04d-%02d-%02d %02lld:%02lld:%02lld", y, mo, dd, sod / 3600,
		         sod / 60 % 60, sod % 60);
	else
		snprintf(out, 32, "%04d-%02d-%02d", y, mo, dd);
	return 0;
}

/* A fraction stored with 17 digits (3.2999999999999998) as Excel shows it,
 * with 15; integers and exponents stay as written. */
static int tidy_number(const char *raw, char out[32])
{
	if (!strchr(raw, '.') || strpbrk(raw, "eE"))
		return -1;
	int sig = 0, lead = 1;
	for (const char *p = raw; *p; p++) {
		if (*p >= '1' && *p <= '9')
			lead = 0;
		sig += *p >= '0' && *p <= '9' && !lead;
	}
	if (sig <= 15)
		return -1;
	snprintf(out, 32, "%.15g", strtod(raw, NULL));
	return strpbrk(out, "eE") ? -1 : 0;
}

int xlsx_number_text(const char *raw, enum xlsx_kind k, int date1904, char out[32])
{
	if (k != XLSX_NUMBER && serial_text(raw, k, date1904, out) == 0)
		return 0;
	return tidy_number(raw, out);
}
