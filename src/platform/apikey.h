/* API keys (分级分版块管理秘钥): issued for an org (or its subtree) and a set
 * of sections, read-only, shown once, stored as a keyed hash, with expiry,
 * revocation and a rate per minute. Used as "Authorization: Bearer gh_…". */
#ifndef GH_APIKEY_H
#define GH_APIKEY_H

#include <stdint.h>

#include "core/db.h"

struct req;
struct route;

/* Checks the bearer key for this route and fills r->auth with the key's one
 * grant. Unknown, expired or revoked keys are 401; a write or a section the
 * key lacks is 403; past its rate 429. */
int apikey_authenticate(struct req *r, const char *key, const struct route *rt);
/* Makes a key; *key_out (arena of r) is the only time the secret exists in clear. */
int apikey_create(struct req *r, const char *name, int64_t org_id, const char *scope,
                  const char *sections, int64_t rate_per_minute, int64_t expires_at,
                  const char **key_out, int64_t *id);

#endif
