/* Attachments: sniffing by content, clean names, the store that keeps one
 * file per content, links (only the uploader's own unlinked attachments,
 * all or none) and the owner kinds' read checks. The database tests run on
 * SQLite and, when scripts/with-pg.sh provides a server, on PostgreSQL. */
#include "unit.h"

#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/migrate.h"
#include "core/req.h"
#include "platform/access.h"
#include "platform/attachment.h"

#define OK(call)                                                                                   \
	do {                                                                                       \
		if ((call) != 0)                                                                   \
			fail_msg("%s: %s (%s)", #call, e.slug, e.message);                         \
	} while (0)

struct backend {
	char url[512];
	char dbname[64];
	char dir[128]; /* the data folder, and the SQLite file */
};

static char scratch[128];

static const char *write_file(const char *name, const void *data, size_t n)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", scratch, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
	return path;
}

static const char *sniffed(const void *data, size_t n, struct err *e)
{
	const char *type = NULL;
	err_clear(e);
	if (attachment_sniff(write_file("f", data, n), &type, e))
		return NULL;
	return type;
}

static void test_sniff(void **state)
{
	(void)state;
	struct err e;
	assert_string_equal(sniffed("%PDF-1.4\n%%EOF\n", 15, &e), "application/pdf");
	assert_string_equal(sniffed("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, &e), "image/png");
	assert_string_equal(sniffed("\xff\xd8\xff\xe0\0\x10JFIF", 10, &e), "image/jpeg");
	assert_string_equal(sniffed("GIF89a\1\0\1\0", 10, &e), "image/gif");
	assert_string_equal(sniffed("工会\r\n\tok\n", 10, &e), "text/plain; charset=utf-8");

	static const struct {
		const char *bytes;
		size_t n;
	} refused[] = {
	    {"\x7f"
	     "ELF\2\1\1\0",
	     8},
	    {"MZ\x90\0", 4},
	    {"#!/bin/sh\n", 10},
	    {"\xd0\xcf\x11\xe0", 4},
	    {"PK\3\4broken", 10},
	    {"\xb9\xa4\xbb\xe1", 4},
	    {"a\0b", 3},
	    {"\x1f\x8b\x08\0", 4},
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_null(sniffed(refused[i].bytes, refused[i].n, &e));
		assert_int_equal(e.code, ERR_UNPROCESSABLE);
		assert_string_equal(e.field, "file");
		assert_string_equal(e.slug, "unsupported_file");
	}
	assert_null(sniffed("", 0, &e));
	assert_int_equal(e.code, ERR_INVALID);
	assert_string_equal(e.field, "file");

	/* a character cut by the 64 KiB read is still text */
	size_t big = (1 << 16) + 7;
	char *t = malloc(big);
	memset(t, 'a', big);
	memcpy(t + (1 << 16) - 1, "会", 3);
	assert_string_equal(sniffed(t, big, &e), "text/plain; charset=utf-8");
	t[big - 1] = (char)0xe4; /* a truncated character at the very end */
	assert_null(sniffed(t, big, &e));
	free(t);
}

static void test_clean_name(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	assert_string_equal(attachment_clean_name(&a, "申请书.pdf", "application/pdf"),
	                    "申请书.pdf");
	assert_string_equal(attachment_clean_name(&a, "../../etc/pass\"wd", "image/png"),
	                    "pass_wd");
	assert_string_equal(attachment_clean_name(&a, "C:\\docs\\a\x01.pdf", "image/png"),
	                    "a_.pdf");
	assert_string_equal(attachment_clean_name(&a, NULL, "image/png"), "附件.png");
	assert_string_equal(attachment_clean_name(&a, " .. ", "application/pdf"), "附件.pdf");
	assert_string_equal(attachment_clean_name(&a, "ok\xff\xfe.pdf", "application/pdf"), "ok");
	char longname[400];
	for (int i = 0; i < 100; i++)
		memcpy(longname + 3 * i, "会", 3);
	longname[300] = '\0';
	const char *cut = attachment_clean_name(&a, longname, "text/plain; charset=utf-8");
	assert_int_equal(strlen(cut), 198); /* whole characters within 200 bytes */
	arena_release(&a);
}

static int migrate_url(const char *url)
{
	struct err e;
	struct db *d;
	if (db_open(url, &d, &e))
		return -1;
	int rc = migrate_run(d, &e, NULL);
	if (rc)
		fprintf(stderr, "migrate: %s %s\n", e.slug, e.message);
	db_close(d);
	return rc;
}

static int admin_script(const char *fmt, const char *name)
{
	char sql[160];
	struct err e;
	struct db *d;
	snprintf(sql, sizeof(sql), fmt, name);
	if (db_open(unit_pg_url(), &d, &e))
		return -1;
	int rc = db_exec_script(d, &e, sql);
	db_close(d);
	return rc;
}

static int setup_sqlite(void **state)
{
	struct backend *b = calloc(1, sizeof(*b));
	snprintf(b->dir, sizeof(b->dir), "/tmp/gh_unit_att.XXXXXX");
	if (!mkdtemp(b->dir))
		return -1;
	snprintf(b->url, sizeof(b->url), "sqlite:%s/a.db", b->dir);
	*state = b;
	return migrate_url(b->url);
}

static int setup_pg(void **state)
{
	*state = NULL;
	if (!unit_pg_url())
		return 0;
	struct backend *b = calloc(1, sizeof(*b));
	snprintf(b->dir, sizeof(b->dir), "/tmp/gh_unit_att.XXXXXX");
	if (!mkdtemp(b->dir))
		return -1;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(b->dbname, sizeof(b->dbname), "gh_unit_att_%d_%ld", (int)getpid(), ts.tv_nsec);
	const char *admin = unit_pg_url(), *host = strstr(admin, "://") + 3;
	const char *query = strchr(host, '?');
	snprintf(b->url, sizeof(b->url), "%.*s%.*s/%s%s", (int)(host - admin), admin,
	         (int)strcspn(host, "/?"), host, b->dbname, query ? query : "");
	if (admin_script("CREATE DATABASE %s", b->dbname)) {
		free(b);
		return -1;
	}
	*state = b;
	return migrate_url(b->url);
}

static int teardown_backend(void **state)
{
	struct backend *b = *state;
	char cmd[200];
	if (!b)
		return 0;
	if (b->dbname[0])
		admin_script("DROP DATABASE IF EXISTS %s WITH (FORCE)", b->dbname);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", b->dir);
	free(b);
	return 0;
}

static int64_t account(struct db *d, const char *name)
{
	struct err e;
	int64_t id = 0;
	OK(db_query_int(d, &e,
	                "INSERT INTO accounts (username, real_name, kind, password_hash, "
	                "password_changed_at, created_at, updated_at) "
	                "VALUES ($1, $1, 'worker', 'x', 0, 0, 0) RETURNING id",
	                DB_ARGS(DB_TEXT(name)), &id));
	return id;
}

static int count_files(const char *data_dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/files", data_dir);
	DIR *top = opendir(path);
	int n = 0;
	struct dirent *de, *fe;
	while (top && (de = readdir(top))) {
		if (de->d_name[0] == '.')
			continue;
		char sub[512];
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		DIR *d = opendir(sub);
		while (d && (fe = readdir(d)))
			n += fe->d_name[0] != '.';
		if (d)
			closedir(d);
	}
	if (top)
		closedir(top);
	return n;
}

/* The registered owner kind: records with an even id are readable. */
static int64_t last_asked;
static int even_owner(struct req *r, int64_t owner_id)
{
	(void)r;
	last_asked = owner_id;
	return owner_id % 2 == 0;
}

static void test_store_link_read(void **state)
{
	struct backend *b = *state;
	if (!b)
		skip();
	struct err e;
	struct db *d;
	struct arena a;
	arena_init(&a);
	OK(db_open(b->url, &d, &e));
	char data[160];
	snprintf(data, sizeof(data), "%s/data", b->dir);
	int64_t alice = account(d, "alice"), bob = account(d, "bob");

	const char *pdf = write_file("up.pdf", "%PDF-1.4\nhello\n%%EOF\n", 21);
	struct attachment one, two, three, got;
	OK(attachment_store(d, &e, &a, data, pdf, "甲.pdf", alice, &one));
	OK(attachment_store(d, &e, &a, data, pdf, "乙.pdf", bob, &two));
	assert_int_not_equal(one.id, two.id);
	assert_string_equal(one.hash, two.hash);
	assert_int_equal(count_files(data), 1);
	assert_int_equal(access(pdf, F_OK), 0); /* the upload stays for its owner to remove */
	struct stat st;
	assert_int_equal(stat(attachment_path(&a, data, one.hash), &st), 0);
	assert_int_equal(st.st_size, 21);
	const char *png = write_file("up.png", "\x89PNG\r\n\x1a\nrest", 12);
	OK(attachment_store(d, &e, &a, data, png, NULL, alice, &three));
	assert_string_equal(three.name, "附件.png");
	assert_int_equal(count_files(data), 2);
	const char *elf = write_file("x.pdf",
	                             "\x7f"
	                             "ELF\2\1\1\0",
	                             8);
	assert_int_equal(attachment_store(d, &e, &a, data, elf, "x.pdf", alice, &got), -1);
	assert_int_equal(e.code, ERR_UNPROCESSABLE);
	assert_int_equal(count_files(data), 2);

	OK(attachment_get(d, &e, &a, one.id, &got));
	assert_string_equal(got.name, "甲.pdf");
	assert_string_equal(got.type, "application/pdf");
	assert_null(got.owner_kind);
	assert_int_equal(attachment_get(d, &e, &a, 999999, &got), -1);
	assert_int_equal(e.code, ERR_NOT_FOUND);

	/* unlinked: the uploader only */
	struct auth_ctx as_alice = {.account_id = alice}, as_bob = {.account_id = bob};
	struct req r = {0};
	r.auth = &as_alice;
	assert_int_equal(attachment_may_read(&r, &one), 1);
	r.auth = &as_bob;
	assert_int_equal(attachment_may_read(&r, &one), 0);
	r.auth = NULL;
	assert_int_equal(attachment_may_read(&r, &one), 0);

	/* a link with somebody else's attachment in it links none of them */
	static int registered;
	if (!registered++)
		attachment_owner_register("test_even", even_owner);
	OK(db_begin(d, &e));
	int64_t mixed[] = {one.id, two.id};
	assert_int_equal(attachment_link(d, &e, mixed, 2, "test_even", 8, alice), -1);
	assert_int_equal(e.code, ERR_INVALID);
	assert_string_equal(e.field, "attachment_ids");
	db_rollback(d);
	OK(attachment_get(d, &e, &a, one.id, &got));
	assert_null(got.owner_kind);
	/* an unregistered kind is refused */
	assert_int_equal(attachment_link(d, &e, &one.id, 1, "nobody_knows", 8, alice), -1);

	OK(db_begin(d, &e));
	int64_t mine[] = {one.id, three.id, one.id};
	OK(attachment_link(d, &e, mine, 3, "test_even", 8, alice));
	OK(db_commit(d, &e));
	OK(attachment_get(d, &e, &a, three.id, &got));
	assert_string_equal(got.owner_kind, "test_even");
	assert_int_equal(got.owner_id, 8);
	/* linked: the owner kind decides, for the uploader too */
	r.auth = &as_bob;
	assert_int_equal(attachment_may_read(&r, &got), 1);
	assert_int_equal(last_asked, 8);
	got.owner_id = 7;
	r.auth = &as_alice;
	assert_int_equal(attachment_may_read(&r, &got), 0);
	got.owner_kind = "unknown_kind";
	assert_int_equal(attachment_may_read(&r, &got), 0);

	/* linked once only */
	OK(db_begin(d, &e));
	assert_int_equal(attachment_link(d, &e, &one.id, 1, "test_even", 10, alice), -1);
	db_rollback(d);

	db_close(d);
	arena_release(&a);
}

int main(void)
{
	snprintf(scratch, sizeof(scratch), "/tmp/gh_unit_attf.XXXXXX");
	if (!mkdtemp(scratch))
		return 1;
	const struct CMUnitTest pure[] = {
	    cmocka_unit_test(test_sniff),
	    cmocka_unit_test(test_clean_name),
	};
	const struct CMUnitTest on_db[] = {
	    cmocka_unit_test(test_store_link_read),
	};
	int failed = cmocka_run_group_tests_name("attachment", pure, NULL, NULL);
	failed +=
	    cmocka_run_group_tests_name("attachment sqlite", on_db, setup_sqlite, teardown_backend);
	failed +=
	    cmocka_run_group_tests_name("attachment postgresql", on_db, setup_pg, teardown_backend);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", scratch);
	return failed ? 1 : 0;
}
