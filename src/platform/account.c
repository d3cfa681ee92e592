#include "account.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "keys.h"

static const char *columns =
    "id, username, real_name, kind, status, password_hash, phone_enc, id_card_enc, "
    "password_changed_at, failed_logins, locked_until, must_change_password, totp_enabled, "
    "is_demo, totp_secret_enc, totp_pending_enc";

static void read_row(struct db_rows *rs, struct arena *a, struct account *out)
{
	memset(out, 0, sizeof(*out));
	out->id = db_col_int(rs, 0);
	out->username = db_col_null(rs, 1) ? NULL : arena_strdup(a, db_col_text(rs, 1));
	out->real_name = arena_strdup(a, db_col_text(rs, 2));
	out->kind = arena_strdup(a, db_col_text(rs, 3));
	out->status = arena_strdup(a, db_col_text(rs, 4));
	out->password_hash = arena_strdup(a, db_col_text(rs, 5));
	out->phone = keys_decrypt(a, db_col_text(rs, 6));
	out->id_card = keys_decrypt(a, db_col_text(rs, 7));
	out->password_changed_at = db_col_int(rs, 8);
	out->failed_logins = db_col_int(rs, 9);
	out->locked_until = db_col_int(rs, 10);
	out->must_change_password = (int)db_col_int(rs, 11);
	out->totp_enabled = (int)db_col_int(rs, 12);
	out->is_demo = (int)db_col_int(rs, 13);
	out->totp_secret_enc = db_col_null(rs, 14) ? NULL : arena_strdup(a, db_col_text(rs, 14));
	out->totp_pending_enc = db_col_null(rs, 15) ? NULL : arena_strdup(a, db_col_text(rs, 15));
}

static int load_one(struct db *d, struct err *e, struct arena *a, const char *where,
                    struct db_val key, struct account *out)
{
	char sql[512];
	snprintf(sql, sizeof(sql), "SELECT %s FROM accounts WHERE %s", columns, where);
	struct db_rows *rs;
	if (db_query(d, e, sql, 1, &key, &rs))
		return -1;
	int got = db_step(rs, e);
	if (got == 1)
		read_row(rs, a, out);
	db_rows_close(rs);
	if (got < 0)
		return -1;
	return got ? 0 : err_set(e, ERR_NOT_FOUND, NULL, NULL, "账号不存在");
}

int account_get(struct db *d, struct err *e, struct arena *a, int64_t id, struct account *out)
{
	return load_one(d, e, a, "id = $1", DB_INT(id), out);
}

static int all_digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int account_find_login(struct db *d, struct err *e, struct arena *a, const char *name,
                       struct account *out)
{
	char h[96];
	if (all_digits(name, 11)) {
		crypto_lookup_hash(keys(), "phone", name, h);
		return load_one(d, e, a, "phone_hash = $1", DB_TEXT(h), out);
	}
	if (strlen(name) == 18 && strspn(name, "0123456789") >= 17) {
		char up[19];
		memcpy(up, name, 19);
		if (up[17] == 'x')
			up[17] = 'X';
		crypto_lookup_hash(keys(), "id_card", up, h);
		return load_one(d, e, a, "id_card_hash = $1", DB_TEXT(h), out);
	}
	return load_one(d, e, a, "username = $1", DB_TEXT(name), out);
}

/* Encrypted value and lookup hash, or two NULLs. */
static int protect(struct arena *a, const char *domain, const char *v, struct db_val *enc,
                   struct db_val *hash, struct err *e)
{
	*enc = *hash = DB_NULL;
	if (!v || !*v)
		return 0;
	char *c;
	if (crypto_encrypt_field(keys(), v, &c))
		return err_set(e, ERR_INTERNAL, NULL, NULL, NULL);
	char *h = arena_alloc(a, 96);
	crypto_lookup_hash(keys(), domain, v, h);
	*enc = DB_TEXT(arena_strdup(a, c));
	*hash = DB_TEXT(h);
	free(c);
	return 0;
}

