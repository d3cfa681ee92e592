// One SQL statement on a test server's database, behind the server's back (to tamper
// with a row, or to move a date into the past): sqlite3 for SQLite, psql for PostgreSQL.
//
//   import { sql } from '../lib/sql.mjs'
//   await sql(srv, 'sqlite', 'SELECT COUNT(*) FROM audit_log')   // → "42"

import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Runs one statement on srv's database (db is 'sqlite' or 'postgresql'); resolves its output, trimmed. */
export async function sql(srv, db, stmt) {
  if (db === 'sqlite') {
    const file = srv.dbUrl.slice('sqlite:'.length)
    const { stdout } = await run('sqlite3', ['-cmd', '.timeout 5000', file, stmt])
    return stdout.trim()
  }
  const { stdout } = await run('psql', [srv.dbUrl, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', stmt])
  return stdout.trim()
}
