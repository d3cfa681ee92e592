/* The one list of business modules. */
#ifndef GH_MODULES_H
#define GH_MODULES_H

#include "core/router.h"

/* NULL-terminated, in the order their routes are listed. */
extern const struct module *const modules[];

extern const struct module system_module;

#endif
