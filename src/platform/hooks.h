/* The platform's hooks into every request (see core/server.h). */
#ifndef GH_HOOKS_H
#define GH_HOOKS_H

#include "core/server.h"

extern const struct server_hooks platform_hooks;

#endif
