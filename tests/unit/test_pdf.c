/* Printable PDFs with Chinese text: the wrapper's wrapping and errors, and the
 * 法人资格 application form and certificate rendered, with the font embedded,
 * their text extractable and page 1 rasterised when poppler's tools exist.
 * GONGHUI_TEST_KEEP=1 keeps the files (PDFs and PNGs) and prints where. */
#include "unit.h"

#include <sys/stat.h>
#include <unistd.h>

#include "core/pdf.h"
#include "platform/legal_pdf.h"

static const char *font(void)
{
	return "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc";
}

static char dir[] = "/tmp/gh_unit_pdf.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	const char *keep = getenv("GONGHUI_TEST_KEEP");
	if (keep && *keep) {
		fprintf(stderr, "PDF test files kept in %s\n", dir);
		return 0;
	}
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int have(const char *tool)
{
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	size_t got = fread(buf, 1, (size_t)n, f);
	fclose(f);
	buf[got] = '\0';
	*len = got;
	return buf;
}

static int contains(const char *buf, size_t len, const char *needle)
{
	return memmem(buf, len, needle, strlen(needle)) != NULL;
}

/* The text pdftotext finds in path (malloc'd), or NULL without poppler. */
static char *text_of(const char *path)
{
	if (!have("pdftotext"))
		return NULL;
	char out[300], cmd[700];
	snprintf(out, sizeof(out), "%s.txt", path);
	/* its stderr carries a harmless complaint about libharu's ToUnicode map */
	snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 '%s' '%s' 2>/dev/null", path, out);
	assert_int_equal(system(cmd), 0);
	size_t n;
	char *t = slurp(out, &n);
	assert_non_null(t);
	return t;
}

/* Renders page 1 to path.png and checks the image is there and not blank. */
static void raster(const char *path)
{
	if (!have("pdftoppm"))
		return;
	char cmd[700], png[300];
	snprintf(cmd, sizeof(cmd),
	         "pdftoppm -f 1 -l 1 -r 100 -png -singlefile '%s' '%s' 2>/dev/null", path, path);
	assert_int_equal(system(cmd), 0);
	snprintf(png, sizeof(png), "%s.png", path);
	struct stat st;
	assert_int_equal(stat(png, &st), 0);
	/* an empty A4 page at 100 dpi compresses to a few KiB */
	if (st.st_size < 20000)
		fail_msg("%s is only %lld bytes", png, (long long)st.st_size);
	size_t n;
	char *b = slurp(png, &n);
	assert_memory_equal(b, "\x89PNG", 4);
	free(b);
}

static void check_pdf(const char *path)
{
	size_t n;
	char *b = slurp(path, &n);
	assert_non_null(b);
	assert_true(n > 1000);
	assert_memory_equal(b, "%PDF-", 5);
	assert_true(contains(b, n, "/FontFile2")); /* the TrueType font travels with it */
	assert_true(contains(b, n, "%%EOF"));
	free(b);
}

static const struct legal_certificate cert = {
    .cert_no = "陕工法证字第610113000128号",
    .credit_code = "81610113MC0012345X",
    .union_name = "西安长安精密仪器有限公司工会委员会",
    .legal_rep = "王建华",
    .address = "陕西省西安市雁塔区高新路科技二路68号西安软件园秦风阁A座12层",
    .valid_from = "2024-03-15",
    .valid_to = "2029-03-14",
    .registrar = "西安市雁塔区总工会",
    .issued = "2024-03-15",
    .verify_url = "https://wsgh.shaanxigh.org.cn/verify/cert/610113000128",
};

