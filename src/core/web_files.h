/* The built web apps: /admin/… from WEB_ROOT/admin, everything else that is
 * not /api/ from WEB_ROOT/portal, with the single-page-app fallback to each
 * app's index.html for paths without a file extension. */
#ifndef GH_WEB_FILES_H
#define GH_WEB_FILES_H

struct MHD_Response;

/* Builds the response for a GET or HEAD of path (percent-decoded). Sets
 * *status (200, 304 or 404). Returns NULL only for 404, which the caller
 * answers with the common error body. Never serves outside root. */
struct MHD_Response *web_file_response(const char *root, const char *path,
                                       const char *if_none_match, unsigned *status);
/* The MIME type for a file name, by extension. */
const char *web_mime_type(const char *name);

#endif
