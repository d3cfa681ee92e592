/* The calendar a cadre reads is China's (+08:00, no daylight saving),
 * whatever time zone the server runs in: 入会日期 "today", ages, the dates
 * in file names. */
#ifndef GH_CHINA_TIME_H
#define GH_CHINA_TIME_H

#include <time.h>

/* The broken-down time in China at unix time t. */
void china_tm(time_t t, struct tm *out);
/* Today in China as YYYY-MM-DD. */
void china_today(char out[11]);

#endif
