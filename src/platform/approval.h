/* The approvals engine (申请与审批): one way for every kind of application
 * that someone files and unions review — 入会, 转会, 建会, 法人资格, aid …
 *
 * A module describes a type: its steps (name and allowance in working
 * days), how its form is checked, which union reviews each step, and the
 * effect of the final approval. The engine keeps the state, the timeline,
 * the deadlines and the messages; every action is one guarded UPDATE of the
 * application's version, so of two reviewers acting at once exactly one
 * wins. Everything runs in the caller's transaction.
 *
 * Who may act is the caller's business (the applicant for submit, withdraw
 * and resubmit; a holder of the type's review permission over the holding
 * union for the rest): the engine checks only that the state allows it. */
#ifndef GH_APPROVAL_H
#define GH_APPROVAL_H

#include <jansson.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"

/* Attachments linked to an application are of this owner kind. */
#define APPL_ATTACHMENTS "application"

struct appl {
	int64_t id, applicant_id, member_id, step, org_id, due_at, escalations, version;
	int64_t created_at, updated_at, closed_at;
	const struct appl_type *type;
	const char *state; /* pending, returned, approved, rejected, withdrawn */
	const char *applicant_name, *org_path, *org_name, *summary;
	const char *form;   /* JSON object text */
	const char *result; /* JSON text, or NULL */
};

/* What a type's functions work with. Strings and JSON live in a / form. */
struct appl_ctx {
	struct db *d;
	struct err *e;
	struct arena *a;
	int64_t actor; /* the account acting; 0 is the system */
	const char *actor_name;
	const char *request_id;
	int64_t applicant;       /* the applicant's account */
	const struct appl *app;  /* NULL while a new application is checked */
	json_t *form;            /* the form, which check may complete (resolved ids) */
	int64_t member_id;       /* check: the member the application concerns, if any */
	int64_t place_org;       /* approve: a union the reviewer chose, or 0 */
	const char *result;      /* approve: JSON kept as the application's result */
	const char *result_text; /* approve: a sentence for the applicant's message */
	int64_t open_id;         /* submit refused: the applicant's open application */
	/* attachments (uploaded by actor) that this submission or action links
	 * to the application and lists in its timeline line */
	const int64_t *attachments;
	int nattachments;
};

struct appl_step {
	const char *name; /* 基层工会审批 */
	int days;         /* allowance in working days */
};

struct appl_type {
	const char *code, *name; /* "join", "入会申请" */
	const char *perm;        /* who reviews: "applications.review" */
	/* at most one open application per person in a group ("membership");
	 * NULL: no limit */
	const char *group;
	int nsteps;
	const struct appl_step *steps;
	/* Checks c->form (of a new or resubmitted application) and completes it;
	 * *summary (arena) is the line shown in lists. */
	int (*check)(struct appl_ctx *c, const char **summary);
	/* The union that reviews step. */
	int (*route)(struct appl_ctx *c, int step, int64_t *org_id);
	/* The effect of the last approval. */
	int (*approve)(struct appl_ctx *c);
	/* What "open" means when it is not one per person and group: a key of
	 * the checked form (one open application per union), or NULL. */
	const char *(*open_key)(struct appl_ctx *c);
	/* the fewest attachments a submission must bring, and what they are */
	int min_attachments;
	const char *attachments_hint;
};

/* The types the program knows (NULL-terminated), set once at start. */
void approval_register(const struct appl_type *const *types);
const struct appl_type *approval_type(const char *code);
const struct appl_type *const *approval_types(void);

const char *approval_state_name(const char *state);
const char *approval_action_name(const char *action);

/* Files a new application of type t with form c->form by c->applicant
 * (c->actor the same). *id gets its id. */
int approval_submit(struct appl_ctx *c, const struct appl_type *t, int64_t *id);

/* The columns and tables approval_read() reads a row of, for lists. */
#define APPL_COLUMNS                                                                               \
	"a.id, a.type, a.state, a.applicant_id, a.applicant_name, a.member_id, a.step, a.org_id, " \
	"a.org_path, o.name, a.due_at, a.escalations, a.form, a.summary, a.result, a.version, "    \
	"a.created_at, a.updated_at, a.closed_at"
#define APPL_FROM "applications a JOIN orgs o ON o.id = a.org_id"
/* One row of SELECT APPL_COLUMNS FROM APPL_FROM into out (strings in a);
 * out->type is NULL for a type this program does not know. */
void approval_read(struct db_rows *rs, struct arena *a, struct appl *out);
/* Loads one (strings in a); ERR_NOT_FOUND when there is none. */
int approval_get(struct db *d, struct err *e, struct arena *a, int64_t id, struct appl *out);

struct appl_action {
	const char *action;  /* approve, reject, return, resubmit, withdraw, transfer, escalate */
	const char *comment; /* required for reject and return */
	int64_t version;     /* the version the caller saw, or 0 */
	int64_t org_id;      /* transfer: the union to hand to; approve: a placement */
	json_t *form;        /* resubmit: the whole form again, or NULL to keep it */
};

/* Runs act on the application c->app. The state not allowing the action
 * is ERR_CONFLICT "invalid_action"; someone else's action since the
 * caller's version (or since it was loaded) is ERR_CONFLICT
 * "stale_application". */
int approval_act(struct appl_ctx *c, const struct appl_action *act);

/* The actions the state allows: for the applicant, and for a reviewer of
 * the holding union. Writes up to 8 names into out; returns how many. */
int approval_allowed(const struct appl *app, int applicant, int reviewer, const char **out);

/* Hands every pending step whose deadline passed before now to the upper
 * union, each in a transaction of its own (the caller holds none). *moved
 * gets how many. */
int approval_sweep(struct db *d, struct err *e, int64_t now, int *moved);

/* Helpers for a type's check: a non-empty string field of a form, or NULL. */
const char *appl_form_str(json_t *form, const char *key);
/* Copies the text field key of c->form into clean when it is given;
 * another JSON type, a missing required one or more than max_chars
 * characters is ERR_INVALID naming the field, with label in the message. */
int appl_form_text(struct appl_ctx *c, json_t *clean, const char *key, const char *label,
                   int required, size_t max_chars);

/* approval_sweep() as of now, for a periodic thread: failures are logged. */
void approval_sweep_tick(struct db *d);

#endif
