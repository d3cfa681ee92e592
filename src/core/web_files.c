#include "web_files.h"

#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *ext, *type;
} mime_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".ttf", "font/ttf"},
    {".txt", "text/plain; charset=utf-8"},
    {".xml", "application/xml"},
    {".pdf", "application/pdf"},
    {".wasm", "application/wasm"},
    {".webmanifest", "application/manifest+json"},
};

const char *web_mime_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	const char *slash = strrchr(name, '/');
	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof(mime_types) / sizeof(mime_types[0]); i++)
			if (!strcasecmp(dot, mime_types[i].ext))
				return mime_types[i].type;
	return "application/octet-stream";
}

/* Refuses "..", ".x" (hidden files), backslashes and empty segments. */
static int safe_path(const char *rel)
{
	if (strchr(rel, '\\'))
		return 0;
	for (const char *p = rel; *p; p++)
		if (*p == '/' && p[1] == '.')
			return 0;
	return 1;
}

static int last_segment_has_dot(const char *rel)
{
	const char *slash = strrchr(rel, '/');
	return strchr(slash ? slash : rel, '.') != NULL;
}

/* Opens root/app/rel as a regular file that really lies inside root/app. */
static int open_inside(const char *base, const char *rel, struct stat *st)
{
	char want[PATH_MAX], real[PATH_MAX], realbase[PATH_MAX];
	if (snprintf(want, sizeof(want), "%s%s", base, rel) >= (int)sizeof(want))
		return -1;
	if (!realpath(base, realbase) || !realpath(want, real))
		return -1;
	size_t n = strlen(realbase);
	if (strncmp(real, realbase, n) != 0 || real[n] != '/')
		return -1;
	int fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

struct MHD_Response *web_file_response(const char *root, const char *path,
                                       const char *if_none_match, unsigned *status)
{
	const char *app = "portal", *rel = path;
	if (!strcmp(path, "/admin") || !strncmp(path, "/admin/", 7)) {
		app = "admin";
		rel = path + 6;
	}
	if (*rel == '\0' || !strcmp(rel, "/"))
		rel = "/index.html";
	*status = MHD_HTTP_NOT_FOUND;
	if (!safe_path(rel))
		return NULL;
	char base[PATH_MAX];
	if (snprintf(base, sizeof(base), "%s/%s", root, app) >= (int)sizeof(base))
		return NULL;
	struct stat st;
	int fd = open_inside(base, rel, &st);
	if (fd < 0) {
		/* app routes like /me or /admin/members are the app's own pages;
		 * a missing /assets/x.js is a real 404, not the index page */
		if (last_segment_has_dot(rel))
			return NULL;
		rel = "/index.html";
		fd = open_inside(base, rel, &st);
		if (fd < 0)
			return NULL;
	}
	char etag[64];
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)st.st_size,
	         (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
	             (unsigned long long)st.st_mtim.tv_nsec);
	const char *cache =
	    strncmp(rel, "/assets/", 8) == 0 ? "public, max-age=31536000, immutable" : "no-cache";
	struct MHD_Response *resp;
	if (if_none_match && strstr(if_none_match, etag)) {
		close(fd);
		resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
		*status = MHD_HTTP_NOT_MODIFIED;
	} else {
		resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
		if (!resp) {
			close(fd);
			return NULL;
		}
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, web_mime_type(rel));
		*status = MHD_HTTP_OK;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
	return resp;
}
