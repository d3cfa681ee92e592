#include "member.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codes.h"
#include "core/china_time.h"
#include "core/crypto.h"
#include "core/json_write.h"
#include "core/pinyin.h"
#include "core/validate.h"
#include "keys.h"
#include "member_stats.h"

static int check_code(const char *table, const char *code, const char *field, const char *label,
                      int required, struct err *e)
{
	if (!code || !*code)
		return required ? err_set(e, ERR_INVALID, NULL, field, "请填写%s", label) : 0;
	if (!code_name(table, code))
		return err_set(e, ERR_INVALID, NULL, field, "%s“%s”不在代码表中", label, code);
	return 0;
}

int member_validate(const struct member_input *in, struct err *e)
{
	if (!in->name || !*in->name)
		return err_set(e, ERR_INVALID, NULL, "name", "请填写姓名");
	if (strlen(in->name) > 90)
		return err_set(e, ERR_INVALID, NULL, "name", "姓名过长");
	if (!in->id_card || !*in->id_card)
		return err_set(e, ERR_INVALID, NULL, "id_card", "请填写身份证号");
	if (valid_id_card(in->id_card, "id_card", e))
		return -1;
	if (in->phone && *in->phone && valid_phone(in->phone, "phone", e))
		return -1;
	if (check_code("ethnicity", in->ethnicity, "ethnicity", "民族", 0, e) ||
	    check_code("political", in->political, "political", "政治面貌", 0, e) ||
	    check_code("education", in->education, "education", "学历", 0, e) ||
	    check_code("hukou", in->hukou, "hukou", "户籍类型", 0, e) ||
	    check_code("employment", in->employment, "employment", "就业状态", 0, e) ||
	    check_code("member_status", in->status, "status", "会籍状态", 0, e))
		return -1;
	if (!in->joined_on || !*in->joined_on)
		return err_set(e, ERR_INVALID, NULL, "joined_on", "请填写入会日期");
	if (valid_date(in->joined_on, "joined_on", e))
		return -1;
	char today[11], birth[11];
	china_today(today);
	if (strcmp(in->joined_on, today) > 0)
		return err_set(e, ERR_INVALID, NULL, "joined_on", "入会日期不能晚于今天");
	id_card_birth(in->id_card, birth);
	if (strcmp(in->joined_on, birth) < 0)
		return err_set(e, ERR_INVALID, NULL, "joined_on", "入会日期早于出生日期");
	if (in->org_id <= 0)
		return err_set(e, ERR_INVALID, NULL, "org_id", "请选择所属工会");
	return 0;
}

/* The 会员证号: 61, the year joined, eight random digits. */
static void make_card_no(const char *joined_on, char out[20])
{
	unsigned char r[4];
	crypto_random(r, sizeof(r));
	unsigned v =
	    ((unsigned)r[0] << 24 | (unsigned)r[1] << 16 | (unsigned)r[2] << 8 | r[3]) % 100000000u;
	snprintf(out, 20, "61%.4s%08u", joined_on, v);
}

static const char *or_default(const char *s, const char *def)
{
	return s && *s ? s : def;
}

static const char *member_columns =
    "m.id, m.org_id, m.account_id, m.version, m.created_at, m.updated_at, m.org_path, o.name, "
    "m.name, m.id_card_enc, m.phone_enc, m.gender, m.migrant, m.flexible, m.birth_date, "
    "m.ethnicity, m.political, m.education, m.hukou, m.employment, m.employer, m.joined_on, "
    "m.card_no, m.status";

static const char *text_or_null(struct arena *a, struct db_rows *rs, int col)
{
	return db_col_null(rs, col) ? NULL : arena_strdup(a, db_col_text(rs, col));
}

