/* What a kind of import (members, base unions) gives the shared passes of
 * import_job.c: its columns, how it reads and checks a row, and how it
 * settles the rows read since the last time (validating: the checks the
 * database decides; committing: the good rows in). The passes themselves,
 * the error report, the counts, the progress and cancel, the one
 * transaction and the "changed since validation" rule are shared.
 *
 * A kind's row is a struct of its own whose first member is a struct
 * import_rec (import_row.h): the passes keep the rows of a batch in one
 * array of row_size slots, zeroed, with rec.line and rec.cells set, before
 * parse() sees one. A row is bad when parse() or settle() gave it a
 * reason; otherwise it counts as good. */
#ifndef GH_IMPORT_KIND_H
#define GH_IMPORT_KIND_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/table_read.h"
#include "import_check.h"
#include "import_job.h"
#include "import_row.h"

/* One pass over a file, as a kind sees it. Owned by import_job.c. */
struct import_pass {
	const struct import_opts *o;
	struct db *d;
	struct err *e;
	int commit; /* 0: the validate pass */
	const struct import_header *h;
	struct import_scope scope; /* the importer's grants of the kind's permission */
	struct import_orgs orgs;   /* orgs rows name, each loaded once */
	struct arena *a;           /* the batch's strings: reset after each settle */
	struct import_counts *c;
	int64_t now;
	char today[11]; /* fixed for the pass, so rows are judged alike */
};

struct import_kind {
	const char *name; /* "members": import_jobs.kind, the upload route, the audit actions */
	const char *perm; /* what the importer needs over the job's org */
	const char *noun; /* what a row files, for messages: "会员" */
	const char *header_hint;   /* the first columns, for a file without a header row */
	const char *template_name; /* the template download's file name */
	const struct import_layout *layout;
	/* the table a commit fills, whose read-only indexes a load at least
	 * as large as it is builds afterwards (db_bulk_defer_indexes); NULL
	 * for a kind whose table stays small */
	const char *bulk_table;
	size_t row_size; /* of the kind's row, which begins with a struct import_rec */
	/* rows settled together; 0 holds the whole file and settles it once
	 * (rows that belong together may be far apart: a 联合基层工会's) */
	int batch;
	/* the kind's state for one pass (*state), or -1 with p->e filled */
	int (*open)(struct import_pass *p, void **state);
	/* reads row into rec (its line and cells are set), with every check
	 * its neighbours so far decide; -1 with p->e filled stops the pass */
	int (*parse)(void *state, struct import_pass *p, const struct table_row *row,
	             struct import_rec *rec);
	/* the rows read since the last settle (an array of n row_size slots) */
	int (*settle)(void *state, struct import_pass *p, void *rows, int n);
	/* commit, after the last row and before the caller's finish(), in the
	 * transaction; may be NULL */
	int (*finish)(void *state, struct import_pass *p);
	void (*close)(void *state);
};

extern const struct import_kind import_members_kind; /* import_members.c */
extern const struct import_kind import_orgs_kind;    /* org_import.c */

/* The kind named name ("members", "orgs"), or NULL. */
const struct import_kind *import_kind_named(const char *name);

/* For a kind whose settle() takes long (one union after another): rows
 * done so far, published, and the caller's chance to stop the pass. */
int import_pass_tick(struct import_pass *p, int64_t done);

#endif
