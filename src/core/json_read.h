/* Request bodies: parsed with jansson after one pass of our own. */
#ifndef GH_JSON_READ_H
#define GH_JSON_READ_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

/* Parses buf[0..len) as one JSON value (any type, RFC 8259). The buffer is
 * modified in place: an escaped NUL (\u0000) in a string becomes U+FFFD, so
 * no string a handler sees can hide a terminator. A raw NUL byte, invalid
 * UTF-8, trailing data or nesting deeper than jansson's limit fail with
 * ERR_INVALID, slug "invalid_json", and a message that says where.
 * On success *out is a new reference the caller must json_decref(). */
int json_parse_body(char *buf, size_t len, json_t **out, struct err *e);

#endif
