/* The migration runner's inside, for its unit tests. */
#ifndef GH_MIGRATE_INTERNAL_H
#define GH_MIGRATE_INTERNAL_H

#include "migrate.h"

/* migrate_run over any list ordered by version (migrate_run passes the
 * generated migrations[]). The list is borrowed. On failure *applied (may be
 * NULL) still counts the migrations committed before the one that failed,
 * and e's message names that file. */
int migrate_apply_list(struct db *d, struct err *e, const struct migration *list, int count,
                       int *applied);

#endif
