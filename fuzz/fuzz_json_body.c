/* libFuzzer: request-body parsing must never crash, leak or accept a
 * string holding a NUL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_read.h"

static void no_nul_strings(json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;
	if (json_is_string(j) && strlen(json_string_value(j)) != json_string_length(j))
		abort();
	if (json_is_object(j))
		json_object_foreach(j, key, v) no_nul_strings(v);
	if (json_is_array(j))
		json_array_foreach(j, i, v) no_nul_strings(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	memcpy(buf, data, size);
	struct err e;
	json_t *j = NULL;
	if (json_parse_body(buf, size, &j, &e) == 0)
		no_nul_strings(j);
	json_decref(j);
	free(buf);
	return 0;
}
