/* Logging in and out, registration, the second factor, and "my account". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "core/log.h"
#include "core/req.h"
#include "core/server.h"
#include "core/totp.h"
#include "core/validate.h"
#include "modules.h"
#include "platform/access.h"
#include "platform/account.h"
#include "platform/account_json.h"
#include "platform/audit.h"
#include "platform/card.h"
#include "platform/keys.h"
#include "platform/ratelimit.h"
#include "platform/session.h"
#include "platform/sms.h"

static int notice(struct req *r);
static int sms_code(struct req *r);
static int do_register(struct req *r);
static int login(struct req *r);
/* The time step at which code matches the authenticator secret stored
 * encrypted in enc, or 0. */
static int64_t totp_check(const char *enc, const char *code)
{
	char *b32;
	if (!enc || crypto_decrypt_field(keys(), enc, &b32))
		return 0;
	unsigned char secret[64];
	int n = totp_unbase32(b32, secret, sizeof(secret));
	int64_t step = n > 0 ? totp_verify(secret, (size_t)n, code, (int64_t)time(NULL)) : 0;
	crypto_wipe(secret, sizeof(secret));
	crypto_wipe(b32, strlen(b32));
	free(b32);
	return step;
}

/* Accepts step for the account once: a later call with the same or an
 * earlier step (a replayed code) changes nothing and answers 0. */
static int totp_use_step(struct req *r, int64_t account_id, int64_t step)
{
	int64_t n = 0;
	if (db_exec(r->db, &r->err,
	            "UPDATE accounts SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1",
	            DB_ARGS(DB_INT(step), DB_INT(account_id)), &n))
		return 0;
	return n == 1;
}

static int mfa_sms(struct req *r);
static int mfa(struct req *r);
static int logout(struct req *r);
static int change_password(struct req *r);
static int me(struct req *r);
static int my_sessions(struct req *r);
static int revoke_session(struct req *r);
static int totp_start(struct req *r);
static int totp_confirm(struct req *r);

static const struct route routes[] = {
    {"GET", "/api/v1/auth/notice", notice, NULL, ROUTE_PUBLIC | ROUTE_NO_DB},
    {"POST", "/api/v1/auth/sms-code", sms_code, NULL, ROUTE_PUBLIC | ROUTE_NO_TX},
    {"POST", "/api/v1/auth/register", do_register, NULL, ROUTE_PUBLIC | ROUTE_NO_TX},
    {"POST", "/api/v1/auth/login", login, NULL, ROUTE_PUBLIC | ROUTE_NO_TX},
    {"POST", "/api/v1/auth/mfa/sms", mfa_sms, NULL,
     ROUTE_SELF | ROUTE_MFA | ROUTE_PW_PENDING | ROUTE_NO_TX},
    {"POST", "/api/v1/auth/mfa", mfa, NULL,
     ROUTE_SELF | ROUTE_MFA | ROUTE_PW_PENDING | ROUTE_NO_TX},
    {"POST", "/api/v1/auth/logout", logout, NULL, ROUTE_SELF | ROUTE_MFA | ROUTE_PW_PENDING},
    {"POST", "/api/v1/auth/password", change_password, NULL, ROUTE_SELF | ROUTE_PW_PENDING},
    {"GET", "/api/v1/me", me, NULL, ROUTE_SELF | ROUTE_PW_PENDING},
    {"GET", "/api/v1/me/sessions", my_sessions, NULL, ROUTE_SELF},
    {"DELETE", "/api/v1/me/sessions/:id", revoke_session, NULL, ROUTE_SELF},
    {"POST", "/api/v1/me/totp", totp_start, NULL, ROUTE_SELF},
    {"POST", "/api/v1/me/totp/confirm", totp_confirm, NULL, ROUTE_SELF},
};

const struct module auth_module = {"auth", ROUTES(routes)};

