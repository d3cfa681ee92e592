/* gonghui import: bulk imports from the command line. */
#ifndef GH_IMPORT_CLI_H
#define GH_IMPORT_CLI_H

#include "core/config.h"

/* gonghui import members|orgs FILE --org ID [--commit]: validates FILE (CSV
 * or XLSX) as members or base unions, prints the counts and the error
 * report's path, and with --commit imports the good rows in one
 * transaction. Exit 0 on success, 1 on a
 * failure (nothing written), 2 on a usage error. */
int cli_import(struct config *c);

#endif
