#include "modules.h"

const struct module *const modules[] = {
    &system_module, &orgs_module,    &auth_module,    &accounts_module, &apikeys_module,
    &audit_module,  &members_module, &imports_module, &exports_module,  NULL,
};
