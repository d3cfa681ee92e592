/* Attachments (附件): files that support a record — an application's
 * materials, a certificate scan. Every business area uses the same store.
 *
 * What a file is comes from its content, never from its name: PDF, PNG,
 * JPEG, GIF, Word and Excel documents (docx, xlsx) and UTF-8 text are
 * accepted, everything else (executables, scripts, archives, old binary
 * Office files) is refused. The bytes are stored once per content, by SM3
 * hash, under data-dir/files/<first 2 hex>/<hash>; every upload still gets
 * a row of its own, with its own name and uploader.
 *
 * A new attachment is unlinked: only its uploader may read it. The module
 * whose record it supports links it with attachment_link() in the same
 * transaction that saves the record, and from then on that module decides
 * who may read it, through the check it registered for its owner kind. */
#ifndef GH_ATTACHMENT_H
#define GH_ATTACHMENT_H

#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/err.h"

struct req;

enum {
	ATTACHMENT_NAME_MAX = 200, /* bytes of a stored file name */
	ATTACHMENT_LINK_MAX = 50,  /* attachments one record may link at once */
};

struct attachment {
	int64_t id;
	const char *hash; /* SM3, 64 lower-case hex digits */
	int64_t size;
	const char *type;       /* sniffed MIME type */
	const char *name;       /* the file name the uploader gave, cleaned */
	int64_t account_id;     /* the uploader */
	const char *owner_kind; /* NULL while unlinked */
	int64_t owner_id;
	int64_t created_at;
};

/* What the file at path is, from its content: *type gets a static MIME type.
 * An empty file is ERR_INVALID, a refused kind ERR_UNPROCESSABLE
 * ("unsupported_file"); both name the field "file". */
int attachment_sniff(const char *path, const char **type, struct err *e);

/* A file name as given (a query parameter or a Content-Disposition value,
 * already decoded) made safe to store and to offer back: the last path
 * segment, valid UTF-8 only, no control characters or quotes, at most
 * ATTACHMENT_NAME_MAX bytes. NULL or nothing left gives "附件" with the
 * extension of type. Allocated in a. */
const char *attachment_clean_name(struct arena *a, const char *raw, const char *type);

/* Stores the uploaded file at upload_path (which stays where it is; the
 * caller still removes it) as an attachment named name, and inserts its
 * row for account_id in d's current transaction: attachment_put() and
 * attachment_insert() together. Strings in *out are allocated in a. */
int attachment_store(struct db *d, struct err *e, struct arena *a, const char *data_dir,
                     const char *upload_path, const char *name, int64_t account_id,
                     struct attachment *out);

/* The file part of attachment_store(), which touches no database: a large
 * upload is hashed and written before the caller opens its transaction.
 * The content is sniffed and hashed first, so a refused file leaves
 * nothing behind. The stored copy is complete before it appears under its
 * name (a temporary name, fsync, rename); when the same content is already
 * there it is reused. Fills *out but for id, account_id and created_at. */
int attachment_put(struct arena *a, struct err *e, const char *data_dir, const char *upload_path,
                   const char *name, struct attachment *out);

/* The row of an attachment that attachment_put() stored, uploaded by
 * account_id; fills in the rest of *at. */
int attachment_insert(struct db *d, struct err *e, int64_t account_id, struct attachment *at);

/* The row with id; ERR_NOT_FOUND when there is none. Strings in a. */
int attachment_get(struct db *d, struct err *e, struct arena *a, int64_t id,
                   struct attachment *out);

/* Links ids[0..n) to the record (owner_kind, owner_id), in d's current
 * transaction. Each must be an unlinked attachment that account_id
 * uploaded; when one is not, the call fails with ERR_INVALID naming the
 * field "attachment_ids", and the caller rolls back what was linked before
 * it (the router does when the handler fails), so a record gets all its
 * attachments or none. A repeated id counts once. owner_kind must have
 * been registered: a link nobody could ever read is a programming error. */
int attachment_link(struct db *d, struct err *e, const int64_t *ids, int n, const char *owner_kind,
                    int64_t owner_id, int64_t account_id);

/* The stored file of a content hash, in a. */
const char *attachment_path(struct arena *a, const char *data_dir, const char *hash);

/* Who may read an attachment linked to an owner of this kind: 1 when the
 * caller of r may read the record owner_id, 0 when not (the download then
 * answers 404, as for one that does not exist), -1 with r->err on a
 * database error. */
typedef int (*attachment_read_fn)(struct req *r, int64_t owner_id);

/* Registers the check of an owner kind ("org_registration"). Call it before
 * the server starts (a module does so from a constructor); a kind
 * registered twice or more kinds than the table holds abort. */
void attachment_owner_register(const char *kind, attachment_read_fn may_read);

/* 1 when the caller of r may read a: its uploader while it is unlinked,
 * else whoever its owner kind's check allows (nobody for an unknown kind);
 * 0 when not; -1 with r->err on a database error. */
int attachment_may_read(struct req *r, const struct attachment *a);

#endif
