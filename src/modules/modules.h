/* The one list of business modules. */
#ifndef GH_MODULES_H
#define GH_MODULES_H

#include "core/router.h"

/* NULL-terminated, in the order their routes are listed. */
extern const struct module *const modules[];

extern const struct module system_module;
extern const struct module orgs_module;
extern const struct module auth_module;
extern const struct module accounts_module;
extern const struct module apikeys_module;
extern const struct module audit_module;
extern const struct module members_module;
extern const struct module imports_module;
extern const struct module exports_module;

#endif
