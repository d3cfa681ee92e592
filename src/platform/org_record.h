/* The union's own record (工会组织信息登记表) beyond its place in the tree:
 * employers, region, industry, head counts, officers, the legal-person
 * code; and the whole-subtree changes that keep every row that copies an
 * org's path right: move, merge, dissolve. Writes run in the caller's
 * transaction and keep org_history. */
#ifndef GH_ORG_RECORD_H
#define GH_ORG_RECORD_H

#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "platform/org.h"

struct org_employer {
	const char *name;
	const char *credit_code; /* GB 32100, or NULL */
	const char *org_code;    /* GB 11714, when the employer has no credit code */
};

/* Fields as a form gives them: NULL strings and negative counts are
 * "unchanged" for an update, "none" for a new org. */
struct org_fields {
	const char *name, *division_code, *industry, *unit_type, *address, *founded_on;
	const char *chair_name, *chair_phone, *contact_name, *contact_phone;
	int64_t staff_count, female_count, migrant_count;
	int employers_given; /* 1 when employers replaces the list */
	int nemployers;
	const struct org_employer *employers;
};

struct org_record {
	struct org org;
	const char *industry, *unit_type, *address, *founded_on;
	const char *chair_name, *chair_phone, *contact_name, *contact_phone; /* decrypted */
	const char *legal_code;
	const char *legal_status; /* the latest certificate's: valid, replaced, cancelled; or NULL */
	int64_t staff_count, female_count, migrant_count; /* -1 when unknown */
	int64_t version, member_count, created_at, updated_at;
	int nemployers;
	struct org_employer *employers;
};

/* Checks every given field (codes, check digits, counts, dates); the first
 * bad one fills e naming the field. type is the org's type: a 单独基层工会
 * (base) names at most one employer. */
int org_fields_validate(const struct org_fields *f, const char *type, struct err *e);

/* Loads the record of org id (strings in a). */
int org_record_get(struct db *d, struct err *e, struct arena *a, int64_t id,
                   struct org_record *out);

/* Creates an org of type under parent from f (validated): level base for
 * base and joint, otherwise one level below the parent. An employer that
 * belongs to another active union is ERR_CONFLICT "employer_taken" with
 * *holder (may be NULL) its union. */
int org_record_create(struct db *d, struct err *e, int64_t parent_id, const char *type,
                      const struct org_fields *f, int64_t actor, const char *request_id,
                      int64_t *id, int64_t *holder);

/* Applies the given fields of f when the record is still at version;
 * otherwise ERR_CONFLICT "stale_version". Employer clashes as for create. */
int org_record_update(struct db *d, struct err *e, struct arena *a, int64_t id,
                      const struct org_fields *f, int64_t version, int64_t actor,
                      const char *request_id, int64_t *holder);

/* Moves org id and its subtree under new_parent: every path below,
 * members', applications' and their timelines' copies, and the member
 * statistics of the old and new ancestors, at once. */
int org_record_move(struct db *d, struct err *e, int64_t id, int64_t new_parent, int64_t actor,
                    const char *request_id);

/* Merges base union `from` into base union `into`: its members, employers
 * and pending applications go over, and `from` is dissolved. *moved gets
 * the number of members. */
int org_record_merge(struct db *d, struct err *e, int64_t from, int64_t into, int64_t actor,
                     const char *request_id, int64_t *moved);

/* Dissolves org id: refused (ERR_UNPROCESSABLE) while it has members,
 * active unions under it, or applications in hand. Its employers are let
 * go, so another union may take them. */
int org_record_dissolve(struct db *d, struct err *e, int64_t id, const char *reason,
                        int64_t actor, const char *request_id);

#endif
