/* Attachments: sniffing, the content-addressed store, rows, links and the
 * registry of owner kinds. See attachment.h. */
#include "attachment.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "access.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/req.h"
#include "core/table_read.h"

static const char pdf_type[] = "application/pdf";
static const char png_type[] = "image/png";
static const char jpeg_type[] = "image/jpeg";
static const char gif_type[] = "image/gif";
static const char docx_type[] =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
static const char xlsx_type[] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
static const char text_type[] = "text/plain; charset=utf-8";

static int refuse(struct err *e, const char *why)
{
	return err_set(e, ERR_UNPROCESSABLE, "unsupported_file", "file", "%s", why);
}

static const char refused_kind[] =
    "文件类型不支持：只接受 PDF、PNG、JPEG、GIF、Word（docx）、Excel（xlsx）"
    "和 UTF-8 文本文件";

/* Programs and scripts, whatever they are named: the reason this layer
 * looks at content at all. */
static int executable(const unsigned char *p, size_t n)
{
	static const struct {
		const char *magic;
		size_t len;
	} sigs[] = {
	    {"\x7f"
	     "ELF",
	     4},                     /* Linux */
	    {"MZ", 2},               /* Windows (PE) */
	    {"#!", 2},               /* shell and other scripts */
	    {"\xfe\xed\xfa\xce", 4}, /* Mach-O, both byte orders and widths */
	    {"\xfe\xed\xfa\xcf", 4},
	    {"\xce\xfa\xed\xfe", 4},
	    {"\xcf\xfa\xed\xfe", 4},
	    {"\xca\xfe\xba\xbe", 4}, /* Mach-O universal, Java class */
	    {"\0asm", 4},            /* WebAssembly */
	};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (n >= sigs[i].len && memcmp(p, sigs[i].magic, sigs[i].len) == 0)
			return 1;
	return 0;
}

/* A ZIP is only accepted as a Word or Excel document, and not one that
 * carries macros (a .docm renamed .docx is still a ZIP with word/). */
static int sniff_zip(const char *path, const char **type, struct err *e)
{
	int zerr = 0;
	zip_t *za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
	if (!za)
		return refuse(e, "文件已损坏或无法读取（不是完整的 Word/Excel 文档）");
	int rc = 0;
	if (zip_name_locate(za, "[Content_Types].xml", 0) < 0)
		rc = refuse(e, refused_kind);
	else if (zip_name_locate(za, "word/document.xml", 0) >= 0)
		*type = docx_type;
	else if (zip_name_locate(za, "xl/workbook.xml", 0) >= 0)
		*type = xlsx_type;
	else
		rc = refuse(e, refused_kind);
	zip_int64_t n = rc ? 0 : zip_get_num_entries(za, 0);
	for (zip_int64_t i = 0; i < n && rc == 0; i++) {
		const char *name = zip_get_name(za, (zip_uint64_t)i, 0);
		const char *base = name ? strrchr(name, '/') : NULL;
		if (name && !strcasecmp(base ? base + 1 : name, "vbaProject.bin"))
			rc = refuse(
			    e, "不接受带宏的 Office 文档，请另存为不含宏的 docx 或 xlsx 后上传");
	}
	zip_discard(za);
	return rc;
}

/* The whole file is UTF-8 text without control characters other than
 * tab, line breaks and form feed. */
static int is_text(int fd)
{
	static _Thread_local unsigned char buf[1 << 16];
	size_t carry = 0; /* the start of a character cut by the last read */
	for (;;) {
		ssize_t got = read(fd, buf + carry, sizeof(buf) - carry);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return 0;
		size_t n = carry + (size_t)got;
		for (size_t i = carry; i < n; i++) {
			unsigned char c = buf[i];
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') ||
			    c == 0x7f)
				return 0;
		}
		size_t ok = table_utf8_valid(buf, n);
		if (got == 0)
			return ok == n;
		if (n - ok >= 4)
			return 0;
		memmove(buf, buf + ok, n - ok);
		carry = n - ok;
	}
}

