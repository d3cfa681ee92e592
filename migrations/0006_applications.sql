-- The approvals engine (申请与审批): applications of every type, their
-- timeline, the messages they send, and the holiday list that deadlines skip.

CREATE TABLE applications (
	id {{id}},
	type TEXT NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('pending', 'returned', 'approved', 'rejected', 'withdrawn')),
	applicant_id BIGINT NOT NULL REFERENCES accounts(id),
	applicant_name TEXT NOT NULL,
	member_id BIGINT,
	step BIGINT NOT NULL DEFAULT 0,
	-- the union whose turn it is (the last one, once closed), and its path
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	org_path {{ctext}} NOT NULL,
	-- the end of the current step's allowance; NULL unless pending
	due_at BIGINT,
	escalations BIGINT NOT NULL DEFAULT 0,
	form TEXT NOT NULL,
	summary TEXT NOT NULL,
	result TEXT,
	-- "group:account" while open, NULL once closed: at most one open
	-- application per person and group, enforced by the database
	open_key TEXT UNIQUE,
	version BIGINT NOT NULL DEFAULT 1,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	closed_at BIGINT
);
CREATE INDEX applications_applicant ON applications (applicant_id, id);
-- the overdue sweep by deadline; the inbox: a scope's pending work by path
CREATE INDEX applications_pending ON applications (due_at, id) WHERE state = 'pending';
CREATE INDEX applications_pending_org ON applications (org_path, due_at, id) WHERE state = 'pending';

-- Every action on an application, in order: who, from which union, what.
CREATE TABLE application_events (
	id {{id}},
	application_id BIGINT NOT NULL REFERENCES applications(id),
	at BIGINT NOT NULL,
	actor_id BIGINT,
	actor_name TEXT NOT NULL,
	org_id BIGINT,
	org_path {{ctext}},
	org_name TEXT,
	action TEXT NOT NULL,
	from_state TEXT,
	to_state TEXT NOT NULL,
	step BIGINT NOT NULL,
	comment TEXT NOT NULL DEFAULT '',
	attachments TEXT
);
CREATE INDEX application_events_app ON application_events (application_id, id);

-- 站内消息: one row per recipient.
CREATE TABLE messages (
	id {{id}},
	account_id BIGINT NOT NULL REFERENCES accounts(id),
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	link TEXT,
	application_id BIGINT,
	created_at BIGINT NOT NULL,
	read_at BIGINT
);
CREATE INDEX messages_account ON messages (account_id, id);
CREATE INDEX messages_unread ON messages (account_id) WHERE read_at IS NULL;

-- Public holidays (off) and the weekend days worked instead (work, 调休).
CREATE TABLE holidays (
	day TEXT PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('off', 'work')),
	name TEXT NOT NULL DEFAULT ''
);
