/* The administrative subcommands: seed, user, audit. */
#ifndef GH_CLI_H
#define GH_CLI_H

#include "core/config.h"
#include "core/db.h"

/* gonghui seed [--demo]: the Shaanxi union tree, built-in roles, and with
 * --demo the demo unions and accounts (password Demo@2026). */
int cli_seed(struct config *c);
/* gonghui user add|passwd|lock|unlock …: accounts from the command line,
 * for the first administrator and for emergencies. */
int cli_user(struct config *c);
/* gonghui audit verify: exit 1 when the chain is broken. */
int cli_audit(struct config *c);
/* Opens the database of c for a subcommand: the schema must be current and
 * the key file loadable. On failure e says why and *d is NULL. */
int cli_open(struct config *c, struct db **d, struct err *e);

#endif
