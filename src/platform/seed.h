/* The real Shaanxi skeleton of the union tree, and optional demo unions. */
#ifndef GH_SEED_H
#define GH_SEED_H

#include "core/db.h"

/* Creates whatever is missing of: 陕西省总工会; under it the 10 市总工会
 * (division code order), 杨凌示范区总工会 at city level and the six
 * 省级产业工会; the 107 county-level 总工会 under their cities (杨陵区 under
 * 杨凌示范区); with demo, a few invented base unions in 西安 and 宝鸡.
 * Rows are matched by seed_key ("div:610102", "zone:yangling", "ind:<name>",
 * "demo:<n>"), so running it again creates nothing. *created (may be NULL)
 * gets the number of new orgs. Runs in the caller's transaction: open one
 * around it so a failure leaves no half tree. */
int seed_orgs(struct db *d, struct err *e, int demo, int *created);

#endif
