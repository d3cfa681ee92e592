/* Background jobs: one queue and one worker thread, for work that outlasts
 * a request (validating and committing an import of a million rows). The
 * worker has a database connection of its own; a second thread, the
 * ticker, has another and calls each running job's tick about once a
 * second, so a job can publish its progress in a transaction of its own
 * while its main work holds a long one (and, on SQLite, the write lock:
 * then the ticker waits, not the job).
 *
 * Both threads start on the first jobs_submit(); jobs_stop() ends them and
 * runs at exit if nobody called it before. One queue per process: the
 * database URL of the first submit is the one used. */
#ifndef GH_JOBS_H
#define GH_JOBS_H

#include "core/err.h"

struct db;

struct job {
	/* the work, on the worker thread with its connection */
	void (*run)(struct db *d, void *arg);
	/* while run runs, about once a second on the ticker thread; may be NULL */
	void (*tick)(struct db *d, void *arg);
	/* frees arg: after run, or instead of it when the queue stops first */
	void (*done)(void *arg);
	void *arg;
};

/* Queues a copy of j, starting the threads on first use (db_url is copied).
 * Returns 0, or -1 with e filled (ERR_UNAVAILABLE while stopping, or when a
 * thread or the connection cannot be made); then j->done was not called. */
int jobs_submit(const char *db_url, const struct job *j, struct err *e);

/* 1 once jobs_stop() has begun: a long job checks it and gives up early. */
int jobs_stopping(void);

/* Asks the running job to stop (jobs_stopping()), waits for it, drops the
 * jobs still queued (their done() runs), joins both threads and closes
 * their connections. Safe to call more than once and when never started. */
void jobs_stop(void);

#endif
