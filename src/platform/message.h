/* 站内消息 and the channels beyond them. A message is a row per recipient
 * (what 我的消息 lists); each further channel (SMS, WeChat) is one entry of
 * message_channels and sees every message sent, so a new channel needs no
 * change in the modules that send. Sends run in the caller's transaction:
 * a channel that talks to the outside world queues there and delivers
 * after the commit. */
#ifndef GH_MESSAGE_H
#define GH_MESSAGE_H

#include <stdint.h>

#include "core/db.h"

struct message {
	int64_t account_id;
	const char *title, *body;
	const char *link;       /* a path in the app that opens what it is about, or NULL */
	int64_t application_id; /* 0 when about no application */
};

struct message_channel {
	const char *name;
	int (*deliver)(struct db *d, struct err *e, const struct message *m);
};

/* NULL-terminated; the in-app inbox is the messages table itself. */
extern const struct message_channel *const message_channels[];

/* Files m for its recipient and hands it to every channel. */
int message_send(struct db *d, struct err *e, const struct message *m);

/* Sends m (its account_id ignored) to every cadre bound at org_id with a
 * role that holds perm. */
int message_send_org(struct db *d, struct err *e, int64_t org_id, const char *perm,
                     const struct message *m);

#endif