int account_create(struct db *d, struct err *e, const struct account_new *n, int64_t *id)
{
	struct arena a;
	arena_init(&a);
	int rc = -1;
	struct db_val phone_enc, phone_hash, id_enc, id_hash;
	char pw[160];
	if (protect(&a, "phone", n->phone, &phone_enc, &phone_hash, e) ||
	    protect(&a, "id_card", n->id_card, &id_enc, &id_hash, e))
		goto out;
	/* say which field collides: the unique indexes alone would not */
	static const struct {
		const char *sql, *field, *msg;
	} taken[] = {
	    {"SELECT COUNT(*) FROM accounts WHERE phone_hash = $1", "phone", "该手机号已注册"},
	    {"SELECT COUNT(*) FROM accounts WHERE id_card_hash = $1", "id_card",
	     "该身份证号已注册"},
	    {"SELECT COUNT(*) FROM accounts WHERE username = $1", "username", "该账号名已被使用"},
	};
	struct db_val keys3[3] = {phone_hash, id_hash,
	                          n->username ? DB_TEXT(n->username) : DB_NULL};
	for (int i = 0; i < 3; i++) {
		if (keys3[i].type == DBV_NULL)
			continue;
		int64_t count = 0;
		if (db_query_int(d, e, taken[i].sql, 1, &keys3[i], &count))
			goto out;
		if (count) {
			err_set(e, ERR_CONFLICT, "already_registered", taken[i].field, "%s",
			        taken[i].msg);
			goto out;
		}
	}
	crypto_password_hash(n->password, n->iterations, pw, sizeof(pw));
	int64_t now = (int64_t)time(NULL);
	if (db_query_int(
	        d, e,
	        "INSERT INTO accounts (username, phone_hash, phone_enc, id_card_hash, id_card_enc, "
	        "real_name, kind, password_hash, password_changed_at, must_change_password, "
	        "notice_version, notice_accepted_at, is_demo, created_by, created_at, updated_at) "
	        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $9, $9) "
	        "RETURNING id",
	        DB_ARGS(n->username ? DB_TEXT(n->username) : DB_NULL, phone_hash, phone_enc,
	                id_hash, id_enc, DB_TEXT(n->real_name), DB_TEXT(n->kind), DB_TEXT(pw),
	                DB_INT(now), DB_INT(n->must_change_password),
	                n->notice_version ? DB_TEXT(n->notice_version) : DB_NULL,
	                n->notice_version ? DB_INT(now) : DB_NULL, DB_INT(n->is_demo),
	                n->created_by ? DB_INT(n->created_by) : DB_NULL),
	        id))
		goto out;
	rc = 0;
out:
	crypto_wipe(pw, sizeof(pw));
	arena_release(&a);
	return rc;
}

int account_set_password(struct db *d, struct err *e, int64_t id, const char *password,
                         int iterations, int must_change)
{
	char pw[160];
	crypto_password_hash(password, iterations, pw, sizeof(pw));
	int64_t now = (int64_t)time(NULL);
	int rc = db_exec(d, e,
	                 "UPDATE accounts SET password_hash = $1, password_changed_at = $2, "
	                 "must_change_password = $3, updated_at = $2 WHERE id = $4",
	                 DB_ARGS(DB_TEXT(pw), DB_INT(now), DB_INT(must_change), DB_INT(id)), NULL);
	crypto_wipe(pw, sizeof(pw));
	return rc;
}

int account_admin_kinds(struct db *d, struct err *e, int64_t id, int *kinds)
{
	*kinds = 0;
	struct db_rows *rs;
	if (db_query(
	        d, e,
	        "SELECT DISTINCT r.admin_kind FROM bindings b JOIN roles r ON r.id = b.role_id "
	        "WHERE b.account_id = $1 AND r.admin_kind IS NOT NULL",
	        DB_ARGS(DB_INT(id)), &rs))
		return -1;
	int got;
	while ((got = db_step(rs, e)) == 1) {
		const char *k = db_col_text(rs, 0);
		*kinds |= !strcmp(k, "sysadmin") ? 1 : !strcmp(k, "secadmin") ? 2 : 4;
	}
	db_rows_close(rs);
	return got < 0 ? -1 : 0;
}

int account_password_expired(const struct account *a, int max_age_days)
{
	if (a->is_demo || strcmp(a->kind, "cadre"))
		return 0;
	return (int64_t)time(NULL) - a->password_changed_at > (int64_t)max_age_days * 86400;
}

int account_locked(const struct account *a)
{
	return strcmp(a->status, "active") != 0 || a->locked_until > (int64_t)time(NULL);
}
