// The audit log: what the 审计管理员 sees, its filters and pages, who may not read it,
// and the HMAC chain that shows a changed or deleted row (API and `gonghui audit verify`).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'

import { Client, login } from '../lib/client.mjs'
import { dbKinds, gonghuiBin, repoRoot, startServer } from '../lib/server.mjs'
import { sql } from '../lib/sql.mjs'

const run = promisify(execFile)

/** A copy of the log to put tampered rows back from (made once, before the first change). */
const backup = (srv, db) => sql(srv, db, 'CREATE TABLE IF NOT EXISTS audit_backup AS SELECT * FROM audit_log')

/** `gonghui audit verify` on the server's database: {code, out}. */
async function cliVerify(srv) {
  try {
    const { stdout, stderr } = await run(
      gonghuiBin(),
      ['audit', 'verify', '--db', srv.dbUrl, '--secret-key-file', srv.keyFile],
      { cwd: repoRoot },
    )
    return { code: 0, out: stdout + stderr }
  } catch (e) {
    if (typeof e.code !== 'number') throw e
    return { code: e.code, out: (e.stdout ?? '') + (e.stderr ?? '') }
  }
}

/** Every row of the log, newest first, read 200 at a time. */
async function allRows(c, query = '') {
  const rows = []
  let cursor = null
  do {
    const res = await c.get(`/audit?limit=200${query}${cursor ? `&cursor=${cursor}` : ''}`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    rows.push(...res.body.items)
    cursor = res.body.next_cursor
  } while (cursor)
  return rows
}

for (const db of dbKinds()) {
  describe(`audit log (${db})`, () => {
    let srv, auditor, xian, sys
    const ids = {}
    let created // {id, requestId}

    before(async () => {
      srv = await startServer({ db, demo: true })
      auditor = await login(srv, 'demo-auditor')
      sys = await login(srv, 'demo-sysadmin')
      xian = await login(srv, 'demo-xian')
      ids.xian = (await xian.get('/me')).body.account.id
      ids.province = (await (await login(srv, 'demo-province')).get('/me')).body.account.id
      // one failed login of a known account, one of an unknown name
      assert.equal((await new Client(srv.url).post('/auth/login', { username: 'demo-province', password: 'Wrong@2026' })).status, 401)
      assert.equal((await new Client(srv.url).post('/auth/login', { username: 'no-such-cadre', password: 'Wrong@2026' })).status, 401)
      const xianOrg = (await xian.get('/orgs/roots')).body.items[0].id
      const res = await xian.post('/accounts', {
        username: 'xian-audited',
        real_name: '审计对象',
        org_id: xianOrg,
        role_code: 'base_work',
        scope: 'org',
      })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      created = { id: res.body.account.id, requestId: res.headers.get('x-request-id') }
    })
    after(async () => {
      await srv?.stop()
    })

    test('the auditor sees action, account, ip, request id and success, newest first', async () => {
      const res = await auditor.get('/audit')
      assert.equal(res.status, 200, JSON.stringify(res.body))
      const items = res.body.items
      assert.ok(items.length >= 5, `${items.length} rows`)
      for (let i = 1; i < items.length; i++) assert.ok(items[i - 1].id > items[i].id, 'newest first')

      const row = items.find((r) => r.action === 'accounts.create')
      assert.ok(row, JSON.stringify(items.map((r) => r.action)))
      assert.deepEqual(row.account, { id: ids.xian, name: '西安干部' })
      assert.equal(row.target, `account:${created.id}`)
      assert.equal(row.ip, '127.0.0.1')
      assert.equal(row.request_id, created.requestId)
      assert.equal(row.success, true)
      assert.ok(Math.abs(row.at - Date.now() / 1000) < 120, `at ${row.at}`)
      assert.equal(JSON.parse(row.fields).username, 'xian-audited')

      const loginRow = items.find((r) => r.action === 'auth.login' && r.success && r.account?.id === ids.xian)
      assert.ok(loginRow, 'demo-xian’s login is in the log')
      assert.ok(loginRow.id < row.id, 'the login came before the account creation')
    })

    test('failed logins are in the log with success false', async () => {
      const rows = await allRows(auditor)
      const failed = rows.filter((r) => r.action === 'auth.login' && r.success === false)
      const known = failed.find((r) => r.account?.id === ids.province)
      assert.ok(known, JSON.stringify(failed))
      assert.equal(known.ip, '127.0.0.1')
      assert.match(known.request_id, /\S/)
      assert.match(known.fields, /bad_password/)
      assert.ok(failed.some((r) => r.account === null && /unknown_account/.test(r.fields)), 'unknown name')
    })

    test('the action= filter', async () => {
      const res = await auditor.get('/audit?action=accounts.create')
      assert.equal(res.status, 200)
      assert.ok(res.body.items.length >= 1)
      for (const r of res.body.items) assert.equal(r.action, 'accounts.create')
      const logins = await auditor.get('/audit?action=auth.login')
      assert.ok(logins.body.items.length >= 4)
      for (const r of logins.body.items) assert.match(r.action, /^auth\.login/)
    })

    test('the success= filter, with 0/1 and with false/true', async () => {
      const all = await allRows(auditor)
      const nFailed = all.filter((r) => !r.success).length
      const nOk = all.length - nFailed
      assert.ok(nFailed >= 2 && nOk >= 3)
      for (const [q, want, n] of [
        ['0', false, nFailed],
        ['false', false, nFailed],
        ['1', true, nOk],
        ['true', true, nOk],
      ]) {
        const rows = await allRows(auditor, `&success=${q}`)
        assert.ok(
          rows.every((r) => r.success === want),
          `success=${q} returned rows with success ${[...new Set(rows.map((r) => r.success))]}`,
        )
        assert.equal(rows.length, n, `success=${q}`)
      }
    })

    test('next_cursor pages through the log: disjoint pages, nothing skipped', async () => {
      const all = (await allRows(auditor)).map((r) => r.id)
      const seen = []
      let cursor = null
      let pages = 0
      do {
        const res = await auditor.get(`/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`)
        assert.equal(res.status, 200)
        assert.ok(res.body.items.length <= 3)
        for (const r of res.body.items) assert.ok(!seen.includes(r.id), `row ${r.id} on two pages`)
        seen.push(...res.body.items.map((r) => r.id))
        cursor = res.body.next_cursor
        pages++
      } while (cursor && pages < 1000)
      assert.ok(pages >= 2)
      assert.deepEqual(seen, all)
    })

    test('三员分立: the system admin and a cadre get 403 on the audit log, and the attempt is logged', async () => {
      for (const c of [sys, xian]) {
        for (const path of ['/audit', '/audit/verify']) {
          const res = await c.get(path)
          assert.equal(res.status, 403, path)
          assert.equal(res.body.error.code, 'forbidden')
          assert.equal(res.body.items, undefined)
        }
      }
      const sysId = (await sys.get('/me')).body.account.id
      const rows = await allRows(auditor, '&success=0')
      assert.ok(rows.some((r) => r.account?.id === sysId && r.action.startsWith('audit.read')), 'the refused read is recorded')
    })

    test('a row’s fields stay valid JSON when a caller’s text has quotes in it', async () => {
      const name = '社保"对接"接口'
      const org = (await sys.get('/orgs/roots')).body.items[0].id
      const made = await sys.post('/api-keys', { name, org_id: org, scope: 'org', sections: ['orgs'] })
      assert.equal(made.status, 201, JSON.stringify(made.body))
      const res = await auditor.get('/audit?action=apikeys.create')
      const row = res.body.items.find((r) => r.target === `api_key:${made.body.api_key.id}`)
      assert.ok(row)
      let fields
      assert.doesNotThrow(() => (fields = JSON.parse(row.fields)), `fields is not JSON: ${row.fields}`)
      assert.equal(fields.name, name)
    })

    // From here on, nothing may add audit rows: the chain is tampered with by hand.

    test('verify: the chain is intact, with the row count (API and CLI)', async () => {
      const newest = (await auditor.get('/audit?limit=1')).body.items[0].id
      const res = await auditor.get('/audit/verify')
      assert.equal(res.status, 200)
      assert.deepEqual(res.body, { ok: true, rows: newest })
      const cli = await cliVerify(srv)
      assert.equal(cli.code, 0, cli.out)
      assert.match(cli.out, new RegExp(`intact: ${newest} rows`))
    })

    test('a changed row breaks the chain at that row (API and CLI)', async () => {
      await backup(srv, db)
      const before = await sql(srv, db, 'SELECT action FROM audit_log WHERE id = 2')
      assert.match(before, /\S/)
      await sql(srv, db, "UPDATE audit_log SET action = 'x' WHERE id = 2")
      try {
        const res = await auditor.get('/audit/verify')
        assert.equal(res.status, 200)
        assert.equal(res.body.ok, false)
        assert.equal(res.body.first_bad_id, 2)
        assert.match(res.body.reason, /\S/)
        const cli = await cliVerify(srv)
        assert.equal(cli.code, 1, cli.out)
        assert.match(cli.out, /row 2\b/)
      } finally {
        await sql(srv, db, `UPDATE audit_log SET action = '${before}' WHERE id = 2`)
      }
      assert.equal((await auditor.get('/audit/verify')).body.ok, true, 'put back, the chain is whole again')

      // a changed success flag or ip is found just the same
      const mid = Number(await sql(srv, db, 'SELECT MAX(id) FROM audit_log')) - 1
      await sql(srv, db, `UPDATE audit_log SET ip = '10.0.0.9' WHERE id = ${mid}`)
      try {
        const res = await auditor.get('/audit/verify')
        assert.equal(res.body.ok, false)
        assert.equal(res.body.first_bad_id, mid)
      } finally {
        await sql(srv, db, `UPDATE audit_log SET ip = (SELECT ip FROM audit_backup WHERE id = ${mid}) WHERE id = ${mid}`)
      }
      assert.equal((await auditor.get('/audit/verify')).body.ok, true)
    })

    test('a deleted row in the middle is found (API and CLI)', async () => {
      await backup(srv, db)
      const last = Number(await sql(srv, db, 'SELECT MAX(id) FROM audit_log'))
      const mid = Math.floor(last / 2)
      await sql(srv, db, `DELETE FROM audit_log WHERE id = ${mid}`)
      try {
        const res = await auditor.get('/audit/verify')
        assert.equal(res.body.ok, false)
        assert.equal(res.body.first_bad_id, mid)
        assert.match(res.body.reason, /\S/)
        const cli = await cliVerify(srv)
        assert.equal(cli.code, 1, cli.out)
        assert.match(cli.out, new RegExp(`row ${mid}\\b`))
      } finally {
        await sql(srv, db, `INSERT INTO audit_log SELECT * FROM audit_backup WHERE id = ${mid}`)
      }
      assert.equal((await auditor.get('/audit/verify')).body.ok, true)
    })

    test('a deleted last row is found (API and CLI)', async () => {
      await backup(srv, db)
      const last = Number(await sql(srv, db, 'SELECT MAX(id) FROM audit_log'))
      await sql(srv, db, `DELETE FROM audit_log WHERE id = ${last}`)
      try {
        const res = await auditor.get('/audit/verify')
        assert.equal(res.body.ok, false)
        assert.equal(res.body.first_bad_id, last)
        const cli = await cliVerify(srv)
        assert.equal(cli.code, 1, cli.out)
        assert.match(cli.out, new RegExp(`row ${last}\\b`))
      } finally {
        await sql(srv, db, `INSERT INTO audit_log SELECT * FROM audit_backup WHERE id = ${last}`)
      }
      assert.equal((await auditor.get('/audit/verify')).body.ok, true)
    })
  })
}
