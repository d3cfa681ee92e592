/* The process's keys, derived once at start from the key file. */
#ifndef GH_KEYS_H
#define GH_KEYS_H

#include "core/arena.h"
#include "core/crypto.h"
#include "core/err.h"

/* Loads (with create, makes) the key file and derives the purpose keys. */
int keys_load(const char *path, int create, struct err *e);
/* The loaded keys; keys_load() must have succeeded. */
const struct crypto_keys *keys(void);
void keys_unload(void);
/* A field stored by crypto_encrypt_field(), decrypted into a; NULL when
 * stored is empty or does not decrypt with these keys. */
const char *keys_decrypt(struct arena *a, const char *stored);

#endif
