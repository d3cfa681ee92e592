#include "json_read.h"

#include <string.h>

/* Rewrites every \u0000 escape inside strings to \ufffd (same length);
 * returns -1 at a raw NUL byte, whose position goes to *at. */
static int neutralise_nul(char *s, size_t n, size_t *at)
{
	int in_str = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\0') {
			*at = i;
			return -1;
		}
		if (!in_str) {
			in_str = c == '"';
			continue;
		}
		if (c == '"') {
			in_str = 0;
		} else if (c == '\\' && i + 1 < n) {
			if (s[i + 1] == 'u' && i + 5 < n && memcmp(s + i + 2, "0000", 4) == 0)
				memcpy(s + i + 2, "fffd", 4);
			i++; /* the escaped character is never a quote that ends the string */
		}
	}
	return 0;
}

int json_parse_body(char *buf, size_t len, json_t **out, struct err *e)
{
	*out = NULL;
	size_t at = 0;
	if (len == 0)
		return err_set(e, ERR_INVALID, "invalid_json", NULL, "请求内容为空，应为 JSON");
	if (neutralise_nul(buf, len, &at))
		return err_set(e, ERR_INVALID, "invalid_json", NULL,
		               "请求内容不是有效的 JSON：第 %zu 字节处有空字符", at + 1);
	json_error_t je;
	json_t *j = json_loadb(buf, len, JSON_DECODE_ANY, &je);
	if (!j)
		return err_set(e, ERR_INVALID, "invalid_json", NULL,
		               "请求内容不是有效的 JSON：第 %d 行第 %d 列附近有错误", je.line,
		               je.column);
	*out = j;
	return 0;
}
