/* Validators for identifiers with check digits and other outside input.
 * Each returns 0 when valid, else fills e (ERR_INVALID naming field, a
 * Chinese message saying what is wrong) and returns -1. */
#ifndef GH_VALIDATE_H
#define GH_VALIDATE_H

#include "err.h"

/* 身份证号, GB 11643-1999: 18 characters, a real birth date not in the
 * future and not before 1900, the check character (a lower-case x is accepted). */
int valid_id_card(const char *s, const char *field, struct err *e);
/* Converts a 15-digit old number to 18 (inserts 19, computes the check
 * character); out holds 19. -1 when in is not 15 digits with a real date. */
int id_card_from15(const char *in, char out[19]);
/* From a valid 18-character number: 1 male, 2 female (GB/T 2261.1 codes). */
int id_card_gender(const char *id18);
/* From a valid number: "YYYY-MM-DD" into out (11 bytes). */
void id_card_birth(const char *id18, char out[11]);
/* Mainland mobile number: 11 digits starting 13–19. */
int valid_phone(const char *s, const char *field, struct err *e);
/* 统一社会信用代码, GB 32100-2015. */
int valid_credit_code(const char *s, const char *field, struct err *e);
/* 组织机构代码, GB 11714-1997: 8 characters, optional '-', check. */
int valid_org_code(const char *s, const char *field, struct err *e);
/* A 统一社会信用代码 from its parts: prefix2 ("81" for a union), the
 * division, and the 8-character 组织机构代码 body (characters of the
 * credit-code alphabet, digits and A–H, J–N, P–R, T, U, W–Y); both check
 * characters are computed. */
void credit_code_make(const char *prefix2, const char *division6, const char *body8, char out[19]);
/* A real calendar date "YYYY-MM-DD" between 1900-01-01 and 2100-12-31. */
int valid_date(const char *s, const char *field, struct err *e);
/* Cadre password policy: at least 8 characters and 3 of the 4 classes
 * (upper, lower, digit, other), not containing the username. */
int valid_password(const char *pw, const char *username, const char *field, struct err *e);
/* Masks for display: "6101**********123X", "138****5678". out holds 32. */
void mask_id_card(const char *s, char out[32]);
void mask_phone(const char *s, char out[32]);

#endif
