#include "jobs.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"

struct node {
	struct job job;
	struct node *next;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the worker: a job queued, or stop */
	pthread_cond_t tick; /* the ticker: a job started or ended, or stop */
	pthread_cond_t idle; /* the worker: the ticker finished a tick */
	struct node *head, *tail;
	const struct job *running; /* the worker's current job, read by the ticker */
	int ticking;               /* the ticker is inside running->tick() */
	int started, stopped;
	atomic_int stopping;
	char *url;
	pthread_t worker, ticker;
} q = {.lock = PTHREAD_MUTEX_INITIALIZER,
       .wake = PTHREAD_COND_INITIALIZER,
       .tick = PTHREAD_COND_INITIALIZER,
       .idle = PTHREAD_COND_INITIALIZER};

int jobs_stopping(void)
{
	return atomic_load(&q.stopping);
}

/* A connection for a thread; NULL (logged) when the database is away, and
 * the thread tries again when it next needs one. */
static struct db *open_db(void)
{
	struct db *d = NULL;
	struct err e;
	if (db_open(q.url, &d, &e)) {
		log_error("jobs: cannot open the database: %s", e.message);
		return NULL;
	}
	return d;
}

static void *worker_main(void *unused)
{
	(void)unused;
	struct db *d = NULL;
	pthread_mutex_lock(&q.lock);
	for (;;) {
		while (!q.head && !atomic_load(&q.stopping))
			pthread_cond_wait(&q.wake, &q.lock);
		if (atomic_load(&q.stopping))
			break;
		struct node *n = q.head;
		q.head = n->next;
		if (!q.head)
			q.tail = NULL;
		q.running = &n->job;
		pthread_cond_signal(&q.tick);
		pthread_mutex_unlock(&q.lock);
		if (!d)
			d = open_db();
		if (d)
			n->job.run(d, n->job.arg);
		pthread_mutex_lock(&q.lock);
		q.running = NULL;
		while (q.ticking) /* a tick may still read the job's arg */
			pthread_cond_wait(&q.idle, &q.lock);
		pthread_mutex_unlock(&q.lock);
		n->job.done(n->job.arg);
		free(n);
		pthread_mutex_lock(&q.lock);
	}
	pthread_mutex_unlock(&q.lock);
	db_close(d);
	return NULL;
}

static void *ticker_main(void *unused)
{
	(void)unused;
	struct db *d = NULL;
	pthread_mutex_lock(&q.lock);
	while (!atomic_load(&q.stopping)) {
		if (!q.running) {
			pthread_cond_wait(&q.tick, &q.lock);
			continue;
		}
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&q.tick, &q.lock, &until);
		/* outside the lock: a tick may wait for a database lock, and
		 * nobody submitting a job should wait with it */
		if (q.running && q.running->tick && !atomic_load(&q.stopping)) {
			const struct job *j = q.running;
			q.ticking = 1;
			pthread_mutex_unlock(&q.lock);
			if (!d)
				d = open_db();
			if (d)
				j->tick(d, j->arg);
			pthread_mutex_lock(&q.lock);
			q.ticking = 0;
			pthread_cond_broadcast(&q.idle);
		}
	}
	pthread_mutex_unlock(&q.lock);
	db_close(d);
	return NULL;
}

/* Under q.lock. */
static int start(const char *db_url, struct err *e)
{
	if (!(q.url = strdup(db_url)))
		return err_set(e, ERR_INTERNAL, NULL, NULL, "内存不足");
	if (pthread_create(&q.worker, NULL, worker_main, NULL)) {
		free(q.url);
		q.url = NULL;
		return err_set(e, ERR_UNAVAILABLE, NULL, NULL, "无法启动后台任务");
	}
	if (pthread_create(&q.ticker, NULL, ticker_main, NULL)) {
		atomic_store(&q.stopping, 1);
		pthread_cond_broadcast(&q.wake);
		pthread_mutex_unlock(&q.lock);
		pthread_join(q.worker, NULL);
		pthread_mutex_lock(&q.lock);
		atomic_store(&q.stopping, 0);
		free(q.url);
		q.url = NULL;
		return err_set(e, ERR_UNAVAILABLE, NULL, NULL, "无法启动后台任务");
	}
	q.started = 1;
	atexit(jobs_stop);
	return 0;
}

int jobs_submit(const char *db_url, const struct job *j, struct err *e)
{
	struct node *n = calloc(1, sizeof(*n));
	if (!n)
		return err_set(e, ERR_INTERNAL, NULL, NULL, "内存不足");
	n->job = *j;
	pthread_mutex_lock(&q.lock);
	int rc = 0;
	if (atomic_load(&q.stopping) || q.stopped)
		rc = err_set(e, ERR_UNAVAILABLE, NULL, NULL, "服务正在停止，请稍后再试");
	else if (!q.started)
		rc = start(db_url, e);
	if (rc == 0) {
		if (q.tail)
			q.tail->next = n;
		else
			q.head = n;
		q.tail = n;
		pthread_cond_signal(&q.wake);
	}
	pthread_mutex_unlock(&q.lock);
	if (rc)
		free(n);
	return rc;
}

void jobs_stop(void)
{
	pthread_mutex_lock(&q.lock);
	if (!q.started || q.stopped) {
		q.stopped = 1;
		pthread_mutex_unlock(&q.lock);
		return;
	}
	q.stopped = 1;
	atomic_store(&q.stopping, 1);
	pthread_cond_broadcast(&q.wake);
	pthread_cond_broadcast(&q.tick);
	pthread_mutex_unlock(&q.lock);
	pthread_join(q.worker, NULL);
	pthread_join(q.ticker, NULL);
	/* what never ran is left as its database row says; the owner of that
	 * row repairs it on the next start */
	for (struct node *n = q.head, *next; n; n = next) {
		next = n->next;
		n->job.done(n->job.arg);
		free(n);
	}
	q.head = q.tail = NULL;
	free(q.url);
	q.url = NULL;
}
