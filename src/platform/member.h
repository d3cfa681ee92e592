/* The member record (会员): one per person province-wide, keyed by the
 * lookup hash of the 身份证号. Writes keep org_stats and member_history in
 * the caller's transaction. */
#ifndef GH_MEMBER_H
#define GH_MEMBER_H

#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"

/* The fields a person or a file supplies; codes, not names. */
struct member_input {
	const char *name, *id_card, *phone;
	const char *ethnicity, *political, *education, *hukou, *employment;
	int64_t migrant, flexible;
	const char *employer, *joined_on, *status;
	int64_t org_id;
};

struct member {
	int64_t id, org_id, account_id, version, created_at, updated_at;
	const char *org_path, *org_name, *name, *id_card, *phone; /* id_card, phone decrypted */
	int64_t gender, migrant, flexible;
	const char *birth_date, *ethnicity, *political, *education, *hukou, *employment;
	const char *employer, *joined_on, *card_no, *status;
};

/* Checks every field of in (check digits, code tables, dates); the first
 * bad one fills e naming the field. A 15-digit 身份证号 is refused here:
 * files convert it before (id_card_from15). */
int member_validate(const struct member_input *in, struct err *e);
/* Files a new member at in->org_id (whose path is org_path). A 身份证号 that
 * is already filed is ERR_CONFLICT slug "already_member"; *holder_org gets
 * the holding org's id so the caller can name it when in scope. */
int member_create(struct db *d, struct err *e, const struct member_input *in, const char *org_path,
                  int64_t actor, const char *request_id, int64_t *id, int64_t *holder_org);
/* Loads a member with its org's path and name (strings in a). */
int member_get(struct db *d, struct err *e, struct arena *a, int64_t id, struct member *out);
/* Applies the changed fields of in (NULL strings and negative ints mean
 * unchanged) when the stored version is still version; a newer version is
 * ERR_CONFLICT slug "stale_version". new_org_path is the path of
 * in->org_id when it changes the org. *changes (arena) gets the JSON of
 * what changed. */
int member_update(struct db *d, struct err *e, struct arena *a, const struct member *old,
                  const struct member_input *in, const char *new_org_path, int64_t version,
                  int64_t actor, const char *request_id, const char **changes);
/* Removes a record filed by mistake; its history stays. */
int member_delete(struct db *d, struct err *e, const struct member *m, int64_t actor,
                  const char *request_id);
/* The member whose 身份证号 hash equals that of the account's, or ERR_NOT_FOUND. */
int member_of_account(struct db *d, struct err *e, struct arena *a, int64_t account_id,
                      struct member *out);

#endif
