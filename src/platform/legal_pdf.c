#include "legal_pdf.h"

#include <qrencode.h>
#include <stdio.h>
#include <string.h>

#include "core/validate.h"

enum {
	RED = 0xa8191e, /* the red of seals and certificate borders */
	BLACK = 0x000000,
};

/* "2024-03-05" as 2024年3月5日, the way dates are written on official papers;
 * anything else as given. */
static const char *cn_date(const char *d, char out[32])
{
	unsigned y, m, day;
	char tail;
	if (d && strlen(d) == 10 && sscanf(d, "%4u-%2u-%2u%c", &y, &m, &day, &tail) == 3) {
		snprintf(out, 32, "%u年%u月%u日", y, m, day);
		return out;
	}
	return d;
}

/* Draws label spread out to exactly width w, as labels of unequal length
 * are set on certificates ("名　　称" over "法定代表人"). */
static void spread(struct pdf *p, double x, double y, double w, double size, const char *label)
{
	size_t chars = 0;
	for (const char *s = label; *s; s++)
		chars += ((unsigned char)*s & 0xc0) != 0x80;
	double natural = pdf_text_width(p, label, size);
	pdf_char_space(p, chars > 1 ? (w - natural) / (double)(chars - 1) : 0);
	pdf_text(p, x, y, size, PDF_LEFT, label);
	pdf_char_space(p, 0);
}

/* text as a QR code, its dark modules filled squares, in a side × side
 * square whose bottom-left corner is (x, y). Adjacent modules in a row are
 * one rectangle, so no hairline seams show between them. Returns -1 when
 * text is too long to encode. */
static int qr(struct pdf *p, double x, double y, double side, const char *text)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q)
		return -1;
	int n = q->width;
	double m = side / n;
	for (int r = 0; r < n; r++) {
		for (int c = 0; c < n;) {
			if (!(q->data[r * n + c] & 1)) {
				c++;
				continue;
			}
			int run = c;
			while (run < n && (q->data[r * n + run] & 1))
				run++;
			pdf_fill(p, x + c * m, y + side - (r + 1) * m, (run - c) * m, m);
			c = run;
		}
	}
	QRcode_free(q);
	return 0;
}

struct pdf *legal_pdf_application(const char *font_path, const struct legal_application *a,
                                  struct err *e)
{
	struct pdf *p = pdf_open(font_path, e);
	if (!p)
		return NULL;
	pdf_info(p, "基层工会法人资格登记申请表", a->union_name);
	pdf_page(p, 0);
	double W = pdf_page_width(p), H = pdf_page_height(p);

	pdf_bold(p, 1);
	pdf_char_space(p, 2);
	pdf_text_centered(p, W / 2, H - 78, 20, "基层工会法人资格登记申请表");
	pdf_char_space(p, 0);
	pdf_bold(p, 0);

	char id[32] = "", founded[32], applied[32], members[64] = "", from[32], to[32],
	     term[80] = "";
	if (a->chair_id_card && *a->chair_id_card)
		mask_id_card(a->chair_id_card, id);
	if (a->member_count && *a->member_count)
		snprintf(members, sizeof(members), "%.40s 人", a->member_count);

	if (a->term_from && a->term_to)
		snprintf(term, sizeof(term), "%s 至 %s", cn_date(a->term_from, from),
		         cn_date(a->term_to, to));

	static const char *const matters[] = {"登记", "变更", "换领", "补领", "注销"};
	char matter[128] = "";
	size_t len = 0;
	for (size_t i = 0; i < sizeof(matters) / sizeof(matters[0]); i++) {
		int on = a->matter && !strcmp(a->matter, matters[i]);
		len += (size_t)snprintf(matter + len, sizeof(matter) - len, "%s%s %s",
		                        i ? "　　" : "", on ? "■" : "□", matters[i]);
	}

	const struct pdf_row rows[] = {
	    {"工会名称", a->union_name, NULL, NULL, 0, NULL},
	    {"统一社会信用代码", a->credit_code, "成立日期", cn_date(a->founded, founded), 0, NULL},
	    {"住　　所", a->address, NULL, NULL, 0, NULL},
	    {"法定代表人\n（主席）姓名", a->chair_name, "身份证号", *id ? id : NULL, 0, NULL},
	    {"联系电话", a->phone, "会员人数", *members ? members : NULL, 0, NULL},
	    {"单位名称", a->employer_name, NULL, NULL, 0, NULL},
	    {"单位统一社会\n信用代码", a->employer_credit_code, NULL, NULL, 0, NULL},
	    {"上级工会", a->parent_name, NULL, NULL, 0, NULL},
	    {"经费来源", a->funding, NULL, NULL, 0, NULL},
	    {"上级工会\n批复文号", a->approval_doc, NULL, NULL, 0, NULL},
	    {"任　　期", *term ? term : NULL, NULL, NULL, 0, NULL},
	    {"申请事项", matter, NULL, NULL, 0, NULL},
	    {"事项说明", a->details, NULL, NULL, 0, NULL},
	    {"申请日期", cn_date(a->applied, applied), NULL, NULL, 0, NULL},
	    {"申请单位\n意　　见", NULL, NULL, NULL, 92, "申请单位（盖章）　\n年　　月　　日　"},
	    {"上级工会\n审查意见", NULL, NULL, NULL, 92, "上级工会（盖章）　\n年　　月　　日　"},
	};
	struct pdf_table t = {.x = 45,
	                      .top = H - 108,
	                      .col = {104, 160, 78, 163},
	                      .size = 11.5,
	                      .border = 0.8,
	                      .row = 31};
	double bottom = pdf_table(p, &t, rows, (int)(sizeof(rows) / sizeof(rows[0])));
	/* a heavier outer frame, as printed forms have */
	pdf_box(p, t.x, bottom, t.col[0] + t.col[1] + t.col[2] + t.col[3], t.top - bottom, 1.6);

