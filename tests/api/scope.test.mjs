// Every route of every module, enumerated from the route tables themselves
// (`gonghui routes`): anonymous → 401 unless public; a caller without the
// permission → 403; a record outside the caller's part of the union tree →
// 404, the same answer as a record that does not exist.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { after, before, describe, test } from 'node:test'

import { Client, login, registerWorker, smsCode } from '../lib/client.mjs'
import { dbKinds, gonghuiBin, startServer } from '../lib/server.mjs'

const routes = execFileSync(gonghuiBin(), ['routes'], { encoding: 'utf8' })
  .trim()
  .split('\n')
  .map((line) => {
    const [method, path, module, perm] = line.trim().split(/\s+/)
    return { method, path, module, perm }
  })

const fill = (path, id = 1) => path.replace(/:[a-z_]+/g, String(id)).replace('/api/v1', '')

// For each route with a :param and a permission: who calls it and the id of a
// record outside that caller's scope. A new route without an entry here fails
// the test below, so the scope of every route is proven, not assumed.
const outside = {
  'GET /api/v1/orgs/:id': { as: 'xian', id: (f) => f.baoji },
  'GET /api/v1/orgs/:id/children': { as: 'xian', id: (f) => f.baoji },
  'PATCH /api/v1/orgs/:id': { as: 'xian', id: (f) => f.baoji, body: () => ({ version: 1, address: 'x' }) },
  'GET /api/v1/orgs/:id/history': { as: 'xian', id: (f) => f.baoji },
  'GET /api/v1/orgs/:id/certificate': { as: 'xian', id: (f) => f.baoji },
  'GET /api/v1/orgs/:id/certificate.pdf': { as: 'xian', id: (f) => f.baoji },
  'GET /api/v1/applications/:id/form.pdf': { as: 'xian', id: (f) => f.baojiApplication },
  'POST /api/v1/orgs/:id/merge': { as: 'xian', id: (f) => f.baoji, body: (f) => ({ into_id: f.xianId }) },
  'POST /api/v1/orgs/:id/dissolve': { as: 'xian', id: (f) => f.baoji, body: () => ({ reason: '测试' }) },
  'GET /api/v1/accounts/:id': { as: 'xian', id: (f) => f.sysadminId },
  'POST /api/v1/accounts/:id/bindings': { as: 'xian', id: (f) => f.sysadminId, body: (f) => ({ org_id: f.xianId, role_code: 'base_work', scope: 'org' }) },
  'DELETE /api/v1/bindings/:id': { as: 'xian', id: (f) => f.provinceBinding },
  'POST /api/v1/accounts/:id/lock': { as: 'xianSec', id: (f) => f.provinceId },
  'POST /api/v1/accounts/:id/unlock': { as: 'xianSec', id: (f) => f.provinceId },
  'DELETE /api/v1/api-keys/:id': { as: 'xianSys', id: (f) => f.baojiKey },
  'DELETE /api/v1/me/sessions/:id': { as: 'xian', id: (f) => f.otherSession },
  'GET /api/v1/members/:id': { as: 'xian', id: (f) => f.baojiMember },
  'PATCH /api/v1/members/:id': { as: 'xian', id: (f) => f.baojiMember, body: () => ({ version: 1, education: '11' }) },
  'DELETE /api/v1/members/:id': { as: 'xian', id: (f) => f.baojiMember },
  'GET /api/v1/members/:id/history': { as: 'xian', id: (f) => f.baojiMember },
  'GET /api/v1/imports/:id': { as: 'xian', id: (f) => f.baojiImport },
  'GET /api/v1/imports/:id/report': { as: 'xian', id: (f) => f.baojiImport },
  'POST /api/v1/imports/:id/commit': { as: 'xian', id: (f) => f.baojiImport },
  'POST /api/v1/imports/:id/cancel': { as: 'xian', id: (f) => f.baojiImport },
  'GET /api/v1/applications/:id': { as: 'xian', id: (f) => f.baojiApplication },
  'POST /api/v1/applications/:id/actions': { as: 'xian', id: (f) => f.baojiApplication, body: () => ({ action: 'approve' }) },
  'POST /api/v1/me/messages/:id/read': { as: 'xian', id: (f) => f.otherMessage },
  'GET /api/v1/attachments/:id': { as: 'member', id: (f) => f.otherAttachment },
}

