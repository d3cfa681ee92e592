-- Accounts, sessions, roles and bindings, API keys, and the audit chain.
-- Phone and 身份证号 are stored encrypted (SM4) with a keyed lookup hash
-- (HMAC-SM3), never in clear.
CREATE TABLE accounts (
	id {{id}},
	username TEXT UNIQUE,
	phone_hash TEXT UNIQUE,
	phone_enc TEXT,
	id_card_hash TEXT UNIQUE,
	id_card_enc TEXT,
	real_name TEXT NOT NULL,
	-- worker: registered member or applicant; cadre: union staff and the admin roles
	kind TEXT NOT NULL CHECK (kind IN ('worker', 'cadre')),
	password_hash TEXT NOT NULL,
	password_changed_at BIGINT NOT NULL,
	must_change_password BIGINT NOT NULL DEFAULT 0,
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'locked', 'disabled')),
	failed_logins BIGINT NOT NULL DEFAULT 0,
	locked_until BIGINT NOT NULL DEFAULT 0,
	totp_secret_enc TEXT,
	totp_enabled BIGINT NOT NULL DEFAULT 0,
	-- a new authenticator waits here until a code from it is confirmed
	totp_pending_enc TEXT,
	-- the last time step whose code was accepted: a code is good once
	totp_last_step BIGINT NOT NULL DEFAULT 0,
	notice_version TEXT,
	notice_accepted_at BIGINT,
	is_demo BIGINT NOT NULL DEFAULT 0,
	created_by BIGINT REFERENCES accounts(id),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
	id {{id}},
	token_hash TEXT NOT NULL UNIQUE,
	account_id BIGINT NOT NULL REFERENCES accounts(id),
	csrf_token TEXT NOT NULL,
	-- mfa: the password was right, the second factor is still owed
	state TEXT NOT NULL CHECK (state IN ('mfa', 'active')),
	created_at BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	idle_seconds BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	ip TEXT,
	user_agent TEXT,
	revoked_at BIGINT
);
CREATE INDEX sessions_account ON sessions (account_id, id);

CREATE TABLE sms_codes (
	id {{id}},
	phone_hash TEXT NOT NULL,
	purpose TEXT NOT NULL,
	code_hash TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	attempts BIGINT NOT NULL DEFAULT 0,
	used_at BIGINT
);
CREATE INDEX sms_codes_phone ON sms_codes (phone_hash, purpose, id);

-- Fixed-window counters for rate limits; shared by every server process.
CREATE TABLE rate_limits (
	key TEXT PRIMARY KEY,
	window_start BIGINT NOT NULL,
	count BIGINT NOT NULL
);

CREATE TABLE roles (
	id {{id}},
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	-- sysadmin, secadmin, auditor: the three separated admin roles (三员分立)
	admin_kind TEXT CHECK (admin_kind IN ('sysadmin', 'secadmin', 'auditor')),
	builtin BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE role_permissions (
	role_id BIGINT NOT NULL REFERENCES roles(id),
	perm TEXT NOT NULL,
	PRIMARY KEY (role_id, perm)
);

CREATE TABLE bindings (
	id {{id}},
	account_id BIGINT NOT NULL REFERENCES accounts(id),
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	role_id BIGINT NOT NULL REFERENCES roles(id),
	scope TEXT NOT NULL CHECK (scope IN ('org', 'subtree')),
	created_by BIGINT REFERENCES accounts(id),
	created_at BIGINT NOT NULL,
	UNIQUE (account_id, org_id, role_id)
);
CREATE INDEX bindings_org ON bindings (org_id);

CREATE TABLE api_keys (
	id {{id}},
	prefix TEXT NOT NULL UNIQUE,
	key_hash TEXT NOT NULL,
	name TEXT NOT NULL,
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	scope TEXT NOT NULL CHECK (scope IN ('org', 'subtree')),
	sections TEXT NOT NULL,
	rate_per_minute BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	revoked_at BIGINT,
	created_by BIGINT REFERENCES accounts(id),
	created_at BIGINT NOT NULL,
	last_used_at BIGINT
);

-- Append-only, chained: hash = HMAC-SM3(audit key, prev_hash and the row's
-- fields); id is the position in the chain. `gonghui audit verify` recomputes it.
CREATE TABLE audit_log (
	id {{id}},
	at BIGINT NOT NULL,
	account_id BIGINT,
	org_id BIGINT,
	action TEXT NOT NULL,
	target TEXT NOT NULL DEFAULT '',
	fields TEXT NOT NULL DEFAULT '',
	ip TEXT NOT NULL DEFAULT '',
	request_id TEXT NOT NULL DEFAULT '',
	success BIGINT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX audit_log_account ON audit_log (account_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

-- One row: the end of the chain. Writers lock it, so the chain stays a chain.
CREATE TABLE audit_head (
	id BIGINT PRIMARY KEY CHECK (id = 1),
	last_id BIGINT NOT NULL,
	last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, 'genesis');