static const char *notice_version = "2026-01";
static const char *notice_title = "个人信息保护告知";
static const char *notice_text =
    "陕西省总工会（以下简称“我们”）依据《中华人民共和国个人信息保护法》，在您注册和使用陕西网上工会"
    "时，"
    "告知如下：\n"
    "一、我们收集的信息：您的手机号、真实姓名、身份证号，以及您办理入会、转会、帮扶等业务时填写的信"
    "息。\n"
    "二、使用目的：核验身份、办理工会会籍和各项服务、向您发送业务通知。我们不会将您的信息用于上述目"
    "的以外的用途。\n"
    "三、保护措施：身份证号和手机号采用国家密码算法加密存储，页面上默认以掩码显示；工作人员查看完整"
    "信息须经授权并留有审计记录。\n"
    "四、信息共享：仅在办理业务所必需时，在工会组织之间或依法向有关部门提供。\n"
    "五、您的权利：您可以查询、更正您的个人信息，可以注销账号；如有疑问，请联系所在工会或拨打 "
    "12351 职工服务热线。\n"
    "六、保存期限：在您的会籍存续期间及法律法规要求的期限内保存。";

static const struct config *cfg(struct req *r)
{
	return server_config(r->srv);
}

static int notice(struct req *r)
{
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kstr(w, "version", notice_version);
	jw_kstr(w, "title", notice_title);
	jw_kstr(w, "text", notice_text);
	jw_obj_end(w);
	return 0;
}

static void audit_now(struct req *r, int64_t account_id, const char *action, const char *target,
                      int success, const char *why)
{
	struct audit_row row = {.account_id = account_id,
	                        .action = action,
	                        .target = target,
	                        .fields =
	                            why ? arena_printf(&r->arena, "{\"reason\":\"%s\"}", why) : "",
	                        .ip = r->client_ip,
	                        .request_id = r->id,
	                        .success = success};
	struct err e;
	if (audit_append_alone(r->db, &e, &row))
		log_error("audit of %s failed: %s", action, e.message);
	r->audited = 1;
}

/* Workers: at least 8 characters, two classes; cadres: the full policy. */
static int check_password(struct req *r, const char *kind, const char *pw, const char *username)
{
	if (!strcmp(kind, "cadre"))
		return valid_password(pw, username, "password", &r->err);
	int classes = 0, lower = 0, upper = 0, digit = 0, other = 0;
	for (const char *p = pw; *p; p++) {
		lower |= *p >= 'a' && *p <= 'z';
		upper |= *p >= 'A' && *p <= 'Z';
		digit |= *p >= '0' && *p <= '9';
		other |= !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		           (*p >= '0' && *p <= '9'));
	}
	classes = lower + upper + digit + other;
	if (strlen(pw) < 8 || classes < 2)
		return req_fail(r, ERR_INVALID, "password",
		                "密码至少 8 位，且包含字母、数字、符号中的两类");
	if (strlen(pw) > 64)
		return req_fail(r, ERR_INVALID, "password", "密码最多 64 位");
	return 0;
}

static int sms_code(struct req *r)
{
	const char *phone, *purpose;
	if (req_body_str(r, "phone", 1, 20, &phone) ||
	    req_body_str(r, "purpose", 1, 20, &purpose) || valid_phone(phone, "phone", &r->err))
		return -1;
	if (strcmp(purpose, "register"))
		return req_fail(r, ERR_INVALID, "purpose", "不支持的验证码用途");
	if (ratelimit_req(r, arena_printf(&r->arena, "sms:ip:%s", r->client_ip), 3600,
	                  cfg(r)->register_rate_per_hour))
		return -1;
	struct account a;
	if (account_find_login(r->db, &r->err, &r->arena, phone, &a) == 0)
		return req_fail_as(r, ERR_CONFLICT, "already_registered", "phone",
		                   "该手机号已注册，请直接登录");
	if (r->err.code != ERR_NOT_FOUND)
		return -1;
	err_clear(&r->err);
	if (sms_code_issue(cfg(r), r->db, &r->err, phone, purpose)) {
		if (r->err.code == ERR_RATE_LIMITED)
			req_add_header(r, "Retry-After", "60");
		return -1;
	}
	r->audited = 1; /* nothing of the account yet; the code itself is not audit matter */
	req_status(r, 202);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kint(w, "expires_in", SMS_CODE_TTL);
	jw_kint(w, "resend_after", SMS_RESEND_AFTER);
	jw_obj_end(w);
	return 0;
}