static void read_member(struct db_rows *rs, struct arena *a, struct member *m)
{
	m->id = db_col_int(rs, 0);
	m->org_id = db_col_int(rs, 1);
	m->account_id = db_col_int(rs, 2);
	m->version = db_col_int(rs, 3);
	m->created_at = db_col_int(rs, 4);
	m->updated_at = db_col_int(rs, 5);
	m->org_path = arena_strdup(a, db_col_text(rs, 6));
	m->org_name = arena_strdup(a, db_col_text(rs, 7));
	m->name = arena_strdup(a, db_col_text(rs, 8));
	m->id_card = keys_decrypt(a, db_col_text(rs, 9));
	m->phone = keys_decrypt(a, db_col_text(rs, 10));
	m->gender = db_col_int(rs, 11);
	m->migrant = db_col_int(rs, 12);
	m->flexible = db_col_int(rs, 13);
	m->birth_date = arena_strdup(a, db_col_text(rs, 14));
	m->ethnicity = text_or_null(a, rs, 15);
	m->political = text_or_null(a, rs, 16);
	m->education = text_or_null(a, rs, 17);
	m->hukou = text_or_null(a, rs, 18);
	m->employment = text_or_null(a, rs, 19);
	m->employer = text_or_null(a, rs, 20);
	m->joined_on = arena_strdup(a, db_col_text(rs, 21));
	m->card_no = arena_strdup(a, db_col_text(rs, 22));
	m->status = arena_strdup(a, db_col_text(rs, 23));
}

static int load_where(struct db *d, struct err *e, struct arena *a, const char *where,
                      struct db_val key, struct member *out)
{
	char sql[1024];
	snprintf(sql, sizeof(sql),
	         "SELECT %s FROM members m JOIN orgs o ON o.id = m.org_id WHERE %s", member_columns,
	         where);
	struct db_rows *rs;
	if (db_query(d, e, sql, 1, &key, &rs))
		return -1;
	int got = db_step(rs, e);
	if (got == 1)
		read_member(rs, a, out);
	db_rows_close(rs);
	if (got < 0)
		return -1;
	return got ? 0 : err_set(e, ERR_NOT_FOUND, NULL, NULL, "会员不存在");
}

int member_get(struct db *d, struct err *e, struct arena *a, int64_t id, struct member *out)
{
	return load_where(d, e, a, "m.id = $1", DB_INT(id), out);
}

int member_of_account(struct db *d, struct err *e, struct arena *a, int64_t account_id,
                      struct member *out)
{
	return load_where(d, e, a,
	                  "m.id_card_hash = (SELECT id_card_hash FROM accounts WHERE id = $1)",
	                  DB_INT(account_id), out);
}

static struct member_dims dims_of(const struct member *m)
{
	return (struct member_dims){.gender = m->gender,
	                            .birth_date = m->birth_date,
	                            .education = m->education,
	                            .political = m->political,
	                            .employment = m->employment,
	                            .status = m->status,
	                            .hukou = m->hukou,
	                            .migrant = m->migrant,
	                            .flexible = m->flexible,
	                            .joined_on = m->joined_on};
}

static int add_history(struct db *d, struct err *e, int64_t member_id, int64_t actor,
                       const char *action, const char *changes, const char *request_id)
{
	return db_exec(d, e,
	               "INSERT INTO member_history (member_id, at, account_id, action, changes, "
	               "request_id) VALUES ($1, $2, $3, $4, $5, $6)",
	               DB_ARGS(DB_INT(member_id), DB_INT((int64_t)time(NULL)),
	                       actor ? DB_INT(actor) : DB_NULL, DB_TEXT(action), DB_TEXT(changes),
	                       DB_TEXT(request_id ? request_id : "")),
	               NULL);
}

