/* libFuzzer: whatever bytes a handler writes, the output parses as JSON. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the second half, NUL-terminated, is a key (keys are C strings) */
	char *key = malloc(size - size / 2 + 1);
	memcpy(key, data + size / 2, size - size / 2);
	key[size - size / 2] = '\0';
	struct jw w;
	jw_init(&w, NULL);
	jw_obj(&w);
	jw_key(&w, key);
	jw_strn(&w, (const char *)data, size / 2);
	jw_obj_end(&w);
	json_error_t je;
	json_t *j = json_loadb(w.buf, w.len, JSON_ALLOW_NUL, &je);
	if (!j)
		abort();
	json_decref(j);
	jw_release(&w);
	free(key);
	return 0;
}
