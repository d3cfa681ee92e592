-- What a good row files is not always one thing: a 联合基层工会 spans a row
-- per employer. good_units counts the members or unions the good rows
-- file, for "将导入 N 个工会".
ALTER TABLE import_jobs ADD COLUMN good_units BIGINT NOT NULL DEFAULT 0;
UPDATE import_jobs SET good_units = good_rows;
