#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	int status;
	const char *slug, *message;
} err_table[] = {
    [ERR_OK] = {200, "ok", "成功"},
    [ERR_INVALID] = {400, "invalid_request", "请求内容不正确"},
    [ERR_UNAUTHENTICATED] = {401, "unauthenticated", "请先登录"},
    [ERR_FORBIDDEN] = {403, "forbidden", "没有权限执行此操作"},
    [ERR_NOT_FOUND] = {404, "not_found", "请求的内容不存在"},
    [ERR_METHOD] = {405, "method_not_allowed", "不支持此请求方法"},
    [ERR_CONFLICT] = {409, "conflict", "数据已存在或已被他人修改"},
    [ERR_TOO_LARGE] = {413, "payload_too_large", "提交的内容过大"},
    [ERR_UNPROCESSABLE] = {422, "unprocessable", "不符合业务规则"},
    [ERR_RATE_LIMITED] = {429, "rate_limited", "操作过于频繁，请稍后再试"},
    [ERR_INTERNAL] = {500, "internal_error", "服务器内部错误，请稍后再试"},
    [ERR_UNAVAILABLE] = {503, "unavailable", "服务暂时不可用，请稍后再试"},
};

static int valid(enum err_code code)
{
	return (unsigned)code < sizeof(err_table) / sizeof(err_table[0]);
}

int err_http_status(enum err_code code)
{
	return valid(code) ? err_table[code].status : 500;
}

const char *err_default_slug(enum err_code code)
{
	return valid(code) ? err_table[code].slug : "internal_error";
}

const char *err_default_message(enum err_code code)
{
	return valid(code) ? err_table[code].message : err_table[ERR_INTERNAL].message;
}

void err_clear(struct err *e)
{
	e->code = ERR_OK;
	e->slug[0] = e->field[0] = e->message[0] = '\0';
}

int err_set(struct err *e, enum err_code code, const char *slug, const char *field, const char *fmt,
            ...)
{
	e->code = code;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	if (slug)
		snprintf(e->slug, sizeof(e->slug), "%s", slug);
	else if (code == ERR_INVALID && field && *field)
		snprintf(e->slug, sizeof(e->slug), "invalid_%s", field);
	else
		snprintf(e->slug, sizeof(e->slug), "%s", err_default_slug(code));
	if (fmt && *fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->message, sizeof(e->message), fmt, ap);
		va_end(ap);
	} else {
		e->message[0] = '\0';
	}
	if (e->message[0] == '\0')
		snprintf(e->message, sizeof(e->message), "%s", err_default_message(code));
	return -1;
}
