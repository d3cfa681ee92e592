-- 工会法人资格 (总工办发〔2020〕20号): the certificates a registrar union
-- issues. A change, renewal or reissue replaces the certificate with a new
-- number under the same 统一社会信用代码; cancellation ends it.
CREATE TABLE legal_certificates (
	id {{id}},
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	-- NULL only inside the transaction that issues it (the number needs the id)
	cert_no TEXT UNIQUE,
	legal_code TEXT NOT NULL,
	registrar_id BIGINT NOT NULL REFERENCES orgs(id),
	union_name TEXT NOT NULL,
	representative TEXT NOT NULL,
	address TEXT NOT NULL,
	valid_from TEXT NOT NULL,
	valid_to TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('valid', 'replaced', 'cancelled')),
	issued_at BIGINT NOT NULL,
	application_id BIGINT REFERENCES applications(id),
	ended_at BIGINT
);
CREATE INDEX legal_certificates_org ON legal_certificates (org_id, id);