int member_create(struct db *d, struct err *e, const struct member_input *in, const char *org_path,
                  int64_t actor, const char *request_id, int64_t *id, int64_t *holder_org)
{
	char idc[19], id_hash[96], phone_hash[96], birth[11], initials[128], alt[128], card[20];
	char *id_enc = NULL, *phone_enc = NULL;
	int rc = -1;
	*holder_org = 0;
	snprintf(idc, sizeof(idc), "%s", in->id_card);
	if (idc[17] == 'x')
		idc[17] = 'X';
	crypto_lookup_hash(keys(), "id_card", idc, id_hash);
	int64_t holder = 0;
	if (db_query_int(d, e, "SELECT org_id FROM members WHERE id_card_hash = $1",
	                 DB_ARGS(DB_TEXT(id_hash)), &holder) == 0) {
		*holder_org = holder;
		return err_set(e, ERR_CONFLICT, "already_member", "id_card",
		               "该身份证号已登记为会员");
	}
	if (e->code != ERR_NOT_FOUND)
		return -1;
	err_clear(e);
	if (crypto_encrypt_field(keys(), idc, &id_enc) ||
	    (in->phone && *in->phone && crypto_encrypt_field(keys(), in->phone, &phone_enc))) {
		err_set(e, ERR_INTERNAL, NULL, NULL, NULL);
		goto out;
	}
	if (in->phone && *in->phone)
		crypto_lookup_hash(keys(), "phone", in->phone, phone_hash);
	id_card_birth(idc, birth);
	if (pinyin_initials(in->name, initials, sizeof(initials), alt, sizeof(alt)))
		initials[0] = alt[0] = '\0';
	int64_t now = (int64_t)time(NULL);
	struct member m = {.gender = id_card_gender(idc),
	                   .birth_date = birth,
	                   .education = in->education,
	                   .political = or_default(in->political, "13"),
	                   .employment = or_default(in->employment, "employed"),
	                   .status = or_default(in->status, "normal"),
	                   .hukou = in->hukou,
	                   .migrant = in->migrant > 0,
	                   .flexible = in->flexible > 0,
	                   .joined_on = in->joined_on};
	/* the card number is random: on a clash, draw again */
	for (int attempt = 0;; attempt++) {
		make_card_no(in->joined_on, card);
		if (db_query_int(
		        d, e,
		        "INSERT INTO members (org_id, org_path, name, name_initials, "
		        "name_initials_alt, "
		        "id_card_hash, id_card_enc, phone_hash, phone_enc, gender, birth_date, "
		        "ethnicity, political, education, hukou, migrant, employment, flexible, "
		        "employer, joined_on, card_no, status, created_at, updated_at) VALUES ($1, "
		        "$2, "
		        "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
		        "$19, "
		        "$20, $21, $22, $23, $23) ON CONFLICT (card_no) DO NOTHING RETURNING id",
		        DB_ARGS(
		            DB_INT(in->org_id), DB_TEXT(org_path), DB_TEXT(in->name),
		            DB_TEXT(initials), alt[0] ? DB_TEXT(alt) : DB_NULL, DB_TEXT(id_hash),
		            DB_TEXT(id_enc), phone_enc ? DB_TEXT(phone_hash) : DB_NULL,
		            phone_enc ? DB_TEXT(phone_enc) : DB_NULL, DB_INT(m.gender),
		            DB_TEXT(birth), DB_TEXT(or_default(in->ethnicity, "01")),
		            DB_TEXT(m.political), in->education ? DB_TEXT(in->education) : DB_NULL,
		            in->hukou ? DB_TEXT(in->hukou) : DB_NULL, DB_INT(m.migrant),
		            DB_TEXT(m.employment), DB_INT(m.flexible),
		            in->employer ? DB_TEXT(in->employer) : DB_NULL, DB_TEXT(in->joined_on),
		            DB_TEXT(card), DB_TEXT(m.status), DB_INT(now)),
		        id) == 0)
			break;
		/* no row: the card number was taken (a statement that failed would
		 * end the transaction on PostgreSQL, so a clash must not fail) */
		if (e->code == ERR_NOT_FOUND && attempt < 5) {
			err_clear(e);
			continue;
		}
		if (e->code == ERR_NOT_FOUND)
			err_set(e, ERR_INTERNAL, NULL, NULL, "会员证号生成失败，请重试");
		/* the same person, filed by someone else at this moment */
		if (e->code == ERR_CONFLICT)
			err_set(e, ERR_CONFLICT, "already_member", "id_card",
			        "该身份证号已登记为会员");
		goto out;
	}
	if (member_stats_apply(d, e, org_path,
	                       &(struct member_dims){.gender = m.gender,
	                                             .birth_date = m.birth_date,
	                                             .education = m.education,
	                                             .political = m.political,
	                                             .employment = m.employment,
	                                             .status = m.status,
	                                             .hukou = m.hukou,
	                                             .migrant = m.migrant,
	                                             .flexible = m.flexible,
	                                             .joined_on = m.joined_on},
	                       1) ||
	    add_history(d, e, *id, actor, "create", "{}", request_id))
		goto out;
	rc = 0;
out:
	if (id_enc)
		free(id_enc);
	if (phone_enc)
		free(phone_enc);
	crypto_wipe(idc, sizeof(idc));
	return rc;
}