/* Session answer shared by register, login and mfa: cookie + csrf + account. */
static int answer_session(struct req *r, const struct account *a, const char *token,
                          const char *csrf, int64_t lifetime, int mfa_pending, int mfa_totp,
                          int mfa_sms)
{
	req_add_header(r, "Set-Cookie",
	               session_cookie(&r->arena, token, lifetime, cfg(r)->cookie_secure));
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kstr(w, "csrf_token", csrf);
	jw_kbool(w, "mfa_required", mfa_pending);
	if (mfa_pending) {
		jw_key(w, "mfa_methods");
		jw_arr(w);
		if (mfa_totp)
			jw_str(w, "totp");
		if (mfa_sms)
			jw_str(w, "sms");
		jw_arr_end(w);
	} else {
		jw_key(w, "account");
		account_json(w, a, mfa_totp || mfa_sms);
	}
	jw_obj_end(w);
	return 0;
}

static int do_register(struct req *r)
{
	const char *phone, *name, *id_card, *password, *code, *version;
	if (req_body_str(r, "phone", 1, 20, &phone) || valid_phone(phone, "phone", &r->err) ||
	    req_body_str(r, "real_name", 1, 30, &name) ||
	    req_body_str(r, "id_card", 1, 18, &id_card) ||
	    valid_id_card(id_card, "id_card", &r->err) ||
	    req_body_str(r, "password", 1, 64, &password) ||
	    check_password(r, "worker", password, NULL) ||
	    req_body_str(r, "sms_code", 1, 6, &code) ||
	    req_body_str(r, "notice_version", 1, 20, &version))
		return -1;
	if (strcmp(version, notice_version))
		return req_fail(r, ERR_INVALID, "notice_version",
		                "个人信息保护告知已更新，请阅读最新版本后再同意");
	if (ratelimit_req(r, arena_printf(&r->arena, "register:ip:%s", r->client_ip), 3600,
	                  cfg(r)->register_rate_per_hour))
		return -1;
	char idc[19];
	snprintf(idc, sizeof(idc), "%s", id_card);
	if (idc[17] == 'x')
		idc[17] = 'X';
	struct account a;
	/* the code is checked (and used up) outside the transaction below, so a
	 * wrong guess counts even though the registration is refused; and only
	 * the holder of the phone learns whether the 身份证号 is registered */
	if (sms_code_check(r->db, &r->err, phone, "register", code, "sms_code"))
		return -1;
	struct account_new n = {.real_name = name,
	                        .kind = "worker",
	                        .phone = phone,
	                        .id_card = idc,
	                        .password = password,
	                        .iterations = cfg(r)->password_iterations,
	                        .notice_version = notice_version};
	int64_t id = 0, sid;
	char token[44], csrf[23];
	int64_t lifetime = (int64_t)cfg(r)->worker_session_days * 86400;
	if (db_begin(r->db, &r->err))
		return -1;
	struct audit_row row;
	if (account_create(r->db, &r->err, &n, &id) ||
	    session_create(r->db, &r->err, id, "active", (int64_t)cfg(r)->worker_idle_days * 86400,
	                   lifetime, r->client_ip, req_header(r, "User-Agent"), token, csrf, &sid))
		goto fail;
	audit_row_of(r, 1, &row);
	row.account_id = id;
	row.action = "auth.register";
	row.target = arena_printf(&r->arena, "account:%lld", (long long)id);
	row.fields = arena_printf(&r->arena, "{\"notice_version\":\"%s\"}", notice_version);
	if (audit_append(r->db, &r->err, &row) || db_commit(r->db, &r->err))
		goto fail;
	r->audited = 1;
	if (account_get(r->db, &r->err, &r->arena, id, &a))
		return -1;
	req_status(r, 201);
	return answer_session(r, &a, token, csrf, lifetime, 0, 0, 0);
fail:
	db_rollback(r->db);
	return -1;
}

