#include "card.h"

#include <inttypes.h>
#include <qrencode.h>
#include <stdio.h>
#include <string.h>

#include "core/crypto.h"
#include "core/json_write.h"
#include "keys.h"

/* "v1.<member>.<expires>" signed with the token key; the MAC is cut to 16
 * bytes to keep the QR code small enough to scan from a phone screen. */
enum { MAC_BYTES = 16 };

static void sign(const char *payload, char out[32])
{
	unsigned char mac[SM3_LEN];
	crypto_hmac_sm3(keys()->token, sizeof(keys()->token), payload, strlen(payload), mac);
	crypto_b64url(mac, MAC_BYTES, out);
}

const char *card_token(struct arena *a, int64_t member_id, int64_t expires_at)
{
	char payload[64], mac[32];
	snprintf(payload, sizeof(payload), "v1.%" PRId64 ".%" PRId64, member_id, expires_at);
	sign(payload, mac);
	return arena_printf(a, "%s.%s", payload, mac);
}

int card_token_check(const char *token, int64_t *member_id, int64_t *expires_at)
{
	char payload[64], mac[32];
	const char *last = token ? strrchr(token, '.') : NULL;
	if (!last || (size_t)(last - token) >= sizeof(payload) || strncmp(token, "v1.", 3))
		return -1;
	memcpy(payload, token, (size_t)(last - token));
	payload[last - token] = '\0';
	long long id, exp;
	char tail;
	if (sscanf(payload, "v1.%lld.%lld%c", &id, &exp, &tail) != 2 || id <= 0)
		return -1;
	sign(payload, mac);
	if (strlen(last + 1) != strlen(mac) || !crypto_equal(last + 1, mac, strlen(mac)))
		return -1;
	*member_id = id;
	*expires_at = exp;
	return 0;
}

const char *card_qr_svg(struct arena *a, const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return NULL;
	int size = qr->width, quiet = 4, full = size + 2 * quiet;
	struct jw w; /* used as a growing text buffer */
	jw_init(&w, a);
	const char *head = arena_printf(
	    a,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	    "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
	    "<path fill=\"#000\" d=\"",
	    full, full, full, full);
	jw_raw(&w, head, strlen(head));
	for (int y = 0; y < size; y++) {
		for (int x = 0; x < size; x++) {
			if (!(qr->data[y * size + x] & 1))
				continue;
			char cell[32];
			int n =
			    snprintf(cell, sizeof(cell), "M%d %dh1v1h-1z", x + quiet, y + quiet);
			jw_raw(&w, cell, (size_t)n);
		}
	}
	jw_raw(&w, "\"/></svg>", 9);
	QRcode_free(qr);
	return w.buf;
}