int attachment_sniff(const char *path, const char **type, struct err *e)
{
	*type = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return err_set(e, ERR_INTERNAL, "file_read", NULL, "上传文件读取失败");
	}
	int rc = 0;
	unsigned char head[16];
	ssize_t hn = st.st_size ? pread(fd, head, sizeof(head), 0) : 0;
	size_t n = hn > 0 ? (size_t)hn : 0;
#define HAS(magic) (n >= sizeof(magic) - 1 && !memcmp(head, magic, sizeof(magic) - 1))
	if (st.st_size == 0)
		rc =
		    err_set(e, ERR_INVALID, "empty_file", "file", "请选择要上传的文件（文件为空）");
	else if (hn < 0)
		rc = err_set(e, ERR_INTERNAL, "file_read", NULL, "上传文件读取失败");
	else if (executable(head, n))
		rc = refuse(e, "不接受可执行文件或脚本，无论文件名是什么");
	else if (HAS("%PDF-"))
		*type = pdf_type;
	else if (HAS("\x89PNG\r\n\x1a\n"))
		*type = png_type;
	else if (HAS("\xff\xd8\xff"))
		*type = jpeg_type;
	else if (HAS("GIF87a") || HAS("GIF89a"))
		*type = gif_type;
	else if (HAS("PK\x03\x04"))
		rc = sniff_zip(path, type, e);
	else if (is_text(fd))
		*type = text_type;
	else
		rc = refuse(e, refused_kind);
#undef HAS
	close(fd);
	return rc;
}

static const char *extension(const char *type)
{
	static const struct {
		const char *type, *ext;
	} exts[] = {
	    {pdf_type, ".pdf"},   {png_type, ".png"},   {jpeg_type, ".jpg"}, {gif_type, ".gif"},
	    {docx_type, ".docx"}, {xlsx_type, ".xlsx"}, {text_type, ".txt"},
	};
	for (size_t i = 0; type && i < sizeof(exts) / sizeof(exts[0]); i++)
		if (!strcmp(type, exts[i].type))
			return exts[i].ext;
	return "";
}

const char *attachment_clean_name(struct arena *a, const char *raw, const char *type)
{
	const char *base = raw ? raw : "";
	for (const char *p = base; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	size_t n = strlen(base);
	if (n > ATTACHMENT_NAME_MAX)
		n = ATTACHMENT_NAME_MAX;
	/* cut at the first byte that is not UTF-8, which also never splits a character */
	n = table_utf8_valid((const unsigned char *)base, n);
	char *out = arena_strndup(a, base, n);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '"')
			*p = '_';
	size_t lead = strspn(out, " ."), len = strlen(out);
	while (len > lead && out[len - 1] == ' ')
		len--;
	if (len == lead)
		return arena_printf(a, "附件%s", extension(type));
	return arena_strndup(a, out + lead, len - lead);
}

/* SM3 of the file as hex, and its length. */
static int hash_file(const char *path, char hex[2 * SM3_LEN + 1], int64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = ctx && EVP_DigestInit_ex(ctx, EVP_sm3(), NULL) ? 0 : -1;
	static _Thread_local unsigned char buf[1 << 16];
	ssize_t n;
	*size = 0;
	while (rc == 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno != EINTR)
			rc = -1;
		else if (n > 0 && !EVP_DigestUpdate(ctx, buf, (size_t)n))
			rc = -1;
		else if (n > 0)
			*size += n;
	}
	unsigned char md[SM3_LEN];
	unsigned len = 0;
	if (rc == 0 && (!EVP_DigestFinal_ex(ctx, md, &len) || len != SM3_LEN))
		rc = -1;
	if (rc == 0)
		crypto_hex(md, SM3_LEN, hex);
	EVP_MD_CTX_free(ctx);
	close(fd);
	return rc;
}

