/* Bulk imports (会员批量导入, 基层工会批量导入): the validate pass and the
 * commit pass over an uploaded CSV or XLSX file, for the API's background
 * jobs and the CLI alike. What differs between kinds (columns, row rules,
 * what a good row writes) is import_kind.h's; everything here is shared.
 *
 * Validation reads the whole file, checks every row and writes an error
 * report of the bad rows. It writes nothing to the database. Members: the
 * rules of import_row.h, then the same 身份证号 twice in the file, a person
 * already filed anywhere in the province, a 所属工会编号 that is not a base
 * union in the importer's scope; it keeps nothing in memory but a hash set
 * of the numbers seen, so a file of a million rows is fine. Base unions:
 * org_import.c.
 *
 * The commit reads the file again and runs the same checks inside ONE
 * transaction, writing the good rows as it goes (members, their history; a
 * number filed meanwhile is a bad row), then what the kind adds at the end
 * (the statistics summed per org), then what the caller adds (the job
 * row, the audit row), then commits. If the count of good rows is not the one validation reported,
 * the data changed in between: the commit stops as soon as the count
 * cannot come out right, and nothing is written. A killed process never
 * commits: the database is as it was. */
#ifndef GH_IMPORT_JOB_H
#define GH_IMPORT_JOB_H

#include <stdint.h>

#include "core/crypto.h"
#include "core/db.h"

struct import_counts {
	int64_t total; /* data rows read (the header and blank rows not counted) */
	int64_t good, bad;
	int64_t done; /* rows through the pass so far */
	/* what the good rows make: members, or unions (the rows of a
	 * 联合基层工会 make one) */
	int64_t units;
	int has_report;
};

struct import_kind;

struct import_opts {
	const struct import_kind *kind; /* NULL: members */
	const char *path;               /* the uploaded file */
	/* for rows whose org (所属工会编号, 上级工会编号) is blank; 0 for none */
	int64_t default_org;
	/* whose grants of the kind's permission decide which orgs rows may
	 * name; also the actor of the history rows. all_orgs (the CLI) allows
	 * every org. */
	int64_t account_id;
	int all_orgs;
	const struct crypto_keys *keys; /* owned by the caller, alive for the pass */
	/* the error report's path, or NULL; written only when some row is bad.
	 * A commit given one writes what validation would, so a caller that
	 * asks no one in between (the CLI) needs no validate pass. */
	const char *report_path;
	/* commit: the history rows' request_id */
	const char *request_id;
	/* commit: the good rows validation found (another count writes
	 * nothing), or -1 to take whatever passes; and the total rows, for
	 * progress */
	int64_t expect_good, expect_total;
	/* after every few hundred rows: -1 with e filled stops the pass (a
	 * cancel, a shutdown). May be NULL. */
	int (*progress)(void *ctx, const struct import_counts *c, struct err *e);
	/* commit: inside the transaction just before it commits, with the final
	 * counts: write the job's row and the audit row. May be NULL. */
	int (*finish)(void *ctx, struct db *d, struct err *e, const struct import_counts *c);
	void *ctx;
};

/* The validate pass. 0 with *c filled (c->has_report when the report was
 * written), or -1 with e filled: ERR_INVALID for a file we cannot read as
 * a table of the kind (unsupported_file, bad_header, no_rows, …), whatever
 * progress() said, or a database error. */
int import_validate(struct db *d, struct err *e, const struct import_opts *o,
                    struct import_counts *c);

/* The commit pass; d must not be inside a transaction. 0 when committed,
 * -1 with e filled and nothing written: ERR_CONFLICT slug
 * changed_since_validation for another count of good rows than
 * expect_good, ERR_INVALID slug nothing_to_import when no row is good
 * (then *c and the report are complete). */
int import_commit(struct db *d, struct err *e, const struct import_opts *o,
                  struct import_counts *c);

#endif
