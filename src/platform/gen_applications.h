/* Synthetic 入会 applications for benchmarks (`gonghui gen-applications`). */
#ifndef GH_GEN_APPLICATIONS_H
#define GH_GEN_APPLICATIONS_H

#include "core/config.h"

/* gonghui gen-applications --count N --org ID: registers N workers (valid
 * 身份证号 and phone numbers, password Demo@2026) and files a pending join
 * application for each to the base union ID, through the approvals engine,
 * in one transaction. */
int cli_gen_applications(struct config *c);

#endif