	static const char *const notes[] = {
	    "填表说明：",
	    "1. 依据总工办发〔2020〕20号办理，登记机关为住所地县级以上地方总工会，不收取费用。",
	    "2. "
	    "随表提交：选举结果及上级工会批复文件（载明文号与任期）、法定代表人和经办人的身份证明"
	    "。",
	    "3. 名称、住所、法定代表人等事项发生变化的，应自变化之日起30日内申请变更。",
	    "4. 为保护个人信息，本表上的身份证号只显示首尾。",
	};
	double y = bottom - 12;
	for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
		y -= pdf_wrap(p, t.x + (i ? 9 : 0), y, W - 2 * t.x - 9, 9, PDF_LEFT, notes[i]);
	return p;
}

struct pdf *legal_pdf_certificate(const char *font_path, const struct legal_certificate *c,
                                  struct err *e)
{
	struct pdf *p = pdf_open(font_path, e);
	if (!p)
		return NULL;
	pdf_info(p, "工会法人资格证书", c->union_name);
	pdf_page(p, 1);
	double W = pdf_page_width(p), H = pdf_page_height(p);

	pdf_color(p, RED);
	pdf_box(p, 22, 22, W - 44, H - 44, 3.5);
	pdf_box(p, 30, 30, W - 60, H - 60, 0.8);
	/* corner marks inside the frame */
	for (int i = 0; i < 4; i++) {
		double cx = i & 1 ? W - 38 : 38, cy = i & 2 ? H - 38 : 38;
		double dx = i & 1 ? -18 : 18, dy = i & 2 ? -18 : 18;
		pdf_line(p, cx, cy, cx + dx, cy, 1.6);
		pdf_line(p, cx, cy, cx, cy + dy, 1.6);
	}

	pdf_bold(p, 1);
	pdf_char_space(p, 10);
	pdf_text_centered(p, W / 2, H - 108, 34, "工会法人资格证书");
	pdf_char_space(p, 0);
	pdf_bold(p, 0);
	pdf_color(p, BLACK);

	char code[160], no[160];
	snprintf(code, sizeof(code), "统一社会信用代码：%s", c->credit_code ? c->credit_code : "");
	snprintf(no, sizeof(no), "证书编号：%s", c->cert_no ? c->cert_no : "");
	pdf_text(p, 72, H - 152, 12, PDF_LEFT, code);
	pdf_text(p, W - 72, H - 152, 12, PDF_RIGHT, no);

	char from[32], to[32], term[96] = "";
	const char *f = cn_date(c->valid_from, from), *t = cn_date(c->valid_to, to);
	if (f || t)
		snprintf(term, sizeof(term), "%s 至 %s", f ? f : "", t ? t : "");
	const struct {
		const char *label, *value;
	} rows[] = {
	    {"名称", c->union_name},
	    {"法定代表人", c->legal_rep},
	    {"住所", c->address},
	    {"有效期限", term},
	};
	const double size = 16, label_x = 110, label_w = 5 * size, value_x = label_x + label_w + 28;
	const double qr_side = 118, qr_x = W - 72 - qr_side, value_w = qr_x - 36 - value_x;
	double y = H - 200;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* the label's baseline matches the value's first line */
		spread(p, label_x, y - size * 0.2 - size * 0.86, label_w, size, rows[i].label);
		double h = pdf_wrap(p, value_x, y, value_w, size, PDF_LEFT, rows[i].value);
		y -= (h > size * 1.4 ? h : size * 1.4) + 22;
	}

	if (c->verify_url && *c->verify_url) {
		if (qr(p, qr_x, H - 186 - qr_side, qr_side, c->verify_url) == 0)
			pdf_text_centered(p, qr_x + qr_side / 2, H - 186 - qr_side - 18, 10,
			                  "扫码核验");
	}

	char issued[32];
	const char *d = cn_date(c->issued, issued);
	char org[200];
	snprintf(org, sizeof(org), "发证机关：%s", c->registrar ? c->registrar : "");
	pdf_text(p, W - 96, 128, 15, PDF_RIGHT, org);
	pdf_text(p, W - 96, 100, 15, PDF_RIGHT, d ? d : "　　年　　月　　日");

	char check[600];
	snprintf(check, sizeof(check), "本证书可通过 陕西网上工会 核验：%s",
	         c->verify_url ? c->verify_url : "");
	pdf_wrap(p, 72, 72, W / 2, 9.5, PDF_LEFT, check);
	return p;
}