/* One changed field into the history JSON: "field":["old","new"]. */
static void change(struct jw *w, int *n, const char *field, const char *old, const char *new_)
{
	if ((old == NULL && new_ == NULL) || (old && new_ && !strcmp(old, new_)))
		return;
	jw_key(w, field);
	jw_arr(w);
	jw_str(w, old);
	jw_str(w, new_);
	jw_arr_end(w);
	(*n)++;
}

int member_update(struct db *d, struct err *e, struct arena *a, const struct member *old,
                  const struct member_input *in, const char *new_org_path, int64_t version,
                  int64_t actor, const char *request_id, const char **changes)
{
	struct member m = *old;
	char initials[128] = "", alt[128] = "";
	if (in->name)
		m.name = in->name;
	if (in->phone)
		m.phone = *in->phone ? in->phone : NULL;
#define TAKE(f)                                                                                    \
	if (in->f)                                                                                 \
		m.f = *in->f ? in->f : NULL;
	TAKE(ethnicity)
	TAKE(political)
	TAKE(education)
	TAKE(hukou)
	TAKE(employment)
	TAKE(employer)
	TAKE(status)
#undef TAKE
	if (in->joined_on)
		m.joined_on = in->joined_on;
	if (in->migrant >= 0)
		m.migrant = in->migrant > 0;
	if (in->flexible >= 0)
		m.flexible = in->flexible > 0;
	if (in->org_id > 0 && in->org_id != old->org_id) {
		m.org_id = in->org_id;
		m.org_path = new_org_path;
	}
	struct jw w;
	jw_init(&w, a);
	jw_obj(&w);
	int n = 0;
	char oldmask[32] = "", newmask[32] = "";
	change(&w, &n, "name", old->name, m.name);
	if (old->phone)
		mask_phone(old->phone, oldmask);
	if (m.phone)
		mask_phone(m.phone, newmask);
	if ((old->phone == NULL) != (m.phone == NULL) ||
	    (old->phone && m.phone && strcmp(old->phone, m.phone)))
		change(&w, &n, "phone", old->phone ? oldmask : NULL, m.phone ? newmask : NULL);
	change(&w, &n, "ethnicity", old->ethnicity, m.ethnicity);
	change(&w, &n, "political", old->political, m.political);
	change(&w, &n, "education", old->education, m.education);
	change(&w, &n, "hukou", old->hukou, m.hukou);
	change(&w, &n, "employment", old->employment, m.employment);
	change(&w, &n, "employer", old->employer, m.employer);
	change(&w, &n, "status", old->status, m.status);
	change(&w, &n, "joined_on", old->joined_on, m.joined_on);
	change(&w, &n, "migrant", old->migrant ? "1" : "0", m.migrant ? "1" : "0");
	change(&w, &n, "flexible", old->flexible ? "1" : "0", m.flexible ? "1" : "0");
	char org_old[24], org_new[24];
	snprintf(org_old, sizeof(org_old), "%lld", (long long)old->org_id);
	snprintf(org_new, sizeof(org_new), "%lld", (long long)m.org_id);
	change(&w, &n, "org_id", org_old, org_new);
	jw_obj_end(&w);
	*changes = w.buf;
	if (n == 0)
		return 0;
	char phone_hash[96];
	char *phone_enc = NULL;
	if (m.phone) {
		crypto_lookup_hash(keys(), "phone", m.phone, phone_hash);
		if (crypto_encrypt_field(keys(), m.phone, &phone_enc))
			return err_set(e, ERR_INTERNAL, NULL, NULL, NULL);
	}
	if (strcmp(old->name, m.name) &&
	    pinyin_initials(m.name, initials, sizeof(initials), alt, sizeof(alt)))
		initials[0] = alt[0] = '\0';
	int64_t updated = 0;
	int rc = db_exec(
	    d, e,
	    "UPDATE members SET org_id = $1, org_path = $2, name = $3, "
	    "name_initials = CASE WHEN $4 = '' THEN name_initials ELSE $4 END, "
	    "name_initials_alt = CASE WHEN $4 = '' THEN name_initials_alt ELSE $5 END, "
	    "phone_hash = $6, phone_enc = $7, ethnicity = $8, political = $9, education = $10, "
	    "hukou = $11, migrant = $12, employment = $13, flexible = $14, employer = $15, "
	    "joined_on = $16, status = $17, version = version + 1, updated_at = $18 "
	    "WHERE id = $19 AND version = $20",
	    DB_ARGS(DB_INT(m.org_id), DB_TEXT(m.org_path), DB_TEXT(m.name), DB_TEXT(initials),
	            alt[0] ? DB_TEXT(alt) : DB_NULL, m.phone ? DB_TEXT(phone_hash) : DB_NULL,
	            phone_enc ? DB_TEXT(phone_enc) : DB_NULL,
	            m.ethnicity ? DB_TEXT(m.ethnicity) : DB_TEXT("01"),
	            m.political ? DB_TEXT(m.political) : DB_TEXT("13"),
	            m.education ? DB_TEXT(m.education) : DB_NULL,
	            m.hukou ? DB_TEXT(m.hukou) : DB_NULL, DB_INT(m.migrant),
	            m.employment ? DB_TEXT(m.employment) : DB_TEXT("employed"), DB_INT(m.flexible),
	            m.employer ? DB_TEXT(m.employer) : DB_NULL, DB_TEXT(m.joined_on),
	            DB_TEXT(m.status), DB_INT((int64_t)time(NULL)), DB_INT(old->id),
	            DB_INT(version)),
	    &updated);
	free(phone_enc);
	if (rc)
		return -1;
	if (!updated)
		return err_set(e, ERR_CONFLICT, "stale_version", NULL,
		               "该会员信息已被他人修改，请刷新后再改");
	struct member_dims before = dims_of(old), after = dims_of(&m);
	if (member_stats_apply(d, e, old->org_path, &before, -1) ||
	    member_stats_apply(d, e, m.org_path, &after, 1) ||
	    add_history(d, e, old->id, actor, "update", *changes, request_id))
		return -1;
	return 0;
}

int member_delete(struct db *d, struct err *e, const struct member *m, int64_t actor,
                  const char *request_id)
{
	struct member_dims before = dims_of(m);
	if (db_exec(d, e, "DELETE FROM members WHERE id = $1", DB_ARGS(DB_INT(m->id)), NULL) ||
	    member_stats_apply(d, e, m->org_path, &before, -1) ||
	    add_history(d, e, m->id, actor, "delete", "{}", request_id))
		return -1;
	return 0;
}
