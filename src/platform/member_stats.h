/* Member statistics kept as per-org subtree counts (org_stats): every
 * member write adds or subtracts its dimension values at its org and every
 * org above it, in the same transaction, so the figures for any subtree
 * are a read of one org's rows. */
#ifndef GH_MEMBER_STATS_H
#define GH_MEMBER_STATS_H

#include "core/db.h"

/* The values a member contributes to the statistics. */
struct member_dims {
	int64_t gender;
	const char *birth_date; /* YYYY-MM-DD */
	const char *education, *political, *employment, *status, *hukou;
	int64_t migrant, flexible;
	const char *joined_on; /* YYYY-MM-DD */
};

/* Adds delta (+1 or -1) for m at the org with path and at every ancestor. */
int member_stats_apply(struct db *d, struct err *e, const char *org_path,
                       const struct member_dims *m, int64_t delta);
/* Moves every count of the subtree at old_path's org id to new ancestors:
 * subtracts the subtree's own totals from the old ancestors (above it) and
 * adds them to the new ones. Call after the org's path was rewritten. */
int member_stats_move_subtree(struct db *d, struct err *e, int64_t org_id, const char *old_path,
                              const char *new_path);

#endif
