#include "modules.h"

const struct module *const modules[] = {
    &system_module,   &orgs_module,        &auth_module,    &accounts_module,  &apikeys_module,
    &audit_module,    &members_module,     &imports_module, &exports_module,   &applications_module,
    &messages_module, &attachments_module, &legal_module,   &establish_module, NULL,
};

const struct appl_type *const appl_types[] = {
    &join_application,           &transfer_application,     &retain_application,
    &leave_application,          &reactivate_application,   &establish_application,
    &legal_register_application, &legal_change_application, &legal_renew_application,
    &legal_reissue_application,  &legal_cancel_application, NULL,
};
