#include "account_json.h"

#include "core/validate.h"

void account_fields(struct jw *w, const struct account *a, int mfa_required)
{
	char phone[32], id_card[32];
	jw_kint(w, "id", a->id);
	jw_kstr(w, "username", a->username);
	jw_kstr(w, "real_name", a->real_name);
	jw_kstr(w, "kind", a->kind);
	jw_kstr(w, "status", a->status);
	if (a->phone) {
		mask_phone(a->phone, phone);
		jw_kstr(w, "phone", phone);
	} else {
		jw_knull(w, "phone");
	}
	if (a->id_card) {
		mask_id_card(a->id_card, id_card);
		jw_kstr(w, "id_card", id_card);
	} else {
		jw_knull(w, "id_card");
	}
	jw_kbool(w, "locked", account_locked(a));
	jw_kbool(w, "must_change_password", a->must_change_password);
	jw_kbool(w, "totp_enabled", a->totp_enabled);
	jw_kbool(w, "mfa_required", mfa_required);
}

void account_json(struct jw *w, const struct account *a, int mfa_required)
{
	jw_obj(w);
	account_fields(w, a, mfa_required);
	jw_obj_end(w);
}

int bindings_json(struct db *d, struct err *e, struct jw *w, int64_t account_id)
{
	struct db_rows *rs;
	if (db_query(d, e,
	             "SELECT b.id, o.id, o.name, o.level, r.code, r.name, b.scope FROM bindings b "
	             "JOIN orgs o ON o.id = b.org_id JOIN roles r ON r.id = b.role_id "
	             "WHERE b.account_id = $1 ORDER BY o.path, r.code",
	             DB_ARGS(DB_INT(account_id)), &rs))
		return -1;
	jw_arr(w);
	int got;
	while ((got = db_step(rs, e)) == 1) {
		jw_obj(w);
		jw_kint(w, "id", db_col_int(rs, 0));
		jw_key(w, "org");
		jw_obj(w);
		jw_kint(w, "id", db_col_int(rs, 1));
		jw_kstr(w, "name", db_col_text(rs, 2));
		jw_kstr(w, "level", db_col_text(rs, 3));
		jw_obj_end(w);
		jw_key(w, "role");
		jw_obj(w);
		jw_kstr(w, "code", db_col_text(rs, 4));
		jw_kstr(w, "name", db_col_text(rs, 5));
		jw_obj_end(w);
		jw_kstr(w, "scope", db_col_text(rs, 6));
		jw_obj_end(w);
	}
	db_rows_close(rs);
	jw_arr_end(w);
	return got < 0 ? -1 : 0;
}

int permissions_json(struct db *d, struct err *e, struct jw *w, int64_t account_id)
{
	struct db_rows *rs;
	if (db_query(d, e,
	             "SELECT DISTINCT rp.perm FROM bindings b JOIN role_permissions rp ON "
	             "rp.role_id = b.role_id WHERE b.account_id = $1 ORDER BY rp.perm",
	             DB_ARGS(DB_INT(account_id)), &rs))
		return -1;
	jw_arr(w);
	int got;
	while ((got = db_step(rs, e)) == 1)
		jw_str(w, db_col_text(rs, 0));
	db_rows_close(rs);
	jw_arr_end(w);
	return got < 0 ? -1 : 0;
}
