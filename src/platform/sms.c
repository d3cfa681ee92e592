#include "sms.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "core/json_write.h"
#include "core/log.h"
#include "core/validate.h"
#include "keys.h"

/* The template with {phone} and {text} replaced by JSON-escaped values. */
static char *fill_template(const char *tpl, const char *phone, const char *text)
{
	struct jw w;
	jw_init(&w, NULL);
	for (const char *p = tpl; *p;) {
		if (!strncmp(p, "{phone}", 7)) {
			jw_escape(&w, phone, strlen(phone));
			p += 7;
		} else if (!strncmp(p, "{text}", 6)) {
			jw_escape(&w, text, strlen(text));
			p += 6;
		} else {
			jw_raw(&w, p, 1);
			p++;
		}
	}
	return w.buf; /* malloc'd by the writer */
}

static int send_http(const struct config *c, struct err *e, const char *phone, const char *text)
{
	char *body = fill_template(c->sms_http_template, phone, text);
	CURL *h = curl_easy_init();
	int rc = -1;
	if (!h) {
		err_set(e, ERR_UNAVAILABLE, "sms_unavailable", NULL, "短信服务暂不可用");
		goto out;
	}
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(h, CURLOPT_URL, c->sms_http_url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	CURLcode res = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	if (res != CURLE_OK || status < 200 || status > 299) {
		log_error("sms gateway: %s, HTTP %ld", curl_easy_strerror(res), status);
		err_set(e, ERR_UNAVAILABLE, "sms_unavailable", NULL, "短信发送失败，请稍后再试");
		goto out;
	}
	rc = 0;
out:
	free(body);
	return rc;
}

int sms_send(const struct config *c, struct err *e, const char *phone, const char *purpose,
             const char *text)
{
	if (!strcmp(c->sms_driver, "http"))
		return send_http(c, e, phone, text);
	char masked[32];
	mask_phone(phone, masked);
	log_info("sms to %s (%s): %s", masked, purpose, text);
	return 0;
}

static void code_hash(const char *phone, const char *purpose, const char *code, char out[96])
{
	char v[128];
	snprintf(v, sizeof(v), "%s/%s/%s", purpose, phone, code);
	crypto_lookup_hash(keys(), "sms", v, out);
}

int sms_code_issue(const struct config *c, struct db *d, struct err *e, const char *phone,
                   const char *purpose)
{
	char ph[96];
	crypto_lookup_hash(keys(), "phone", phone, ph);
	int64_t now = (int64_t)time(NULL), recent = 0;
	if (db_query_int(
	        d, e,
	        "SELECT COUNT(*) FROM sms_codes WHERE phone_hash = $1 AND purpose = $2 AND "
	        "created_at > $3",
	        DB_ARGS(DB_TEXT(ph), DB_TEXT(purpose), DB_INT(now - SMS_RESEND_AFTER)), &recent))
		return -1;
	if (recent > 0)
		return err_set(e, ERR_RATE_LIMITED, NULL, "phone", "验证码已发送，请 %d 秒后再试",
		               SMS_RESEND_AFTER);
	unsigned char rnd[4];
	if (crypto_random(rnd, sizeof(rnd)))
		return err_set(e, ERR_INTERNAL, NULL, NULL, NULL);
	char code[8], hash[96];
	snprintf(code, sizeof(code), "%06u",
	         (unsigned)(((uint32_t)rnd[0] << 24 | (uint32_t)rnd[1] << 16 |
	                     (uint32_t)rnd[2] << 8 | rnd[3]) %
	                    1000000u));
	code_hash(phone, purpose, code, hash);
	int64_t code_id;
	if (db_query_int(d, e,
	                 "INSERT INTO sms_codes (phone_hash, purpose, code_hash, created_at, "
	                 "expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
	                 DB_ARGS(DB_TEXT(ph), DB_TEXT(purpose), DB_TEXT(hash), DB_INT(now),
	                         DB_INT(now + SMS_CODE_TTL)),
	                 &code_id))
		return -1;
	char text[160];
	snprintf(text, sizeof(text), "code %s", code);
	char body[200];
	snprintf(body, sizeof(body), "【陕西网上工会】您的验证码是 %s，%d 分钟内有效。", code,
	         SMS_CODE_TTL / 60);
	int rc = sms_send(c, e, phone, purpose, strcmp(c->sms_driver, "http") ? text : body);
	crypto_wipe(code, sizeof(code));
	/* a code that never left may be asked for again at once */
	if (rc) {
		struct err ignored;
		db_exec(d, &ignored, "DELETE FROM sms_codes WHERE id = $1",
		        DB_ARGS(DB_INT(code_id)), NULL);
	}
	return rc;
}

int sms_code_check(struct db *d, struct err *e, const char *phone, const char *purpose,
                   const char *code, const char *field)
{
	char ph[96], hash[96];
	crypto_lookup_hash(keys(), "phone", phone, ph);
	struct db_rows *rs;
	if (db_query(
	        d, e,
	        "SELECT id, code_hash, attempts, expires_at FROM sms_codes WHERE phone_hash = $1 "
	        "AND purpose = $2 AND used_at IS NULL ORDER BY id DESC LIMIT 1",
	        DB_ARGS(DB_TEXT(ph), DB_TEXT(purpose)), &rs))
		return -1;
	int got = db_step(rs, e);
	if (got < 0) {
		db_rows_close(rs);
		return -1;
	}
	if (got == 0) {
		db_rows_close(rs);
		return err_set(e, ERR_INVALID, NULL, field, "请先获取短信验证码");
	}
	int64_t id = db_col_int(rs, 0), attempts = db_col_int(rs, 2), expires = db_col_int(rs, 3);
	char stored[96];
	snprintf(stored, sizeof(stored), "%s", db_col_text(rs, 1));
	db_rows_close(rs);
	if (expires < (int64_t)time(NULL) || attempts >= SMS_MAX_ATTEMPTS)
		return err_set(e, ERR_INVALID, NULL, field, "短信验证码已失效，请重新获取");
	code_hash(phone, purpose, code ? code : "", hash);
	if (!crypto_equal(hash, stored, strlen(stored) + 1)) {
		/* counted even when the caller's transaction rolls back: see the caller */
		db_exec(d, e, "UPDATE sms_codes SET attempts = attempts + 1 WHERE id = $1",
		        DB_ARGS(DB_INT(id)), NULL);
		return err_set(e, ERR_INVALID, NULL, field, "短信验证码不正确");
	}
	return db_exec(d, e, "UPDATE sms_codes SET used_at = $1 WHERE id = $2",
	               DB_ARGS(DB_INT((int64_t)time(NULL)), DB_INT(id)), NULL);
}
