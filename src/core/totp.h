/* TOTP (RFC 6238, HMAC-SHA1, 6 digits, 30 s), the form authenticator apps use. */
#ifndef GH_TOTP_H
#define GH_TOTP_H

#include <stddef.h>
#include <stdint.h>

/* The code for time t (unix seconds). */
int totp_code(const unsigned char *secret, size_t n, int64_t t);
/* The time step (unix seconds / 30) at which code (6 digits) matches, now or
 * one step either side; 0 when it does not match. Callers store the step
 * they accepted and refuse it, and any earlier one, afterwards (RFC 6238
 * §5.2: a code is good once). */
int64_t totp_verify(const unsigned char *secret, size_t n, const char *code, int64_t now);
/* RFC 4648 base32 without padding (what authenticator apps show). out holds 8*((n+4)/5)+1. */
void totp_base32(const unsigned char *in, size_t n, char *out);
/* Returns the decoded length or -1; spaces and lower case are accepted. */
int totp_unbase32(const char *in, unsigned char *out, size_t max);

#endif
