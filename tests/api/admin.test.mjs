// The console's account management: cadre accounts, role bindings with data scope,
// 三员 separation of duties, lock/unlock (docs/api/accounts.md), on both databases.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { Client, login } from '../lib/client.mjs'
import { dbKinds, startServer } from '../lib/server.mjs'

/** The child of org `parentId` named `name`, as `c` sees it. */
async function childNamed(c, parentId, name) {
  const res = await c.get(`/orgs/${parentId}/children`)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  const o = res.body.items.find((x) => x.name === name)
  assert.ok(o, `${name} under org ${parentId}: ${res.body.items.map((x) => x.name).join(', ')}`)
  return o
}

const usernames = (body) => body.items.map((a) => a.username)

for (const db of dbKinds()) {
  describe(`accounts and roles (${db})`, () => {
    let srv
    let xian, sys, sec, member
    const ids = {}
    const org = {}

    before(async () => {
      srv = await startServer({ db, demo: true, args: ['--login-rate-per-minute', '1000'] })
      xian = await login(srv, 'demo-xian')
      sys = await login(srv, 'demo-sysadmin')
      sec = await login(srv, 'demo-secadmin')
      member = await login(srv, 'demo-member')
      for (const [name, c] of [['demo-xian', xian], ['demo-sysadmin', sys], ['demo-secadmin', sec]]) {
        ids[name] = (await c.get('/me')).body.account.id
      }
      for (const name of ['demo-province', 'demo-base', 'demo-auditor']) {
        ids[name] = (await (await login(srv, name)).get('/me')).body.account.id
      }
      const province = (await sys.get('/orgs/roots')).body.items[0]
      assert.equal(province.name, '陕西省总工会')
      org.province = province.id
      const xianRoots = (await xian.get('/orgs/roots')).body.items
      assert.deepEqual(xianRoots.map((o) => o.name), ['西安市总工会'])
      org.xian = xianRoots[0].id
      org.beilin = (await childNamed(xian, org.xian, '碑林区总工会')).id
      org.yanta = (await childNamed(xian, org.xian, '雁塔区总工会')).id
      org.baoji = (await childNamed(sys, org.province, '宝鸡市总工会')).id
      org.weibin = (await childNamed(sys, org.baoji, '渭滨区总工会')).id
    })
    after(async () => {
      await srv?.stop()
    })

    test('demo-xian creates a cadre at a district; the cadre must change the password before anything else', async () => {
      const res = await xian.post('/accounts', {
        username: 'beilin-base',
        real_name: '碑林区干部',
        phone: '13700001234',
        org_id: org.beilin,
        role_code: 'base_work',
        scope: 'subtree',
      })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      const a = res.body.account
      assert.equal(a.username, 'beilin-base')
      assert.equal(a.kind, 'cadre')
      assert.equal(a.phone, '137****1234')
      assert.equal(a.must_change_password, true)
      assert.equal(a.bindings.length, 1)
      assert.equal(a.bindings[0].org.id, org.beilin)
      assert.equal(a.bindings[0].org.name, '碑林区总工会')
      assert.deepEqual(a.bindings[0].role, { code: 'base_work', name: '基层工作部' })
      assert.equal(a.bindings[0].scope, 'subtree')
      const pw = res.body.initial_password
      assert.ok(pw.length >= 8 && /[A-Z]/.test(pw) && /[a-z]/.test(pw) && /\d/.test(pw) && /[^A-Za-z0-9]/.test(pw), pw)

      const c = new Client(srv.url)
      const li = await c.post('/auth/login', { username: 'beilin-base', password: pw })
      assert.equal(li.status, 200, JSON.stringify(li.body))
      assert.equal(li.body.account.must_change_password, true)
      const other = await login(srv, 'beilin-base', pw)

      for (const [method, path] of [
        ['GET', '/orgs/roots'],
        [`GET`, `/orgs/${org.beilin}`],
        ['GET', '/me/sessions'],
        ['POST', '/me/totp'],
        ['GET', '/accounts'],
        ['GET', '/api-keys'],
      ]) {
        const r = await c.request(method, path, method === 'POST' ? {} : undefined)
        assert.equal(r.status, 403, `${method} ${path}: ${JSON.stringify(r.body)}`)
        assert.equal(r.body.error.code, 'password_change_required', `${method} ${path}`)
      }
      const me = await c.get('/me')
      assert.equal(me.status, 200)
      assert.equal(me.body.account.must_change_password, true)
      assert.equal((await other.post('/auth/logout')).status, 200, 'logout is open while the change is pending')

      const ch = await c.post('/auth/password', { old_password: pw, new_password: 'Beilin#Ok2026' })
      assert.equal(ch.status, 200, JSON.stringify(ch.body))
      const roots = await c.get('/orgs/roots')
      assert.equal(roots.status, 200, JSON.stringify(roots.body))
      assert.deepEqual(roots.body.items.map((o) => o.id), [org.beilin])
      assert.equal((await c.get(`/orgs/${org.xian}`)).status, 404)
      assert.equal((await c.get(`/orgs/${org.yanta}`)).status, 404)
      assert.equal((await c.get('/me')).body.account.must_change_password, false)
    })

    test('demo-xian cannot create an account at a 宝鸡 org, and nothing is created', async () => {
      for (const orgId of [org.weibin, org.baoji, org.province, 999999]) {
        const res = await xian.post('/accounts', {
          username: 'baoji-try',
          real_name: '越权账号',
          org_id: orgId,
          role_code: 'base_work',
          scope: 'org',
        })
        assert.equal(res.status, 400, `org ${orgId}: ${JSON.stringify(res.body)}`)
        assert.equal(res.body.error.field, 'org_id')
      }
      assert.deepEqual(usernames((await xian.get('/accounts?q=baoji-try')).body), [])
      assert.deepEqual(usernames((await sys.get('/accounts?q=baoji-try')).body), [])
      // the name was not taken by a half-made account
      const ok = await xian.post('/accounts', {
        username: 'baoji-try',
        real_name: '雁塔区干部',
        org_id: org.yanta,
        role_code: 'base_work',
        scope: 'org',
      })
      assert.equal(ok.status, 201, JSON.stringify(ok.body))
      assert.deepEqual(usernames((await sys.get('/accounts?q=baoji-try')).body), ['baoji-try'])
    })

    test('demo-xian cannot grant an admin role, nor a role with permissions it lacks', async () => {
      for (const role of ['sysadmin', 'secadmin', 'auditor', 'help_center', 'econ']) {
        const res = await xian.post('/accounts', {
          username: `xian-${role.replace('_', '-')}`,
          real_name: '越权授权',
          org_id: org.beilin,
          role_code: role,
          scope: 'org',
        })
        assert.equal(res.status, 403, `${role}: ${JSON.stringify(res.body)}`)
        assert.deepEqual(usernames((await sys.get(`/accounts?q=xian-${role.replace('_', '-')}`)).body), [], role)
      }
      // nor to an account it already manages
      const made = await xian.post('/accounts', {
        username: 'yanta-office',
        real_name: '雁塔区干部',
        org_id: org.yanta,
        role_code: 'base_work',
        scope: 'org',
      })
      assert.equal(made.status, 201, JSON.stringify(made.body))
      const res = await xian.post(`/accounts/${made.body.account.id}/bindings`, {
        org_id: org.yanta,
        role_code: 'help_center',
        scope: 'org',
      })
      assert.equal(res.status, 403, JSON.stringify(res.body))
      const now = await xian.get(`/accounts/${made.body.account.id}`)
      assert.deepEqual(now.body.bindings.map((b) => b.role.code), ['base_work'])
    })

    test('demo-sysadmin grants 安全管理员 to a new account; also making it 审计管理员 is 409 separation_of_duties', async () => {
      const res = await sys.post('/accounts', {
        username: 'sec-second',
        real_name: '安全管理员乙',
        phone: '13700005678',
        org_id: org.province,
        role_code: 'secadmin',
        scope: 'subtree',
      })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      const id = res.body.account.id
      assert.deepEqual(res.body.account.bindings.map((b) => b.role), [{ code: 'secadmin', name: '安全管理员' }])

      for (const role of ['auditor', 'sysadmin']) {
        const again = await sys.post(`/accounts/${id}/bindings`, { org_id: org.province, role_code: role, scope: 'subtree' })
        assert.equal(again.status, 409, `${role}: ${JSON.stringify(again.body)}`)
        assert.equal(again.body.error.code, 'separation_of_duties')
      }
      const now = await sys.get(`/accounts/${id}`)
      assert.deepEqual(now.body.bindings.map((b) => b.role.code), ['secadmin'])

      // the demo auditor cannot become a security admin either
      const aud = await sys.post(`/accounts/${ids['demo-auditor']}/bindings`, {
        org_id: org.province,
        role_code: 'secadmin',
        scope: 'subtree',
      })
      assert.equal(aud.status, 409, JSON.stringify(aud.body))
      assert.equal(aud.body.error.code, 'separation_of_duties')
    })

    test('demo-secadmin locks an account (its sessions stop working) and unlocks it', async () => {
      const base = await login(srv, 'demo-base')
      assert.equal((await base.get('/me')).status, 200)
      assert.equal((await xian.post(`/accounts/${ids['demo-base']}/lock`)).status, 403, 'no security.manage')

      let res = await sec.post(`/accounts/${ids['demo-base']}/lock`)
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal((await base.get('/me')).status, 401)
      assert.equal((await base.get('/orgs/roots')).status, 401)
      res = await new Client(srv.url).post('/auth/login', { username: 'demo-base', password: 'Demo@2026' })
      assert.equal(res.status, 401)
      assert.equal(res.body.error.code, 'account_locked')

      res = await sec.post(`/accounts/${ids['demo-base']}/unlock`)
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal((await base.get('/me')).status, 401, 'sessions ended by the lock stay ended')
      const again = await login(srv, 'demo-base')
      assert.equal((await again.get('/orgs/roots')).status, 200)

      assert.equal((await sec.post('/accounts/999999/lock')).status, 404)
    })

    test('a worker gets 403 on the console routes', async () => {
      for (const [method, path] of [
        ['GET', '/accounts'],
        ['GET', `/accounts/${ids['demo-xian']}`],
        ['GET', '/roles'],
        ['GET', '/permissions'],
        ['POST', '/accounts'],
        ['POST', `/accounts/${ids['demo-base']}/lock`],
      ]) {
        const res = await member.request(method, path, method === 'POST' ? { username: 'x' } : undefined)
        assert.equal(res.status, 403, `${method} ${path}`)
        assert.equal(res.body.error.code, 'forbidden', `${method} ${path}`)
      }
    })

    test('roles and permissions come with their Chinese names', async () => {
      const roles = await xian.get('/roles')
      assert.equal(roles.status, 200)
      const byCode = Object.fromEntries(roles.body.items.map((r) => [r.code, r]))
      assert.equal(byCode.base_work.name, '基层工作部')
      assert.equal(byCode.base_work.admin_kind, null)
      assert.ok(byCode.base_work.permissions.includes('members.write'))
      assert.equal(byCode.sysadmin.name, '系统管理员')
      assert.equal(byCode.sysadmin.admin_kind, 'sysadmin')
      assert.equal(byCode.secadmin.name, '安全管理员')
      assert.equal(byCode.secadmin.admin_kind, 'secadmin')
      assert.equal(byCode.auditor.name, '审计管理员')
      assert.equal(byCode.auditor.admin_kind, 'auditor')
      assert.deepEqual(byCode.auditor.permissions, ['audit.read'])
      assert.ok(!byCode.sysadmin.permissions.includes('audit.read'), 'the system admin does not read the audit log')
      for (const r of roles.body.items) {
        assert.match(r.name, /[\u4e00-\u9fff]/, r.code)
        assert.match(r.description, /[\u4e00-\u9fff]/, r.code)
      }

      const perms = await xian.get('/permissions')
      assert.equal(perms.status, 200)
      const audit = perms.body.items.find((p) => p.code === 'audit.read')
      assert.deepEqual(audit, { code: 'audit.read', name: '查看审计日志', section: '审计' })
      for (const p of perms.body.items) {
        assert.match(p.code, /^[a-z_]+\.[a-z_]+$/)
        assert.match(p.name, /[\u4e00-\u9fff]/, p.code)
        assert.match(p.section, /[\u4e00-\u9fff]/, p.code)
      }
    })

    test('GET /accounts lists only cadres bound inside the caller’s scope', async () => {
      const mine = await xian.get('/accounts?limit=50')
      assert.equal(mine.status, 200)
      const names = usernames(mine.body)
      for (const n of ['demo-xian', 'demo-base']) assert.ok(names.includes(n), `${n} in ${names}`)
      for (const n of ['demo-sysadmin', 'demo-secadmin', 'demo-auditor', 'demo-province', 'demo-member', 'sec-second']) {
        assert.ok(!names.includes(n), `${n} listed for demo-xian`)
      }
      for (const a of mine.body.items) {
        assert.equal(a.kind, 'cadre')
        // bound at some org that demo-xian can see
        let seen = false
        for (const b of a.bindings) seen ||= (await xian.get(`/orgs/${b.org.id}`)).status === 200
        assert.ok(seen, `${a.username}: ${a.bindings.map((b) => b.org.name)}`)
      }
      assert.equal((await xian.get(`/accounts/${ids['demo-sysadmin']}`)).status, 404)
      assert.equal((await xian.get(`/accounts/${ids['demo-province']}`)).status, 404)
      assert.equal((await xian.get(`/accounts/${ids['demo-base']}`)).status, 200)

      const all = usernames((await sys.get('/accounts')).body)
      for (const n of ['demo-xian', 'demo-sysadmin', 'demo-province']) assert.ok(all.includes(n), `${n} in ${all}`)
      assert.ok(!all.includes('demo-member'), 'workers are not console accounts')
    })
  })
}
