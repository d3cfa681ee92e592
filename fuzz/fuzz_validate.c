/* libFuzzer: validators and masks must never crash or read past the input,
 * and a mask must always fit its 32 bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"

static void check_mask(void (*mask)(const char *, char[32]), const char *s)
{
	char out[32];
	memset(out, 0x55, sizeof(out));
	mask(s, out);
	if (!memchr(out, '\0', sizeof(out)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct err e;
	char id[19], birth[11];
	memcpy(s, data, size);
	s[size] = '\0';
	if (valid_id_card(s, "id_card", &e) == 0) {
		if (id_card_gender(s) == 0)
			abort();
		id_card_birth(s, birth);
		if (valid_date(birth, "birth", &e))
			abort();
	}
	if (id_card_from15(s, id) == 0 && valid_id_card(id, "id_card", &e))
		abort();
	valid_phone(s, "phone", &e);
	valid_credit_code(s, "credit_code", &e);
	valid_org_code(s, "org_code", &e);
	valid_date(s, "date", &e);
	valid_password(s, "zhangsan", "password", &e);
	valid_password(s, s, "password", &e);
	valid_password(s, NULL, "password", &e);
	check_mask(mask_id_card, s);
	check_mask(mask_phone, s);
	free(s);
	return 0;
}
