#include "workdays.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

enum { BEIJING = 8 * 3600, DAY = 86400 };

/* Days since 1970-01-01 in Beijing time. */
static int64_t day_of(int64_t t)
{
	int64_t s = t + BEIJING;
	return s >= 0 ? s / DAY : (s - DAY + 1) / DAY;
}

static void day_text(int64_t day, char out[11])
{
	time_t t = (time_t)(day * DAY);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

void workdays_date(int64_t t, char out[11])
{
	day_text(day_of(t), out);
}

/* 1970-01-01 was a Thursday: day 0 is weekday 4 (Sunday = 0). */
static int weekend(int64_t day)
{
	int wd = (int)(((day % 7) + 7 + 4) % 7);
	return wd == 0 || wd == 6;
}

int workdays_due(struct db *d, struct err *e, int64_t start, int days, int64_t *due)
{
	if (days < 1 || days > 366)
		return err_set(e, ERR_INTERNAL, NULL, NULL, "工作日数超出范围");
	int64_t first = day_of(start) + 1;
	/* a window wide enough for any holiday season: weekends plus a long
	 * national holiday never make 366 working days last three years */
	int64_t last = first + (int64_t)days * 3 + 60;
	char lo[11], hi[11];
	day_text(first, lo);
	day_text(last, hi);
	struct {
		char day[11];
		int off;
	} list[512];
	int n = 0;
	struct db_rows *rs;
	if (db_query(d, e,
	             "SELECT day, kind FROM holidays WHERE day >= $1 AND day <= $2 ORDER BY day",
	             DB_ARGS(DB_TEXT(lo), DB_TEXT(hi)), &rs))
		return -1;
	int rc;
	while ((rc = db_step(rs, e)) == 1 && n < (int)(sizeof(list) / sizeof(list[0]))) {
		snprintf(list[n].day, sizeof(list[n].day), "%s", db_col_text(rs, 0));
		list[n].off = !strcmp(db_col_text(rs, 1), "off");
		n++;
	}
	db_rows_close(rs);
	if (rc < 0)
		return -1;
	int counted = 0, k = 0;
	for (int64_t day = first; day <= last; day++) {
		char text[11];
		day_text(day, text);
		int working = !weekend(day);
		while (k < n && strcmp(list[k].day, text) < 0)
			k++;
		if (k < n && !strcmp(list[k].day, text))
			working = !list[k].off;
		if (working && ++counted == days) {
			*due = (day + 1) * DAY - BEIJING - 1;
			return 0;
		}
	}
	return err_set(e, ERR_INTERNAL, NULL, NULL, "节假日安排过长，无法计算期限");
}
