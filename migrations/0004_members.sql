-- The member database (会员信息). 身份证号 and phone are stored SM4-encrypted
-- with a keyed lookup hash; the hash is unique province-wide, so one person
-- can never be filed twice. Gender and birth date come from the 身份证号.
CREATE TABLE members (
	id {{id}},
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	org_path {{ctext}} NOT NULL,
	name {{ctext}} NOT NULL,
	-- pinyin initials for search; the second reading of a polyphone surname (单 dan/shan)
	name_initials {{ctext}} NOT NULL,
	name_initials_alt {{ctext}},
	id_card_hash TEXT NOT NULL UNIQUE,
	id_card_enc TEXT NOT NULL,
	phone_hash TEXT,
	phone_enc TEXT,
	gender BIGINT NOT NULL,
	birth_date TEXT NOT NULL,
	ethnicity TEXT NOT NULL DEFAULT '01',
	political TEXT NOT NULL DEFAULT '13',
	education TEXT,
	hukou TEXT,
	migrant BIGINT NOT NULL DEFAULT 0,
	employment TEXT NOT NULL DEFAULT 'employed',
	flexible BIGINT NOT NULL DEFAULT 0,
	employer TEXT,
	joined_on TEXT NOT NULL,
	card_no TEXT NOT NULL UNIQUE,
	status TEXT NOT NULL DEFAULT 'normal'
		CHECK (status IN ('normal', 'retained', 'transferred', 'left', 'removed', 'expelled')),
	account_id BIGINT REFERENCES accounts(id),
	version BIGINT NOT NULL DEFAULT 1,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
-- pages walk (org_path, id): fast for a city of millions and for a union of forty
CREATE INDEX members_path ON members (org_path, id);
CREATE INDEX members_name ON members (name, id);
CREATE INDEX members_initials ON members (name_initials, id);
CREATE INDEX members_initials_alt ON members (name_initials_alt, id);
CREATE INDEX members_phone ON members (phone_hash);
CREATE INDEX members_account ON members (account_id);

-- Every change of a member, field by field: {"field": ["old", "new"], …}.
-- No foreign key: the history of a deleted record stays.
CREATE TABLE member_history (
	id {{id}},
	member_id BIGINT NOT NULL,
	at BIGINT NOT NULL,
	account_id BIGINT,
	action TEXT NOT NULL,
	changes TEXT NOT NULL,
	request_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX member_history_member ON member_history (member_id, id);

-- Statistics kept current in the same transaction as every member write:
-- each row counts the members of an org's whole subtree (the org and all
-- below it) for one value of one dimension, so any subtree's figures are a
-- lookup of its own rows, never a scan of members.
CREATE TABLE org_stats (
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	dim TEXT NOT NULL,
	key TEXT NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (org_id, dim, key)
);
