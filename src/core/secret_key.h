/* The key file: 64 random bytes kept outside the database, from which the
 * encryption and signing keys are derived. */
#ifndef GH_SECRET_KEY_H
#define GH_SECRET_KEY_H

#include "err.h"

enum { SECRET_KEY_LEN = 64 };

/* Reads the key file at path into key. With create set, a missing file is
 * made (mode 0600, parent folders too) from the system's random source.
 * Refuses a file that others can read or that has the wrong length. */
int secret_key_load(const char *path, int create, unsigned char key[SECRET_KEY_LEN], struct err *e);

#endif