static void test_certificate(void **state)
{
	(void)state;
	struct err e = {0};
	struct pdf *p = legal_pdf_certificate(font(), &cert, &e);
	if (!p)
		fail_msg("%s", e.message);
	char path[300];
	snprintf(path, sizeof(path), "%s/certificate.pdf", dir);
	assert_int_equal(pdf_save_file(p, path, &e), 0);

	/* the same bytes, in memory, for a download */
	unsigned char *buf;
	size_t len, flen;
	assert_int_equal(pdf_save_buffer(p, &buf, &len, &e), 0);
	char *file = slurp(path, &flen);
	assert_int_equal(len, flen);
	assert_memory_equal(buf, "%PDF-", 5);
	free(file);
	free(buf);
	pdf_free(p);

	check_pdf(path);
	char *t = text_of(path);
	if (t) {
		assert_non_null(strstr(t, "工会法人资格证书") ? t : strstr(t, "工 会 法 人"));
		assert_non_null(strstr(t, "西安长安精密仪器有限公司工会委员会"));
		assert_non_null(strstr(t, "81610113MC0012345X"));
		assert_non_null(strstr(t, "西安市雁塔区总工会"));
		assert_non_null(strstr(t, "2029年3月14日"));
		assert_non_null(strstr(t, "陕西网上工会"));
		free(t);
	}
	raster(path);
}

static void test_application(void **state)
{
	(void)state;
	const struct legal_application a = {
	    .union_name = "西安长安精密仪器有限公司工会委员会",
	    .credit_code = NULL, /* not yet registered */
	    .address = "陕西省西安市雁塔区高新路科技二路68号",
	    .chair_name = "王建华",
	    .chair_id_card = "610113198503152718",
	    .phone = "029-88886666",
	    .employer_name = "西安长安精密仪器有限公司",
	    .employer_credit_code = "91610113MA6TXXXX0L",
	    .member_count = "236",
	    .founded = "2015-06-01",
	    .parent_name = "西安市雁塔区总工会",
	    .funding = "单位按全部职工工资总额2%拨缴的工会经费、会员会费",
	    .approval_doc = "雁工发〔2024〕8号",
	    .term_from = "2024-01-01",
	    .term_to = "2028-12-31",
	    .details = "换届后首次登记",
	    .matter = "登记",
	    .applied = "2024-03-01",
	};
	struct err e = {0};
	struct pdf *p = legal_pdf_application(font(), &a, &e);
	if (!p)
		fail_msg("%s", e.message);
	char path[300];
	snprintf(path, sizeof(path), "%s/application.pdf", dir);
	assert_int_equal(pdf_save_file(p, path, &e), 0);
	pdf_free(p);

	check_pdf(path);
	char *t = text_of(path);
	if (t) {
		assert_non_null(strstr(t, "基层工会法人资格登记申请表"));
		assert_non_null(strstr(t, "西安长安精密仪器有限公司工会委员会"));
		assert_non_null(strstr(t, "上级工会审查意见") ? t : strstr(t, "审查意见"));
		assert_non_null(strstr(t, "6101**********2718"));
		assert_null(strstr(t, "610113198503152718")); /* only masked on paper */
		assert_non_null(strstr(t, "2015年6月1日"));
		assert_non_null(strstr(t, "雁工发〔2024〕8号"));
		assert_non_null(strstr(t, "2028年12月31日"));
		assert_non_null(strstr(t, "换届后首次登记"));
		free(t);
	}
	raster(path);

	/* every field blank is a form to fill in by hand */
	const struct legal_application blank = {0};
	p = legal_pdf_application(font(), &blank, &e);
	assert_non_null(p);
	snprintf(path, sizeof(path), "%s/blank.pdf", dir);
	assert_int_equal(pdf_save_file(p, path, &e), 0);
	pdf_free(p);
	check_pdf(path);
}