static int mfa_needed(struct req *r, const struct account *a)
{
	if (a->totp_enabled)
		return 1;
	if (strcmp(a->kind, "cadre") || a->is_demo)
		return 0;
	int kinds = 0;
	if (account_admin_kinds(r->db, &r->err, a->id, &kinds))
		return -1;
	return kinds != 0 || cfg(r)->mfa_cadres;
}

/* The same words for an unknown name and a wrong password, so the answer
 * does not tell who has an account. */
static int bad_credentials(struct req *r, const struct config *c)
{
	return req_fail_as(r, ERR_UNAUTHENTICATED, "bad_credentials", NULL,
	                   "账号或密码不正确；连续输错 %d 次，账号将锁定 %d 分钟",
	                   c->lockout_threshold, c->lockout_minutes);
}

static int login(struct req *r)
{
	const struct config *c = cfg(r);
	const char *name, *password;
	if (req_body_str(r, "username", 1, 64, &name) ||
	    req_body_str(r, "password", 1, 128, &password))
		return -1;
	if (ratelimit_req(r, arena_printf(&r->arena, "login:ip:%s", r->client_ip), 60,
	                  c->login_rate_per_minute))
		return -1;
	char nh[96];
	crypto_lookup_hash(keys(), "login", name, nh);
	if (ratelimit_req(r, arena_printf(&r->arena, "login:name:%s", nh + 12), 60,
	                  c->login_rate_per_minute))
		return -1;
	struct account a;
	if (account_find_login(r->db, &r->err, &r->arena, name, &a)) {
		if (r->err.code != ERR_NOT_FOUND)
			return -1;
		/* as slow as a real check, so timing does not tell who exists */
		static const char *dummy = "pbkdf2-sm3$60000$AAAAAAAAAAAAAAAAAAAAAA$"
		                           "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
		crypto_password_verify(password, dummy);
		audit_now(r, 0, "auth.login", "", 0, "unknown_account");
		return bad_credentials(r, c);
	}
	int64_t now = (int64_t)time(NULL);
	const char *target = arena_printf(&r->arena, "account:%lld", (long long)a.id);
	if (a.locked_until > now || strcmp(a.status, "active")) {
		audit_now(r, a.id, "auth.login", target, 0, "locked");
		if (a.locked_until > now)
			return req_fail_as(r, ERR_UNAUTHENTICATED, "account_locked", NULL,
			                   "密码错误次数过多，账号已锁定，请 %lld 分钟后再试",
			                   (long long)((a.locked_until - now + 59) / 60));
		return req_fail_as(r, ERR_UNAUTHENTICATED, "account_locked", NULL,
		                   "账号已被锁定或停用，请联系管理员");
	}
	if (crypto_password_verify(password, a.password_hash) != 1) {
		int64_t failed = a.failed_logins + 1;
		int lock = failed >= c->lockout_threshold;
		db_exec(
		    r->db, &r->err,
		    "UPDATE accounts SET failed_logins = $1, locked_until = $2 WHERE id = $3",
		    DB_ARGS(DB_INT(lock ? 0 : failed),
		            DB_INT(lock ? now + (int64_t)c->lockout_minutes * 60 : a.locked_until),
		            DB_INT(a.id)),
		    NULL);
		audit_now(r, a.id, "auth.login", target, 0, "bad_password");
		if (lock) {
			audit_now(r, a.id, "auth.lockout", target, 1, NULL);
			return req_fail_as(r, ERR_UNAUTHENTICATED, "account_locked", NULL,
			                   "密码错误次数过多，账号已锁定 %d 分钟",
			                   c->lockout_minutes);
		}
		return bad_credentials(r, c);
	}
	int need = mfa_needed(r, &a);
	if (need < 0)
		return -1;
	int has_sms = a.phone != NULL;
	if (need && !a.totp_enabled && !has_sms)
		return req_fail_as(r, ERR_FORBIDDEN, "mfa_unavailable", NULL,
		                   "管理员账号须先登记手机号或绑定验证器，请联系系统管理员");
	int cadre = !strcmp(a.kind, "cadre");
	int64_t idle = need    ? 600
	               : cadre ? (int64_t)c->cadre_idle_minutes * 60
	                       : (int64_t)c->worker_idle_days * 86400;
	int64_t life = need    ? 600
	               : cadre ? (int64_t)c->cadre_session_hours * 3600
	                       : (int64_t)c->worker_session_days * 86400;
	char token[44], csrf[23];
	int64_t sid;
	if (db_begin(r->db, &r->err))
		return -1;
	struct audit_row row;
	audit_row_of(r, 1, &row);
	row.account_id = a.id;
	row.action = need ? "auth.login.password" : "auth.login";
	row.target = target;
	if (db_exec(r->db, &r->err,
	            "UPDATE accounts SET failed_logins = 0, locked_until = 0 WHERE id = $1",
	            DB_ARGS(DB_INT(a.id)), NULL) ||
	    session_create(r->db, &r->err, a.id, need ? "mfa" : "active", idle, life, r->client_ip,
	                   req_header(r, "User-Agent"), token, csrf, &sid) ||
	    audit_append(r->db, &r->err, &row) || db_commit(r->db, &r->err)) {
		db_rollback(r->db);
		return -1;
	}
	r->audited = 1;
	return answer_session(r, &a, token, csrf, life, need, need && a.totp_enabled,
	                      need && has_sms);
}

