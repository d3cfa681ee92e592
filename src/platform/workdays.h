/* Working days (工作日) in Beijing time, for the deadlines of applications:
 * Monday to Friday, less the holiday list's days off, plus its weekend days
 * worked instead (调休). The list is the table holidays, kept by a cadre
 * holding calendar.manage. */
#ifndef GH_WORKDAYS_H
#define GH_WORKDAYS_H

#include <stdint.h>

#include "core/db.h"

/* The deadline of an allowance of `days` working days that starts at unix
 * time start: 24:00 Beijing time of the days-th working day after the day
 * of start. days must be 1..366. */
int workdays_due(struct db *d, struct err *e, int64_t start, int days, int64_t *due);

/* The Beijing date of unix time t as YYYY-MM-DD into out[11]. */
void workdays_date(int64_t t, char out[11]);

#endif
