// The built web apps: MIME types, caching, single-page fallback, and no
// way out of the web root.
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'

import { rawRequest } from '../lib/raw.mjs'
import { repoRoot, startServer } from '../lib/server.mjs'

// Static files do not touch the database: SQLite is enough here.
describe('web apps', () => {
  let srv
  before(async () => {
    srv = await startServer({ db: 'sqlite' })
  })
  after(async () => {
    await srv?.stop()
  })

  test('the portal is served at / as HTML that must be revalidated', async () => {
    const res = await fetch(`${srv.url}/`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.equal(res.headers.get('cache-control'), 'no-cache')
    assert.match(await res.text(), /<html lang="zh-CN"/)
  })

  test('the console is served at /admin/ and its deep links fall back to it', async () => {
    const home = await (await fetch(`${srv.url}/admin/`)).text()
    const deep = await fetch(`${srv.url}/admin/members/42`)
    assert.equal(deep.status, 200)
    assert.equal(await deep.text(), home)
    const bare = await fetch(`${srv.url}/admin`)
    assert.equal(await bare.text(), home)
    const portal = await (await fetch(`${srv.url}/`)).text()
    assert.notEqual(home, portal)
    const portalDeep = await fetch(`${srv.url}/me/applications`)
    assert.equal(await portalDeep.text(), portal)
  })

  test('hashed assets have their MIME type, a long cache and an ETag that answers 304', async () => {
    for (const app of ['portal', 'admin']) {
      const assets = readdirSync(path.join(repoRoot, 'web/dist', app, 'assets'))
      const js = assets.find((f) => f.endsWith('.js'))
      const css = assets.find((f) => f.endsWith('.css'))
      const prefix = app === 'admin' ? '/admin' : ''
      const res = await fetch(`${srv.url}${prefix}/assets/${js}`)
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8')
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable')
      const etag = res.headers.get('etag')
      assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/)
      await res.arrayBuffer()
      const again = await fetch(`${srv.url}${prefix}/assets/${js}`, { headers: { 'If-None-Match': etag } })
      assert.equal(again.status, 304)
      if (css) {
        const c = await fetch(`${srv.url}${prefix}/assets/${css}`)
        assert.equal(c.headers.get('content-type'), 'text/css; charset=utf-8')
      }
    }
  })

  test('a missing asset is 404, not the index page', async () => {
    const res = await fetch(`${srv.url}/assets/missing-abc123.js`)
    assert.equal(res.status, 404)
    assert.equal((await res.json()).error.code, 'not_found')
  })

  test('no path leads outside the web root', async () => {
    const attempts = [
      '/../../../../etc/passwd',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/admin/../../../etc/passwd',
      '/admin/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/assets/..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/..\\..\\etc\\passwd',
      '/.git/config',
      '/admin/../../Makefile',
    ]
    for (const p of attempts) {
      const res = await rawRequest(srv.url, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
      assert.ok(!/root:|\[core\]|gonghui — see README/.test(res.body), `${p} leaked a file`)
      assert.ok([400, 404].includes(res.status) || /<html lang="zh-CN"/.test(res.body), `${p}: ${res.status}`)
    }
  })
})
