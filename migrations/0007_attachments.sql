-- Attachments (附件): one row per upload. The bytes are stored once per
-- content under data-dir/files/<first 2 hex>/<hash>, so two rows may name
-- the same file. A row starts unlinked (owner NULL, only its uploader may
-- read it) and is linked once to the record it supports; from then on the
-- owner's module decides who may read it.
CREATE TABLE attachments (
	id {{id}},
	hash TEXT NOT NULL, -- SM3 of the content, lower-case hex
	size BIGINT NOT NULL,
	mime_type TEXT NOT NULL,
	file_name TEXT NOT NULL,
	account_id BIGINT NOT NULL REFERENCES accounts(id),
	owner_kind TEXT,
	owner_id BIGINT,
	created_at BIGINT NOT NULL,
	CHECK ((owner_kind IS NULL) = (owner_id IS NULL))
);
CREATE INDEX attachments_owner ON attachments (owner_kind, owner_id, id);
CREATE INDEX attachments_account ON attachments (account_id, id);
