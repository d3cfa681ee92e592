#include "modules.h"

const struct module *const modules[] = {
    &system_module,
    NULL,
};