/** A cadre made by demo-sysadmin at orgId with role, past the second factor
 * (an SMS code from the log) and the forced password change. */
async function cadre(srv, sys, username, phone, orgId, role) {
  const made = await sys.post('/accounts', { username, real_name: '测试干部', phone, org_id: orgId, role_code: role, scope: 'subtree' })
  assert.equal(made.status, 201, JSON.stringify(made.body))
  const c = new Client(srv.url)
  const first = await c.post('/auth/login', { username, password: made.body.initial_password })
  assert.equal(first.body.mfa_required, true, 'admin roles need a second factor')
  assert.equal((await c.post('/auth/mfa/sms')).status, 202)
  const done = await c.post('/auth/mfa', { code: await smsCode(srv, phone, 'mfa') })
  assert.equal(done.status, 200, JSON.stringify(done.body))
  const changed = await c.post('/auth/password', { old_password: made.body.initial_password, new_password: 'Xian@2026x' })
  assert.equal(changed.status, 200, JSON.stringify(changed.body))
  return c
}

test('every route with a parameter has a scope fixture', () => {
  for (const r of routes) {
    if (r.perm === 'public' || !r.path.includes(':')) continue
    assert.ok(outside[`${r.method} ${r.path}`], `add a scope fixture for ${r.method} ${r.path}`)
  }
})

