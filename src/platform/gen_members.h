/* Synthetic member CSV for tests and benchmarks (`gonghui gen-members`). */
#ifndef GH_GEN_MEMBERS_H
#define GH_GEN_MEMBERS_H

#include <stdio.h>

#include "core/config.h"

/* Writes the header row
 *   姓名,身份证号,手机号,民族,政治面貌,学历,户籍类型,就业状态,灵活就业,工作单位,入会日期,所属工会编号
 * and count rows (UTF-8, LF line ends, no field needs quoting) to out.
 * Every 身份证号 is valid (GB 11643, a real Shaanxi county code, born
 * 1960–2005) and unique within the output, as is every phone number; the
 * coded columns carry the Chinese names of src/platform/codes.h; 入会日期 lies
 * between the 18th birthday and 2024-12-31. orgs is a comma-separated list
 * of org ids (letters, digits, '-', '_') handed out round-robin over the rows,
 * or "" / NULL for a blank 所属工会编号. The same count and orgs always give
 * the same bytes. Returns 0; -1 with errno EINVAL for a bad orgs list or
 * count outside 0..100000000, or -1 with errno set by a failed write. */
int gen_members(FILE *out, long count, const char *orgs);

/* gonghui gen-members [--count N] [--orgs 1,2,3]: the CSV on stdout. */
int cli_gen_members(struct config *c);

#endif
