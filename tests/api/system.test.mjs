// Health, readiness, version and the common error body, on both databases.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { dbKinds, startServer } from '../lib/server.mjs'

for (const db of dbKinds()) {
  describe(`system endpoints (${db})`, () => {
    let srv
    before(async () => {
      srv = await startServer({ db })
    })
    after(async () => {
      await srv?.stop()
    })

    test('healthz answers ok with a request id', async () => {
      const res = await fetch(`${srv.url}/api/v1/healthz`)
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-type'), /^application\/json/)
      assert.match(res.headers.get('x-request-id'), /^[0-9a-f]{16}$/)
      assert.equal(res.headers.get('cache-control'), 'no-store')
      assert.deepEqual(await res.json(), { status: 'ok' })
    })

    test('every response carries a fresh request id, or the caller’s own', async () => {
      const a = await fetch(`${srv.url}/api/v1/healthz`)
      const b = await fetch(`${srv.url}/api/v1/healthz`)
      assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'))
      const mine = await fetch(`${srv.url}/api/v1/healthz`, { headers: { 'X-Request-Id': 'lb-7f3a.2' } })
      assert.equal(mine.headers.get('x-request-id'), 'lb-7f3a.2')
      const odd = await fetch(`${srv.url}/api/v1/healthz`, { headers: { 'X-Request-Id': 'a b<script>' } })
      assert.match(odd.headers.get('x-request-id'), /^[0-9a-f]{16}$/)
    })

    test('readyz reports the database and a current schema', async () => {
      const res = await fetch(`${srv.url}/api/v1/readyz`)
      assert.equal(res.status, 200)
      const body = await res.json()
      assert.equal(body.status, 'ready')
      assert.equal(body.database, db)
      assert.ok(body.schema >= 1)
      assert.equal(body.schema, body.schema_latest)
    })

    test('version names the program and the schema it expects', async () => {
      const res = await fetch(`${srv.url}/api/v1/version`)
      assert.equal(res.status, 200)
      const body = await res.json()
      assert.equal(body.name, 'gonghui')
      assert.match(body.version, /^\d+\.\d+\.\d+$/)
      assert.ok(Number.isInteger(body.schema) && body.schema >= 1)
    })

    test('the access log records method, path, status, time and request id', async () => {
      const res = await fetch(`${srv.url}/api/v1/version`, { headers: { 'X-Request-Id': 'log-check-1' } })
      await res.arrayBuffer()
      // the line is written when the response is done; give it a moment
      for (let i = 0; i < 50 && !srv.logs().includes('id=log-check-1'); i++) await new Promise((r) => setTimeout(r, 20))
      assert.match(srv.logs(), /GET \/api\/v1\/version 200 \d+us id=log-check-1/)
    })
  })
}
