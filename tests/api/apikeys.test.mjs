// API keys for other systems (分级分版块管理秘钥): shown once, read-only within their org
// subtree and sections, rate limited, revocable (docs/api/accounts.md), on both databases.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { login } from '../lib/client.mjs'
import { dbKinds, startServer } from '../lib/server.mjs'

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Waits, if needed, so that the next few seconds fall in one fixed one-minute window. */
async function freshMinute(margin = 8) {
  const s = (Date.now() / 1000) % 60
  if (s > 60 - margin) await sleep((60 - s + 0.3) * 1000)
}

/** A request with `Authorization: Bearer key` and no cookie: {status, body, headers}. */
async function withKey(srv, key, method, path, body) {
  const headers = { Authorization: `Bearer ${key}` }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const res = await fetch(`${srv.url}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let json = null
  try {
    json = text ? JSON.parse(text) : null
  } catch {
    json = null
  }
  return { status: res.status, body: json, headers: res.headers }
}

/** The child of org `parentId` named `name`, as `c` sees it. */
async function childNamed(c, parentId, name) {
  const res = await c.get(`/orgs/${parentId}/children`)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  const o = res.body.items.find((x) => x.name === name)
  assert.ok(o, `${name} under org ${parentId}`)
  return o
}

for (const db of dbKinds()) {
  describe(`API keys (${db})`, () => {
    let srv, sys
    const org = {}

    /** Creates a key as demo-sysadmin; resolves the 201 body. */
    async function makeKey(fields) {
      const res = await sys.post('/api-keys', {
        name: '测试密钥',
        org_id: org.xian,
        scope: 'subtree',
        sections: ['orgs'],
        ...fields,
      })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      return res.body
    }

    before(async () => {
      srv = await startServer({ db, demo: true })
      sys = await login(srv, 'demo-sysadmin')
      org.province = (await sys.get('/orgs/roots')).body.items[0].id
      org.xian = (await childNamed(sys, org.province, '西安市总工会')).id
      org.beilin = (await childNamed(sys, org.xian, '碑林区总工会')).id
      org.baoji = (await childNamed(sys, org.province, '宝鸡市总工会')).id
      org.weibin = (await childNamed(sys, org.baoji, '渭滨区总工会')).id
    })
    after(async () => {
      await srv?.stop()
    })

    test('the key is shown once; the list shows only its prefix', async () => {
      const t0 = Math.floor(Date.now() / 1000)
      const made = await makeKey({ name: '西安市总工会数据对接' })
      const { key, api_key: k } = made
      assert.match(key, /^gh_[0-9a-f]{8}_[A-Za-z0-9_-]{40,}$/)
      assert.equal(k.name, '西安市总工会数据对接')
      assert.equal(k.prefix, key.slice(3, 11))
      assert.deepEqual(k.org, { id: org.xian, name: '西安市总工会' })
      assert.equal(k.scope, 'subtree')
      assert.deepEqual(k.sections, ['orgs'])
      assert.equal(k.rate_per_minute, 60)
      assert.ok(Math.abs(k.expires_at - (t0 + 365 * 86400)) < 120, `expires_at ${k.expires_at}`)
      assert.equal(k.revoked_at, null)
      assert.equal(k.last_used_at, null)
      assert.equal(k.key, undefined)

      const list = await sys.get('/api-keys')
      assert.equal(list.status, 200)
      const item = list.body.items.find((x) => x.id === k.id)
      assert.ok(item)
      assert.equal(item.prefix, k.prefix)
      assert.equal(item.key, undefined)
      const secret = key.slice(12)
      const text = JSON.stringify(list.body)
      assert.ok(!text.includes(key) && !text.includes(secret), 'the list gives the key away')
      assert.ok(!srv.logs().includes(secret), 'the key is in the server log')
    })

    test('with the key and no cookie: orgs inside its subtree only, no other section, no writes', async () => {
      const { key, api_key: k } = await makeKey({ name: '只读组织' })
      let res = await withKey(srv, key, 'GET', `/orgs/${org.xian}`)
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal(res.body.name, '西安市总工会')
      assert.equal((await withKey(srv, key, 'GET', `/orgs/${org.beilin}`)).status, 200)
      res = await withKey(srv, key, 'GET', `/orgs/${org.xian}/children`)
      assert.equal(res.status, 200)
      assert.ok(res.body.items.some((o) => o.id === org.beilin))
      assert.equal(res.headers.get('set-cookie'), null)

      for (const id of [org.baoji, org.weibin, org.province]) {
        res = await withKey(srv, key, 'GET', `/orgs/${id}`)
        assert.equal(res.status, 404, `org ${id}`)
      }
      for (const path of ['/accounts', '/roles', '/api-keys', '/audit', '/audit/verify']) {
        res = await withKey(srv, key, 'GET', path)
        assert.equal(res.status, 403, `GET ${path}: ${JSON.stringify(res.body)}`)
      }
      for (const [method, path, body] of [
        ['POST', '/accounts', { username: 'via-key', real_name: '接口', org_id: org.xian, role_code: 'base_work', scope: 'org' }],
        ['POST', '/api-keys', { name: 'via-key', org_id: org.xian, scope: 'subtree', sections: ['orgs'] }],
        ['POST', `/accounts/1/lock`, {}],
        ['POST', '/auth/logout', {}],
        ['DELETE', `/api-keys/${k.id}`, undefined],
      ]) {
        res = await withKey(srv, key, method, path, body)
        assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(res.body)}`)
      }
      assert.equal((await withKey(srv, key, 'GET', `/orgs/${org.xian}`)).status, 200, 'the key survived DELETE on itself')
      const after = (await sys.get('/api-keys')).body.items.find((x) => x.id === k.id)
      assert.ok(after.last_used_at > 0, 'last_used_at is set')
      assert.deepEqual((await sys.get('/accounts?q=via-key')).body.items, [])
    })

    test('scope "org" and the sections limit the key', async () => {
      const one = await makeKey({ name: '仅本级', scope: 'org' })
      assert.equal((await withKey(srv, one.key, 'GET', `/orgs/${org.xian}`)).status, 200)
      assert.equal((await withKey(srv, one.key, 'GET', `/orgs/${org.beilin}`)).status, 404)
      const accounts = await makeKey({ name: '账号版块', sections: ['accounts'] })
      assert.equal((await withKey(srv, accounts.key, 'GET', `/orgs/${org.xian}`)).status, 403)
      // the system admin holds no member data, so it cannot issue a key for it either
      const members = await sys.post('/api-keys', { name: '会员版块', org_id: org.xian, scope: 'subtree', sections: ['members'] })
      assert.equal(members.status, 403)
      assert.equal(members.body.error.field, 'sections')
    })

    test('a key cannot read more than its maker may: the system admin’s key gets no audit log', async () => {
      // 三员分立: demo-sysadmin has no audit.read, so a key it makes must not have it either
      const res = await sys.post('/api-keys', { name: '审计', org_id: org.province, scope: 'subtree', sections: ['audit'] })
      if (res.status === 201) {
        const read = await withKey(srv, res.body.key, 'GET', '/audit')
        assert.notEqual(read.status, 200, `the system admin read ${read.body?.items?.length} audit rows through its own key`)
      } else {
        assert.ok([400, 403].includes(res.status), JSON.stringify(res.body))
      }
    })

    test('a key past its rate_per_minute gets 429 with Retry-After', async () => {
      const { key } = await makeKey({ name: '限流', rate_per_minute: 2 })
      await freshMinute()
      assert.equal((await withKey(srv, key, 'GET', `/orgs/${org.xian}`)).status, 200)
      assert.equal((await withKey(srv, key, 'GET', `/orgs/${org.xian}`)).status, 200)
      const res = await withKey(srv, key, 'GET', `/orgs/${org.xian}`)
      assert.equal(res.status, 429, JSON.stringify(res.body))
      assert.equal(res.body.error.code, 'rate_limited')
      const retry = Number(res.headers.get('retry-after'))
      assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After ${res.headers.get('retry-after')}`)
      // another key is not held back by this one's limit
      const other = await makeKey({ name: '另一个' })
      assert.equal((await withKey(srv, other.key, 'GET', `/orgs/${org.xian}`)).status, 200)
    })

    test('a revoked key gets 401', async () => {
      const { key, api_key: k } = await makeKey({ name: '将吊销' })
      assert.equal((await withKey(srv, key, 'GET', `/orgs/${org.xian}`)).status, 200)
      const res = await sys.del(`/api-keys/${k.id}`)
      assert.equal(res.status, 200, JSON.stringify(res.body))
      const after = await withKey(srv, key, 'GET', `/orgs/${org.xian}`)
      assert.equal(after.status, 401)
      assert.equal(after.body.error.code, 'invalid_api_key')
      const item = (await sys.get('/api-keys')).body.items.find((x) => x.id === k.id)
      assert.ok(item.revoked_at > 0)
      assert.equal((await sys.del('/api-keys/999999')).status, 404)
    })

    test('a made-up key gets 401', async () => {
      const { key } = await makeKey({ name: '真密钥' })
      const sameprefix = key.slice(0, 12) + (key[12] === 'A' ? 'B' : 'A') + key.slice(13)
      for (const fake of ['gh_0123abcd_' + 'A'.repeat(43), sameprefix, key.slice(0, 12), 'nonsense', key + 'x']) {
        const res = await withKey(srv, fake, 'GET', `/orgs/${org.xian}`)
        assert.equal(res.status, 401, fake)
        assert.equal(res.body.error.code, 'invalid_api_key', fake)
      }
    })

    test('create checks its input and its caller', async () => {
      for (const sections of [['orgs', 'nosuch'], [], ['orgs.read'], 'orgs', [7]]) {
        const res = await sys.post('/api-keys', { name: '坏版块', org_id: org.xian, scope: 'subtree', sections })
        assert.equal(res.status, 400, JSON.stringify(sections))
        assert.equal(res.body.error.field, 'sections', JSON.stringify(sections))
      }
      let res = await sys.post('/api-keys', { name: '坏范围', org_id: org.xian, scope: 'all', sections: ['orgs'] })
      assert.equal(res.status, 400)
      assert.equal(res.body.error.field, 'scope')
      res = await sys.post('/api-keys', { name: '坏组织', org_id: 999999, scope: 'org', sections: ['orgs'] })
      assert.equal(res.status, 400)
      assert.equal(res.body.error.field, 'org_id')

      const xian = await login(srv, 'demo-xian')
      assert.equal((await xian.get('/api-keys')).status, 403)
      res = await xian.post('/api-keys', { name: '越权', org_id: org.xian, scope: 'subtree', sections: ['orgs'] })
      assert.equal(res.status, 403)
      assert.ok(!(await sys.get('/api-keys')).body.items.some((x) => x.name === '越权'))
    })
  })
}