static int mfa_sms(struct req *r)
{
	struct account a;
	if (account_get(r->db, &r->err, &r->arena, r->auth->account_id, &a))
		return -1;
	if (!a.phone)
		return req_fail(r, ERR_UNPROCESSABLE, NULL, "账号未登记手机号");
	if (sms_code_issue(cfg(r), r->db, &r->err, a.phone, "mfa"))
		return -1;
	r->audited = 1;
	req_status(r, 202);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kint(w, "expires_in", SMS_CODE_TTL);
	jw_obj_end(w);
	return 0;
}

static int mfa(struct req *r)
{
	const char *code;
	if (req_body_str(r, "code", 1, 8, &code))
		return -1;
	if (ratelimit_req(r, arena_printf(&r->arena, "mfa:%lld", (long long)r->auth->session_id),
	                  600, 5))
		return -1;
	struct account a;
	if (account_get(r->db, &r->err, &r->arena, r->auth->account_id, &a))
		return -1;
	const char *target = arena_printf(&r->arena, "account:%lld", (long long)a.id);
	int ok = 0;
	if (a.totp_enabled) {
		int64_t step = totp_check(a.totp_secret_enc, code);
		ok = step && totp_use_step(r, a.id, step);
	}
	if (!ok && a.phone) {
		ok = sms_code_check(r->db, &r->err, a.phone, "mfa", code, "code") == 0;
		err_clear(&r->err);
	}
	if (!ok) {
		audit_now(r, a.id, "auth.mfa", target, 0, "bad_code");
		return req_fail(r, ERR_INVALID, "code", "验证码不正确或已过期");
	}
	int cadre = !strcmp(a.kind, "cadre");
	const struct config *c = cfg(r);
	int64_t idle =
	    cadre ? (int64_t)c->cadre_idle_minutes * 60 : (int64_t)c->worker_idle_days * 86400;
	int64_t life = cadre ? (int64_t)c->cadre_session_hours * 3600
	                     : (int64_t)c->worker_session_days * 86400;
	/* a new token at the end of login: the half-logged-in one is retired */
	char token[44], csrf[23];
	int64_t sid;
	struct audit_row row;
	audit_row_of(r, 1, &row);
	row.action = "auth.login";
	row.target = target;
	if (db_begin(r->db, &r->err))
		return -1;
	if (session_revoke(r->db, &r->err, r->auth->session_id, a.id) ||
	    session_create(r->db, &r->err, a.id, "active", idle, life, r->client_ip,
	                   req_header(r, "User-Agent"), token, csrf, &sid) ||
	    audit_append(r->db, &r->err, &row) || db_commit(r->db, &r->err)) {
		db_rollback(r->db);
		return -1;
	}
	r->audited = 1;
	return answer_session(r, &a, token, csrf, life, 0, 1, 1);
}

