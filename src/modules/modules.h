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
extern const struct module applications_module;
extern const struct module messages_module;
extern const struct module attachments_module;
extern const struct module legal_module;
extern const struct module establish_module;

/* The application types on the approvals engine, NULL-terminated. */
struct appl_type;
extern const struct appl_type *const appl_types[];

extern const struct appl_type join_application;
extern const struct appl_type transfer_application;
extern const struct appl_type retain_application;
extern const struct appl_type leave_application;
extern const struct appl_type reactivate_application;
extern const struct appl_type establish_application;
extern const struct appl_type legal_register_application;
extern const struct appl_type legal_change_application;
extern const struct appl_type legal_renew_application;
extern const struct appl_type legal_reissue_application;
extern const struct appl_type legal_cancel_application;

#endif
