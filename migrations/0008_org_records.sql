-- The union's own record (工会组织信息登记表): its employer(s), region,
-- industry, head counts, officers and, once registered, its legal-person
-- code; and the history of every change.
ALTER TABLE orgs ADD COLUMN industry TEXT;
ALTER TABLE orgs ADD COLUMN unit_type TEXT;
ALTER TABLE orgs ADD COLUMN address TEXT;
ALTER TABLE orgs ADD COLUMN staff_count BIGINT;
ALTER TABLE orgs ADD COLUMN female_count BIGINT;
ALTER TABLE orgs ADD COLUMN migrant_count BIGINT;
ALTER TABLE orgs ADD COLUMN founded_on TEXT;
ALTER TABLE orgs ADD COLUMN chair_name TEXT;
ALTER TABLE orgs ADD COLUMN chair_phone_enc TEXT;
ALTER TABLE orgs ADD COLUMN contact_name TEXT;
ALTER TABLE orgs ADD COLUMN contact_phone_enc TEXT;
-- the union's own 统一社会信用代码 (starting 81), once registered
ALTER TABLE orgs ADD COLUMN legal_code TEXT;
ALTER TABLE orgs ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
CREATE UNIQUE INDEX orgs_legal_code ON orgs (legal_code);

-- The employers a base union covers: one for a 单独基层工会, several for a
-- 联合基层工会. An employer belongs to one active union at a time:
-- active_key (its credit code, or "o:" and its old 组织机构代码) is unique
-- and set to NULL when the union is dissolved or lets the employer go.
CREATE TABLE org_employers (
	id {{id}},
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	name TEXT NOT NULL,
	credit_code TEXT,
	org_code TEXT,
	active_key TEXT UNIQUE,
	created_at BIGINT NOT NULL
);
CREATE INDEX org_employers_org ON org_employers (org_id, id);
CREATE INDEX org_employers_credit ON org_employers (credit_code);

CREATE TABLE org_history (
	id {{id}},
	org_id BIGINT NOT NULL,
	at BIGINT NOT NULL,
	account_id BIGINT,
	action TEXT NOT NULL,
	changes TEXT NOT NULL,
	request_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX org_history_org ON org_history (org_id, id);