static int logout(struct req *r)
{
	if (session_revoke(r->db, &r->err, r->auth->session_id, r->auth->account_id))
		return -1;
	req_audit(r, "auth.logout", NULL, NULL);
	req_add_header(r, "Set-Cookie", session_cookie(&r->arena, NULL, 0, cfg(r)->cookie_secure));
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_obj_end(w);
	return 0;
}

static int change_password(struct req *r)
{
	const char *old_pw, *new_pw;
	if (req_body_str(r, "old_password", 1, 128, &old_pw) ||
	    req_body_str(r, "new_password", 1, 64, &new_pw))
		return -1;
	struct account a;
	if (account_get(r->db, &r->err, &r->arena, r->auth->account_id, &a))
		return -1;
	if (crypto_password_verify(old_pw, a.password_hash) != 1)
		return req_fail(r, ERR_INVALID, "old_password", "原密码不正确");
	if (!strcmp(old_pw, new_pw))
		return req_fail(r, ERR_INVALID, "new_password", "新密码不能与原密码相同");
	if (check_password(r, a.kind, new_pw, a.username)) {
		snprintf(r->err.field, sizeof(r->err.field), "new_password");
		snprintf(r->err.slug, sizeof(r->err.slug), "invalid_new_password");
		return -1;
	}
	if (account_set_password(r->db, &r->err, a.id, new_pw, cfg(r)->password_iterations, 0) ||
	    session_revoke_all(r->db, &r->err, a.id, r->auth->session_id))
		return -1;
	req_audit(r, "auth.password", arena_printf(&r->arena, "account:%lld", (long long)a.id),
	          "{\"password\":\"***\"}");
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_obj_end(w);
	return 0;
}

static int me(struct req *r)
{
	struct account a;
	if (account_get(r->db, &r->err, &r->arena, r->auth->account_id, &a))
		return -1;
	int need = mfa_needed(r, &a);
	if (need < 0)
		return -1;
	/* an expired password reads as one that must change, as the router treats it */
	a.must_change_password |= account_password_expired(&a, cfg(r)->password_max_age_days);
	struct jw *w = req_json(r);
	jw_obj(w);
	/* a new tab of the same browser has the cookie but not the token */
	jw_kstr(w, "csrf_token", r->auth->csrf);
	jw_key(w, "account");
	account_json(w, &a, need);
	jw_knull(w, "member");
	jw_key(w, "bindings");
	if (bindings_json(r->db, &r->err, w, a.id))
		return -1;
	jw_key(w, "permissions");
	if (permissions_json(r->db, &r->err, w, a.id))
		return -1;
	jw_obj_end(w);
	return 0;
}

static int my_sessions(struct req *r)
{
	struct db_rows *rs;
	int64_t now = (int64_t)time(NULL);
	if (db_query(r->db, &r->err,
	             "SELECT id, created_at, last_seen_at, ip, user_agent FROM sessions WHERE "
	             "account_id = $1 AND revoked_at IS NULL AND state = 'active' AND expires_at > "
	             "$2 AND last_seen_at + idle_seconds >= $2 ORDER BY id DESC LIMIT 50",
	             DB_ARGS(DB_INT(r->auth->account_id), DB_INT(now)), &rs))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	int got;
	while ((got = db_step(rs, &r->err)) == 1) {
		jw_obj(w);
		jw_kint(w, "id", db_col_int(rs, 0));
		jw_kint(w, "created_at", db_col_int(rs, 1));
		jw_kint(w, "last_seen_at", db_col_int(rs, 2));
		jw_kstr(w, "ip", db_col_text(rs, 3));
		jw_kstr(w, "user_agent", db_col_text(rs, 4));
		jw_kbool(w, "current", db_col_int(rs, 0) == r->auth->session_id);
		jw_obj_end(w);
	}
	db_rows_close(rs);
	jw_arr_end(w);
	jw_obj_end(w);
	return got < 0 ? -1 : 0;
}

