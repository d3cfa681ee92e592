-- The union tree. Every row that belongs to an organisation carries its
-- org_id and the org's materialized path ('/1/12/345/'), so "this union and
-- everything under it" is one range scan: path >= '/1/12/' AND path < '/1/120'.
CREATE TABLE orgs (
	id {{id}},
	parent_id BIGINT REFERENCES orgs(id),
	path {{ctext}} NOT NULL UNIQUE,
	level TEXT NOT NULL CHECK (level IN ('province', 'city', 'county', 'town', 'base')),
	-- regional 地方总工会, industry 产业工会, unit 单列单位工会, base 基层工会, joint 联合基层工会
	type TEXT NOT NULL CHECK (type IN ('regional', 'industry', 'unit', 'base', 'joint')),
	name TEXT NOT NULL,
	division_code TEXT,
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'dissolved')),
	sort BIGINT NOT NULL DEFAULT 0,
	-- a stable key for seeded rows ('div:610100', 'ind:energy'), so seeding is idempotent
	seed_key TEXT UNIQUE,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX orgs_parent ON orgs (parent_id, sort, id);
CREATE INDEX orgs_division ON orgs (division_code);