for (const db of dbKinds()) {
  describe(`scope of every route (${db})`, () => {
    let srv
    const f = {}
    const as = {}
    before(async () => {
      srv = await startServer({ db, demo: true })
      as.xian = await login(srv, 'demo-xian')
      as.member = await login(srv, 'demo-member')
      const sys = await login(srv, 'demo-sysadmin')
      const province = (await sys.get('/orgs/roots')).body.items[0]
      const cities = (await sys.get(`/orgs/${province.id}/children`)).body.items
      f.xianId = cities.find((o) => o.name === '西安市总工会').id
      f.baoji = cities.find((o) => o.name === '宝鸡市总工会').id
      const sysMe = (await sys.get('/me')).body
      f.sysadminId = sysMe.account.id
      const provinceMe = (await (await login(srv, 'demo-province')).get('/me')).body
      f.provinceId = provinceMe.account.id
      f.provinceBinding = provinceMe.bindings[0].id
      as.xianSec = await cadre(srv, sys, 'xian-sec', '13900000011', f.xianId, 'secadmin')
      as.xianSys = await cadre(srv, sys, 'xian-sys', '13900000012', f.xianId, 'sysadmin')
      const key = await sys.post('/api-keys', { name: '宝鸡数据', org_id: f.baoji, scope: 'subtree', sections: ['orgs'] })
      assert.equal(key.status, 201, JSON.stringify(key.body))
      f.baojiKey = key.body.api_key.id
      const prov = await login(srv, 'demo-province')
      const weibin = (await prov.get(`/orgs/${f.baoji}/children`)).body.items.find((o) => o.name === '渭滨区总工会')
      const baojiBase = (await prov.get(`/orgs/${weibin.id}/children`)).body.items[0]
      const filed = await prov.post('/members', { name: '宝鸡会员', id_card: '11010519491231002X', joined_on: '2010-01-01', org_id: baojiBase.id })
      assert.equal(filed.status, 201, JSON.stringify(filed.body))
      f.baojiMember = filed.body.id
      // an import job of a 宝鸡 union, uploaded by the province's cadre
      const csv = '姓名,身份证号,入会日期\n宝鸡导入,610302199001011234,2015-01-01\n'
      const up = await fetch(`${srv.url}/api/v1/imports/members?org_id=${baojiBase.id}`, {
        method: 'POST',
        headers: { Cookie: prov.cookie, 'X-CSRF-Token': prov.csrf, 'Content-Type': 'text/csv' },
        body: csv,
      })
      assert.equal(up.status, 202)
      f.baojiImport = (await up.json()).id
      // a worker's 入会 application to a 宝鸡 union, and the message it sent them
      const worker = await registerWorker(srv)
      const applied = await worker.client.post('/applications', { type: 'join', org_id: baojiBase.id, employer: '宝鸡某公司' })
      assert.equal(applied.status, 201, JSON.stringify(applied.body))
      f.baojiApplication = applied.body.id
      f.otherMessage = (await worker.client.get('/me/messages')).body.items[0].id
      // another worker's attachment, not yet linked to anything
      const file = await fetch(`${srv.url}/api/v1/attachments?name=a.txt`, {
        method: 'POST',
        headers: { Cookie: worker.client.cookie, 'X-CSRF-Token': worker.client.csrf, 'Content-Type': 'text/plain' },
        body: '材料\n',
      })
      assert.equal(file.status, 201)
      f.otherAttachment = (await file.json()).id
      const other = await login(srv, 'demo-base')
      f.otherSession = (await other.get('/me/sessions')).body.items[0].id
    })
    after(async () => {
      await srv?.stop()
    })

    test('anonymous callers get 401 from every route that is not public', async () => {
      const anon = new Client(srv.url)
      for (const r of routes) {
        const res = await anon.request(r.method, fill(r.path), r.method === 'GET' || r.method === 'DELETE' ? undefined : {})
        if (r.perm === 'public') assert.notEqual(res.status, 401, `${r.method} ${r.path} is public`)
        else assert.equal(res.status, 401, `${r.method} ${r.path} let an anonymous caller in`)
      }
    })

    test('a worker without bindings gets 403 from every route that needs a permission', async () => {
      for (const r of routes) {
        if (r.perm === 'public' || r.perm === 'self') continue
        const res = await as.member.request(r.method, fill(r.path), r.method === 'GET' || r.method === 'DELETE' ? undefined : {})
        assert.equal(res.status, 403, `${r.method} ${r.path} answered ${res.status} to a worker`)
        assert.equal(res.body.error.code, 'forbidden')
      }
    })

    test('a record outside the caller’s scope answers 404, like one that does not exist', async () => {
      for (const [key, fx] of Object.entries(outside)) {
        const [method, path] = key.split(' ')
        const c = as[fx.as]
        const body = fx.body ? fx.body(f) : method === 'POST' ? {} : undefined
        const res = await c.request(method, fill(path, fx.id(f)), body)
        assert.equal(res.status, 404, `${key} as ${fx.as}: ${res.status} ${JSON.stringify(res.body)}`)
        const missing = await c.request(method, fill(path, 999999), body)
        assert.equal(missing.status, 404, `${key} for a missing id`)
        assert.equal(res.body.error.code, missing.body.error.code)
      }
    })

    test('the 西安 cadre reads nothing of a 宝鸡 union', async () => {
      const roots = (await as.xian.get('/orgs/roots')).body.items
      assert.deepEqual(roots.map((o) => o.name), ['西安市总工会'])
      assert.equal((await as.xian.get(`/orgs/${f.baoji}`)).status, 404)
      assert.equal((await as.xian.get(`/orgs/${f.baoji}/children`)).status, 404)
      const baojiKids = (await (await login(srv, 'demo-province')).get(`/orgs/${f.baoji}/children`)).body.items
      assert.ok(baojiKids.length > 0)
      for (const o of baojiKids) assert.equal((await as.xian.get(`/orgs/${o.id}`)).status, 404)
      const accounts = (await as.xian.get('/accounts')).body.items.map((a) => a.username)
      assert.ok(accounts.includes('demo-xian'))
      assert.ok(!accounts.includes('demo-province') && !accounts.includes('demo-sysadmin'))
    })

    test('every permission a route names is in the catalog', async () => {
      const sys = await login(srv, 'demo-sysadmin')
      const catalog = new Set((await sys.get('/permissions')).body.items.map((p) => p.code))
      for (const r of routes) {
        if (r.perm === 'public' || r.perm === 'self') continue
        assert.ok(catalog.has(r.perm), `${r.perm} of ${r.method} ${r.path} is not in the catalog`)
      }
    })
  })
}