const char *attachment_path(struct arena *a, const char *data_dir, const char *hash)
{
	return arena_printf(a, "%s/files/%.2s/%s", data_dir, hash, hash);
}

/* A copy of src at dst, a name nobody else uses, for a data folder whose
 * file system has no hard links. */
static int copy_file(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY | O_CLOEXEC), rc = -1;
	int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	static _Thread_local char buf[1 << 16];
	ssize_t n;
	if (in < 0 || out < 0)
		goto out;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				goto out;
			off += w;
		}
	}
	rc = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return rc;
}

/* Puts the upload at final: under a temporary name in the same folder
 * first, on disk (fsync), then renamed, so a reader or a crash never sees
 * part of a file under a hash it does not match; then the folder's entry
 * is made durable too. A broken file left under final is replaced. */
static int place(struct arena *a, const char *upload, const char *dir, const char *final)
{
	unsigned char rnd[8] = {0};
	char tag[2 * sizeof(rnd) + 1];
	if (crypto_random(rnd, sizeof(rnd)))
		return -1;
	crypto_hex(rnd, sizeof(rnd), tag);
	const char *tmp = arena_printf(a, "%s/.tmp-%s", dir, tag);
	if (link(upload, tmp) && copy_file(upload, tmp)) {
		log_error("attachment: cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	int fd = open(tmp, O_RDONLY | O_CLOEXEC);
	int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
	if (fd >= 0)
		close(fd);
	if (rc == 0 && rename(tmp, final))
		rc = -1;
	if (rc) {
		log_error("attachment: cannot store %s: %s", final, strerror(errno));
		unlink(tmp);
		return -1;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int attachment_put(struct arena *a, struct err *e, const char *data_dir, const char *upload_path,
                   const char *name, struct attachment *out)
{
	const char *type;
	if (attachment_sniff(upload_path, &type, e))
		return -1;
	char hash[2 * SM3_LEN + 1];
	int64_t size;
	if (hash_file(upload_path, hash, &size))
		return err_set(e, ERR_INTERNAL, "file_read", NULL, "上传文件读取失败");
	const char *root = arena_printf(a, "%s/files", data_dir);
	const char *dir = arena_printf(a, "%s/%.2s", root, hash);
	const char *final = attachment_path(a, data_dir, hash);
	mkdir(data_dir, 0700);
	mkdir(root, 0700);
	mkdir(dir, 0700);
	struct stat st;
	/* the same content stored before: its bytes are these bytes */
	int have = stat(final, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == size;
	if (!have && place(a, upload_path, dir, final))
		return err_set(e, ERR_INTERNAL, "file_write", NULL, "附件保存失败");
	*out = (struct attachment){.hash = arena_strdup(a, hash),
	                           .size = size,
	                           .type = type,
	                           .name = attachment_clean_name(a, name, type)};
	return 0;
}

int attachment_insert(struct db *d, struct err *e, int64_t account_id, struct attachment *at)
{
	int64_t now = (int64_t)time(NULL);
	if (db_query_int(d, e,
	                 "INSERT INTO attachments (hash, size, mime_type, file_name, account_id, "
	                 "created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
	                 DB_ARGS(DB_TEXT(at->hash), DB_INT(at->size), DB_TEXT(at->type),
	                         DB_TEXT(at->name), DB_INT(account_id), DB_INT(now)),
	                 &at->id))
		return -1;
	at->account_id = account_id;
	at->owner_kind = NULL;
	at->owner_id = 0;
	at->created_at = now;
	return 0;
}

int attachment_store(struct db *d, struct err *e, struct arena *a, const char *data_dir,
                     const char *upload_path, const char *name, int64_t account_id,
                     struct attachment *out)
{
	/* A failure after the put leaves a stored file without a row; another
	 * upload of the same content will use it. */
	return attachment_put(a, e, data_dir, upload_path, name, out) ||
	               attachment_insert(d, e, account_id, out)
	           ? -1
	           : 0;
}

int attachment_get(struct db *d, struct err *e, struct arena *a, int64_t id, struct attachment *out)
{
	struct db_rows *rs;
	if (db_query(d, e,
	             "SELECT id, hash, size, mime_type, file_name, account_id, owner_kind, "
	             "owner_id, created_at FROM attachments WHERE id = $1",
	             DB_ARGS(DB_INT(id)), &rs))
		return -1;
	int got = db_step(rs, e);
	if (got == 1) {
		out->id = db_col_int(rs, 0);
		out->hash = arena_strdup(a, db_col_text(rs, 1));
		out->size = db_col_int(rs, 2);
		out->type = arena_strdup(a, db_col_text(rs, 3));
		out->name = arena_strdup(a, db_col_text(rs, 4));
		out->account_id = db_col_int(rs, 5);
		out->owner_kind = db_col_null(rs, 6) ? NULL : arena_strdup(a, db_col_text(rs, 6));
		out->owner_id = db_col_null(rs, 7) ? 0 : db_col_int(rs, 7);
		out->created_at = db_col_int(rs, 8);
	}
	db_rows_close(rs);
	if (got == 0)
		return err_set(e, ERR_NOT_FOUND, NULL, NULL, "附件不存在");
	return got < 0 ? -1 : 0;
}

/* The owner kinds, filled before the server starts and only read after. */
enum { OWNER_KINDS_MAX = 32 };
static struct {
	const char *kind;
	attachment_read_fn may_read;
} owners[OWNER_KINDS_MAX];
static int nowners;

static attachment_read_fn owner_check(const char *kind)
{
	for (int i = 0; i < nowners; i++)
		if (!strcmp(owners[i].kind, kind))
			return owners[i].may_read;
	return NULL;
}

void attachment_owner_register(const char *kind, attachment_read_fn may_read)
{
	if (owner_check(kind) || nowners == OWNER_KINDS_MAX || !may_read) {
		fprintf(stderr, "gonghui: attachment owner kind %s registered twice or too many\n",
		        kind);
		abort();
	}
	owners[nowners].kind = kind;
	owners[nowners].may_read = may_read;
	nowners++;
}

int attachment_link(struct db *d, struct err *e, const int64_t *ids, int n, const char *owner_kind,
                    int64_t owner_id, int64_t account_id)
{
	if (!owner_check(owner_kind)) {
		log_error("attachment: link to unregistered owner kind %s", owner_kind);
		return err_set(e, ERR_INTERNAL, NULL, NULL, NULL);
	}
	if (n > ATTACHMENT_LINK_MAX)
		return err_set(e, ERR_INVALID, "too_many_attachments", "attachment_ids",
		               "附件太多：一次最多 %d 个", ATTACHMENT_LINK_MAX);
	for (int i = 0; i < n; i++) {
		int seen = 0;
		for (int k = 0; k < i && !seen; k++)
			seen = ids[k] == ids[i];
		if (seen)
			continue;
		int64_t changed = 0;
		/* the conditions in the statement itself: two requests linking the
		 * same attachment cannot both see it unlinked */
		if (db_exec(d, e,
		            "UPDATE attachments SET owner_kind = $2, owner_id = $3 "
		            "WHERE id = $1 AND account_id = $4 AND owner_kind IS NULL",
		            DB_ARGS(DB_INT(ids[i]), DB_TEXT(owner_kind), DB_INT(owner_id),
		                    DB_INT(account_id)),
		            &changed))
			return -1;
		if (changed != 1)
			return err_set(e, ERR_INVALID, "invalid_attachment", "attachment_ids",
			               "附件 %lld 不存在、不是您上传的或已被其他记录使用",
			               (long long)ids[i]);
	}
	return 0;
}

int attachment_may_read(struct req *r, const struct attachment *a)
{
	if (!a->owner_kind)
		return r->auth && r->auth->account_id && r->auth->account_id == a->account_id;
	attachment_read_fn may_read = owner_check(a->owner_kind);
	return may_read ? may_read(r, a->owner_id) : 0;
}
