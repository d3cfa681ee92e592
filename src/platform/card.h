/* The electronic 会员证: a signed token in a QR code that any scanner can
 * check against the server, so a screenshot of a lapsed card tells on itself. */
#ifndef GH_CARD_H
#define GH_CARD_H

#include <stdint.h>

#include "core/arena.h"

enum { CARD_TOKEN_TTL = 24 * 3600 };

/* A token for member_id valid until expires_at (arena). */
const char *card_token(struct arena *a, int64_t member_id, int64_t expires_at);
/* 0 with *member_id and *expires_at when token carries a good signature;
 * -1 when it is malformed or forged. Expiry is the caller's to judge. */
int card_token_check(const char *token, int64_t *member_id, int64_t *expires_at);
/* The QR code of text as an SVG document (arena); NULL when it cannot be encoded. */
const char *card_qr_svg(struct arena *a, const char *text);

#endif
