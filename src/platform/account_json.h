/* How accounts, bindings and permissions look in API answers. */
#ifndef GH_ACCOUNT_JSON_H
#define GH_ACCOUNT_JSON_H

#include "account.h"
#include "core/json_write.h"

/* The account's fields inside an object the caller opened, phone and
 * 身份证号 masked; account_json() wraps them in their own object. */
void account_fields(struct jw *w, const struct account *a, int mfa_required);
void account_json(struct jw *w, const struct account *a, int mfa_required);
/* [{"id","org":{"id","name","level"},"role":{"code","name"},"scope"}] for account_id. */
int bindings_json(struct db *d, struct err *e, struct jw *w, int64_t account_id);
/* ["orgs.read", …]: every permission any binding of account_id grants. */
int permissions_json(struct db *d, struct err *e, struct jw *w, int64_t account_id);

#endif
