#include "keys.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/secret_key.h"

static struct crypto_keys loaded;
static int have_keys;

int keys_load(const char *path, int create, struct err *e)
{
	unsigned char master[SECRET_KEY_LEN];
	if (secret_key_load(path, create, master, e))
		return -1;
	crypto_keys_derive(master, &loaded);
	crypto_wipe(master, sizeof(master));
	have_keys = 1;
	return 0;
}

const struct crypto_keys *keys(void)
{
	assert(have_keys);
	return &loaded;
}

void keys_unload(void)
{
	crypto_keys_wipe(&loaded);
	have_keys = 0;
}

const char *keys_decrypt(struct arena *a, const char *stored)
{
	if (!stored || !*stored)
		return NULL;
	char *plain;
	if (crypto_decrypt_field(keys(), stored, &plain))
		return NULL;
	const char *s = arena_strdup(a, plain);
	crypto_wipe(plain, strlen(plain));
	free(plain);
	return s;
}
