/* The printed papers of the 工会法人资格 flow (总工办发〔2020〕20号): the
 * 基层工会法人资格登记申请表 a union files with its registrar, and the
 * 工会法人资格证书 the registrar issues. Data comes from the caller; these
 * only lay it out. */
#ifndef GH_LEGAL_PDF_H
#define GH_LEGAL_PDF_H

#include "core/err.h"
#include "core/pdf.h"

/* Every field may be NULL, which prints a blank to fill in by hand. Dates
 * are "YYYY-MM-DD" and print as 2024年3月5日. */
struct legal_application {
	const char *union_name;           /* 工会名称 */
	const char *credit_code;          /* the union's own code; NULL before registration */
	const char *address;              /* 住所 */
	const char *chair_name;           /* 法定代表人（主席） */
	const char *chair_id_card;        /* printed masked, whether given masked or not */
	const char *phone;                /* 联系电话 */
	const char *employer_name;        /* 单位名称 */
	const char *employer_credit_code; /* 单位统一社会信用代码 */
	const char *member_count;         /* 会员人数 */
	const char *founded;              /* 成立日期 */
	const char *parent_name;          /* 上级工会 */
	const char *funding;              /* 经费来源 */
	const char *matter;       /* 登记, 变更, 换领, 补领 or 注销: that box is ticked */
	const char *applied;      /* 申请日期 */
	const char *approval_doc; /* 上级工会批复文号 */
	const char *term_from, *term_to; /* 任期 */
	const char *details; /* 事项说明: what changes, why a reissue or cancellation */
};

struct legal_certificate {
	const char *cert_no;     /* 证书编号 */
	const char *credit_code; /* 统一社会信用代码, starting 81 */
	const char *union_name;  /* 工会名称 */
	const char *legal_rep;   /* 法定代表人 */
	const char *address;     /* 住所 */
	const char *valid_from;  /* 有效期限 */
	const char *valid_to;
	const char *registrar;  /* 发证机关: the registering union's name */
	const char *issued;     /* 发证日期 */
	const char *verify_url; /* the public check of this certificate; also its QR code */
};

/* The application form on one portrait A4 page, in a new document that the
 * caller saves (pdf_save_file / pdf_save_buffer) and frees with pdf_free.
 * font_path is --pdf-font. NULL with e filled when the font cannot be used.
 * Nothing of a is kept. */
struct pdf *legal_pdf_application(const char *font_path, const struct legal_application *a,
                                  struct err *e);
/* The certificate on one landscape A4 page; ownership as above. */
struct pdf *legal_pdf_certificate(const char *font_path, const struct legal_certificate *c,
                                  struct err *e);

#endif