static void test_wrap(void **state)
{
	(void)state;
	struct err e = {0};
	struct pdf *p = pdf_open(font(), &e);
	assert_non_null(p);
	pdf_page(p, 0);
	/* ideographs are one em wide */
	assert_float_equal(pdf_text_width(p, "工会", 10), 20, 0.01);
	assert_float_equal(pdf_wrap_height(p, 100, 10, ""), 0, 0.01);
	assert_float_equal(pdf_wrap_height(p, 100, 10, "工会"), 14, 0.01);
	/* ten ideographs in 45 points: lines of four, four and two */
	assert_float_equal(pdf_wrap_height(p, 45, 10, "一二三四五六七八九十"), 42, 0.01);
	assert_float_equal(pdf_wrap_height(p, 100, 10, "一\n\n二"), 42, 0.01);
	/* a word is not cut where a space allows a break */
	double w = pdf_text_width(p, "verify", 10);
	assert_float_equal(pdf_wrap_height(p, w + 1, 10, "verify verify"), 28, 0.01);
	/* a code or a year moves to the next line whole; one too long for a line is cut */
	w = pdf_text_width(p, "ABCDEF", 10);
	assert_float_equal(pdf_wrap_height(p, w + 1, 10, "工会ABCDEF"), 28, 0.01);
	assert_float_equal(pdf_wrap_height(p, w + 1, 10, "ABCDEFABCDEF"), 28, 0.01);
	assert_float_equal(pdf_wrap_height(p, w + 1, 10, "ABCDEFABCDEFA"), 42, 0.01);
	/* bad UTF-8, controls and characters beyond 16-bit glyph ids print as '?' */
	assert_float_equal(pdf_text_width(p, "\xff", 10), pdf_text_width(p, "?", 10), 0.01);
	assert_float_equal(pdf_text_width(p, "\xe5\xb7", 10), pdf_text_width(p, "?", 10), 0.01);
	assert_float_equal(pdf_text_width(p, "\xf0\xa0\xae\xb7", 10), pdf_text_width(p, "?", 10),
	                   0.01);
	pdf_text(p, 10, 10, 10, PDF_LEFT, "\xe5\xb7\t\xf0\xa0\xae\xb7\xc0\xaf");
	unsigned char *buf;
	size_t len;
	if (pdf_save_buffer(p, &buf, &len, &e))
		fail_msg("%s", e.message);
	assert_true(len > 1000);
	free(buf);
	pdf_free(p);
}

static void test_errors(void **state)
{
	(void)state;
	struct err e = {0};
	assert_null(pdf_open("/nonexistent/font.ttf", &e));
	assert_int_equal(e.code, ERR_INTERNAL);
	assert_non_null(strstr(e.message, "--pdf-font"));
	assert_non_null(strstr(e.message, "无法打开"));

	err_clear(&e);
	assert_null(pdf_open("", &e));
	assert_non_null(strstr(e.message, "--pdf-font"));

	/* a file that is no font at all */
	char path[300];
	snprintf(path, sizeof(path), "%s/not-a-font.ttf", dir);
	FILE *f = fopen(path, "w");
	fputs("#!/bin/sh\necho not a font\n", f);
	fclose(f);
	err_clear(&e);
	assert_null(pdf_open(path, &e));
	assert_non_null(strstr(e.message, "--pdf-font"));

	/* CFF outlines, which libharu cannot embed */
	const char *cff = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
	if (access(cff, R_OK) == 0) {
		err_clear(&e);
		assert_null(legal_pdf_certificate(cff, &cert, &e));
		assert_int_equal(e.code, ERR_INTERNAL);
	}

	/* an unwritable destination is reported, the document stays usable */
	struct pdf *p = pdf_open(font(), &e);
	assert_non_null(p);
	err_clear(&e);
	assert_int_equal(pdf_save_file(p, "/tmp", &e), -1); /* no page yet */
	pdf_page(p, 0);
	pdf_text(p, 50, 50, 12, PDF_LEFT, "工会");
	err_clear(&e);
	assert_int_equal(pdf_save_file(p, "/nonexistent/dir/x.pdf", &e), -1);
	assert_non_null(strstr(e.message, "/nonexistent/dir/x.pdf"));
	pdf_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wrap),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_application),
	    cmocka_unit_test(test_certificate),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
