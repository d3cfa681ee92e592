/* SMS: one-time codes and the pluggable sender. The "log" driver writes the
 * text to the log (development, tests); "http" POSTs it to a gateway. */
#ifndef GH_SMS_H
#define GH_SMS_H

#include "core/config.h"
#include "core/db.h"

enum { SMS_CODE_TTL = 300, SMS_RESEND_AFTER = 60, SMS_MAX_ATTEMPTS = 5 };

/* The sender (--sms-driver); purpose names what the text is for in logs. */
int sms_send(const struct config *c, struct err *e, const char *phone, const char *purpose,
             const char *text);
/* Makes and sends a 6-digit code for phone and purpose. A second request
 * within SMS_RESEND_AFTER seconds is ERR_RATE_LIMITED. */
int sms_code_issue(const struct config *c, struct db *d, struct err *e, const char *phone,
                   const char *purpose);
/* Checks and uses up the newest code; a wrong code counts an attempt, and
 * after SMS_MAX_ATTEMPTS the code is dead. field names the form field. */
int sms_code_check(struct db *d, struct err *e, const char *phone, const char *purpose,
                   const char *code, const char *field);

#endif
