/* Member statistics for a bulk write, added up in memory: a million rows
 * imported into one base union become one org_stats change per (org,
 * dimension, value) for the union and each org above it, instead of the
 * eleven upserts times five ancestors that member_stats_apply() makes for
 * each row. The figures it writes are the same, to the row. */
#ifndef GH_STATS_ACC_H
#define GH_STATS_ACC_H

#include <stdint.h>

#include "core/db.h"
#include "member_stats.h"

struct stats_acc;

/* A new, empty accumulator for the caller to free with stats_acc_free();
 * NULL when out of memory. */
struct stats_acc *stats_acc_new(void);
/* Adds delta for m at the org with path and every ancestor, exactly as
 * member_stats_apply() would. -1 when out of memory or a value is longer
 * than any code (then nothing reliable can be written: fail the write). */
int stats_acc_add(struct stats_acc *a, const char *org_path, const struct member_dims *m,
                  int64_t delta);
/* Writes every non-zero sum to org_stats in the caller's transaction. */
int stats_acc_apply(struct stats_acc *a, struct db *d, struct err *e);
void stats_acc_free(struct stats_acc *a);

#endif