static int revoke_session(struct req *r)
{
	int64_t id;
	if (req_param_id(r, "id", &id) || session_revoke(r->db, &r->err, id, r->auth->account_id))
		return -1;
	req_audit(r, "auth.session.revoke", arena_printf(&r->arena, "session:%lld", (long long)id),
	          NULL);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_obj_end(w);
	return 0;
}

/* otpauth URIs are read by phone apps: percent-encode everything but unreserved. */
static const char *uri_escape(struct arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = arena_alloc(a, strlen(s) * 3 + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

/* Starts binding an authenticator: needs the password again, and changes
 * nothing in force until a code from the new secret is confirmed. */
static int totp_start(struct req *r)
{
	const char *password;
	if (req_body_str(r, "password", 1, 128, &password))
		return -1;
	struct account a;
	if (account_get(r->db, &r->err, &r->arena, r->auth->account_id, &a))
		return -1;
	if (crypto_password_verify(password, a.password_hash) != 1)
		return req_fail(r, ERR_INVALID, "password", "密码不正确");
	unsigned char secret[20];
	char b32[40];
	if (crypto_random(secret, sizeof(secret)))
		return req_fail(r, ERR_INTERNAL, NULL, NULL);
	totp_base32(secret, sizeof(secret), b32);
	crypto_wipe(secret, sizeof(secret));
	char *enc;
	if (crypto_encrypt_field(keys(), b32, &enc))
		return req_fail(r, ERR_INTERNAL, NULL, NULL);
	int rc = db_exec(r->db, &r->err, "UPDATE accounts SET totp_pending_enc = $1 WHERE id = $2",
	                 DB_ARGS(DB_TEXT(enc), DB_INT(a.id)), NULL);
	free(enc);
	if (rc)
		return -1;
	const char *label = a.username ? a.username : a.real_name;
	req_audit(r, "auth.totp.start", NULL, NULL);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kstr(w, "secret", b32);
	const char *uri =
	    arena_printf(&r->arena, "otpauth://totp/%s:%s?secret=%s&issuer=%s",
	                 uri_escape(&r->arena, "陕西网上工会"), uri_escape(&r->arena, label), b32,
	                 uri_escape(&r->arena, "陕西网上工会"));
	jw_kstr(w, "otpauth_uri", uri);
	/* the authenticator app scans this */
	jw_kstr(w, "qr_svg", card_qr_svg(&r->arena, uri));
	jw_obj_end(w);
	crypto_wipe(b32, sizeof(b32));
	return 0;
}

static int totp_confirm(struct req *r)
{
	const char *code;
	if (req_body_str(r, "code", 1, 8, &code))
		return -1;
	struct account a;
	if (account_get(r->db, &r->err, &r->arena, r->auth->account_id, &a))
		return -1;
	if (!a.totp_pending_enc)
		return req_fail(r, ERR_UNPROCESSABLE, NULL, "请先开始绑定验证器");
	int64_t step = totp_check(a.totp_pending_enc, code);
	if (!step)
		return req_fail(r, ERR_INVALID, "code", "验证码不正确，请核对手机上的验证器");
	if (db_exec(
	        r->db, &r->err,
	        "UPDATE accounts SET totp_secret_enc = totp_pending_enc, totp_pending_enc = NULL, "
	        "totp_enabled = 1, totp_last_step = $1 WHERE id = $2",
	        DB_ARGS(DB_INT(step), DB_INT(a.id)), NULL))
		return -1;
	req_audit(r, "auth.totp.enable", NULL, NULL);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_obj_end(w);
	return 0;
}
