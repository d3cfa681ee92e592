#include "periodic.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	int started, stopping, seconds;
	char *url;
	void (*fn)(struct db *d, void *arg);
	void *arg;
} p = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static void *periodic_main(void *unused)
{
	(void)unused;
	struct db *d = NULL;
	pthread_mutex_lock(&p.lock);
	while (!p.stopping) {
		pthread_mutex_unlock(&p.lock);
		struct err e;
		/* the database may be away for a while: try again next round */
		if (!d && db_open(p.url, &d, &e)) {
			log_error("periodic: cannot open the database: %s", e.message);
			d = NULL;
		}
		if (d)
			p.fn(d, p.arg);
		pthread_mutex_lock(&p.lock);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += p.seconds;
		while (!p.stopping && pthread_cond_timedwait(&p.wake, &p.lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&p.lock);
	db_close(d);
	return NULL;
}

int periodic_start(const char *db_url, int seconds, void (*fn)(struct db *d, void *arg), void *arg,
                   struct err *e)
{
	pthread_mutex_lock(&p.lock);
	int rc = 0;
	if (p.started)
		rc = err_set(e, ERR_INTERNAL, NULL, NULL, "定时任务已在运行");
	else if (!(p.url = strdup(db_url)))
		rc = err_set(e, ERR_INTERNAL, NULL, NULL, "内存不足");
	else {
		p.fn = fn;
		p.arg = arg;
		p.seconds = seconds > 0 ? seconds : 1;
		p.stopping = 0;
		if (pthread_create(&p.thread, NULL, periodic_main, NULL)) {
			free(p.url);
			p.url = NULL;
			rc = err_set(e, ERR_UNAVAILABLE, NULL, NULL, "无法启动定时任务");
		} else
			p.started = 1;
	}
	pthread_mutex_unlock(&p.lock);
	return rc;
}

void periodic_stop(void)
{
	pthread_mutex_lock(&p.lock);
	if (!p.started) {
		pthread_mutex_unlock(&p.lock);
		return;
	}
	p.stopping = 1;
	pthread_cond_broadcast(&p.wake);
	pthread_mutex_unlock(&p.lock);
	pthread_join(p.thread, NULL);
	pthread_mutex_lock(&p.lock);
	p.started = 0;
	free(p.url);
	p.url = NULL;
	pthread_mutex_unlock(&p.lock);
}
