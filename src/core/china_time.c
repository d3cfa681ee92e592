#include "china_time.h"

enum { BEIJING = 8 * 3600 };

void china_tm(time_t t, struct tm *out)
{
	time_t shifted = t + BEIJING;
	gmtime_r(&shifted, out);
}

void china_today(char out[11])
{
	struct tm tm;
	china_tm(time(NULL), &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}
