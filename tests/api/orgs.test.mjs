// The union record (docs/api/orgs.md): create with employers and the 登记表 fields, one
// union per employer, edits with history and versions, moving a union with its members
// (every count follows), merging, dissolving (refused while members remain), statistics.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { idCard, login, registerWorker } from '../lib/client.mjs'
import { dbKinds, startServer } from '../lib/server.mjs'

// valid 统一社会信用代码 (GB 32100) of invented employers in 西安
const CODES = ['91610103MA6TY01A8W', '91610103MA6TY02B21', '91610113MA6TY03C7N', '91610113MA6TY04D1T']
const CHANGAN_CODE = '91610103MA6TX1A274'

for (const db of dbKinds()) {
  describe(`union records (${db})`, () => {
    let srv, xian, province
    const o = {}
    let person = 100

    const file = async (org, name) => {
      const res = await xian.post('/members', { name, id_card: idCard('610103', '19900101', String(person++)), joined_on: '2020-01-01', org_id: org })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      return res.body
    }
    const total = async (org) => (await province.get(`/members/stats?org_id=${org}`)).body.total

    before(async () => {
      srv = await startServer({ db, demo: true })
      xian = await login(srv, 'demo-xian')
      province = await login(srv, 'demo-province')
      const city = (await xian.get('/orgs/roots')).body.items[0]
      const counties = (await xian.get(`/orgs/${city.id}/children`)).body.items
      o.xian = city.id
      o.beilin = counties.find((c) => c.name === '碑林区总工会').id
      o.yanta = counties.find((c) => c.name === '雁塔区总工会').id
    })
    after(async () => {
      await srv?.stop()
    })

    const baseUnion = (extra = {}) => ({
      parent_id: o.beilin,
      type: 'base',
      name: '西安城墙文化旅游有限公司工会',
      employer_name: '西安城墙文化旅游有限公司',
      employer_credit_code: CODES[0],
      industry: 'R',
      unit_type: '159',
      address: '西安市碑林区南大街 1 号',
      staff_count: 120,
      female_count: 50,
      migrant_count: 10,
      founded_on: '2018-05-01',
      chair_name: '高建华',
      chair_phone: '13912345678',
      ...extra,
    })

    test('a base union is filed with its employer; the employer can have only one', async () => {
      const res = await xian.post('/orgs', baseUnion())
      assert.equal(res.status, 201, JSON.stringify(res.body))
      const u = res.body
      assert.equal(u.level, 'base')
      assert.equal(u.employer_credit_code, CODES[0])
      assert.equal(u.industry, 'R')
      assert.equal(u.chair_phone, '139****5678')
      assert.equal(u.division_code, '610103', 'the county’s division when none is given')
      o.wall = u.id
      const found = (await xian.get(`/employers?q=${CODES[0]}`)).body.items
      assert.equal(found[0].org_id, u.id)
      const again = await xian.post('/orgs', baseUnion({ name: '另一个工会' }))
      assert.equal(again.status, 409)
      assert.equal(again.body.error.code, 'employer_taken')
      assert.match(again.body.error.message, /西安城墙文化旅游有限公司工会/)
    })

    test('bad fields are refused naming the field; nothing is filed', async () => {
      const cases = [
        [{ employer_credit_code: CODES[1].slice(0, 17) + '0' }, 'employer_credit_code'],
        [{ employer_credit_code: undefined, employer_org_code: '12345678-0' }, 'employer_org_code'],
        [{ industry: 'Z' }, 'industry'],
        [{ unit_type: '999' }, 'unit_type'],
        [{ female_count: 500 }, 'female_count'],
        [{ chair_phone: '12345' }, 'chair_phone'],
        [{ founded_on: '2018-02-30' }, 'founded_on'],
        [{ division_code: '110105' }, 'division_code'],
        [{ employer_name: undefined, employer_credit_code: undefined }, 'employer_name'],
        [{ parent_id: 999999 }, 'parent_id'],
      ]
      for (const [extra, field] of cases) {
        const res = await xian.post('/orgs', baseUnion({ name: '错误工会', employer_credit_code: CODES[1], ...extra }))
        assert.equal(res.status, 400, `${JSON.stringify(extra)} → ${res.status} ${JSON.stringify(res.body)}`)
        assert.equal(res.body.error.field, field)
      }
      const kids = (await xian.get(`/orgs/${o.beilin}/children`)).body.items
      assert.ok(!kids.some((k) => k.name === '错误工会'))
      // a 宝鸡 parent is outside 西安's scope
      const baoji = (await (await login(srv, 'demo-province')).get('/employers?q=' + encodeURIComponent('渭滨新材'))).body.items[0]
      const outside = await xian.post('/orgs', baseUnion({ parent_id: baoji.org_id, employer_credit_code: CODES[1] }))
      assert.equal(outside.status, 400)
      assert.equal(outside.body.error.field, 'parent_id')
    })

    test('a joint union covers several employers, each counted once', async () => {
      const res = await xian.post('/orgs', {
        parent_id: o.yanta,
        type: 'joint',
        name: '雁塔区科技路联合工会',
        employers: [
          { name: '西安科创一号有限公司', credit_code: CODES[2] },
          { name: '西安科创二号有限公司', credit_code: CODES[3] },
        ],
      })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      assert.equal(res.body.employers.length, 2)
      o.joint = res.body.id
      const taken = await xian.post('/orgs', { parent_id: o.yanta, type: 'joint', name: '重复联合工会', employers: [{ name: '长安精密', credit_code: CHANGAN_CODE }] })
      assert.equal(taken.status, 409)
      const single = await xian.post('/orgs', baseUnion({ name: '单独工会两个单位', employer_credit_code: undefined, employer_name: undefined, employers: [{ name: 'A', credit_code: CODES[1] }, { name: 'B', credit_code: CODES[2] }] }))
      assert.equal(single.status, 400)
      assert.equal(single.body.error.field, 'employers')
    })

    test('edits keep history; a stale version is refused', async () => {
      const u = (await xian.get(`/orgs/${o.wall}`)).body
      const ok = await xian.patch(`/orgs/${o.wall}`, { version: u.version, staff_count: 130, address: '西安市碑林区南大街 2 号' })
      assert.equal(ok.status, 200, JSON.stringify(ok.body))
      assert.equal(ok.body.staff_count, 130)
      const stale = await xian.patch(`/orgs/${o.wall}`, { version: u.version, staff_count: 140 })
      assert.equal(stale.status, 409)
      assert.equal(stale.body.error.code, 'stale_version')
      const history = (await xian.get(`/orgs/${o.wall}/history`)).body.items
      assert.equal(history[0].action, 'update')
      assert.deepEqual(history[0].changes.staff_count, ['120', '130'])
      assert.equal(history[0].by, '西安干部')
      assert.equal(history.at(-1).action, 'create')
    })

    test('moving a union takes its members along and every count follows', async () => {
      for (const name of ['移动甲', '移动乙', '移动丙']) await file(o.wall, name)
      const beilin = await total(o.beilin)
      const yanta = await total(o.yanta)
      const city = await total(o.xian)
      const u = (await xian.get(`/orgs/${o.wall}`)).body
      assert.equal(u.member_count, 3)
      const moved = await xian.patch(`/orgs/${o.wall}`, { version: u.version, parent_id: o.yanta })
      assert.equal(moved.status, 200, JSON.stringify(moved.body))
      assert.equal(moved.body.parent_id, o.yanta)
      assert.equal(await total(o.beilin), beilin - 3)
      assert.equal(await total(o.yanta), yanta + 3)
      assert.equal(await total(o.xian), city)
      const listed = (await xian.get(`/members?org_id=${o.yanta}&q=${encodeURIComponent('移动')}`)).body.items
      assert.equal(listed.length, 3, 'the members are found under the new county')
      const history = (await xian.get(`/orgs/${o.wall}/history`)).body.items
      assert.deepEqual(history[0].changes.parent_id, [String(o.beilin), String(o.yanta)])
      const fixed = await xian.patch(`/orgs/${o.beilin}`, { version: 1, parent_id: o.yanta })
      assert.equal(fixed.status, 422, 'a county union stays where its division is')
    })

    test('a union with members cannot be dissolved; merged, it can be, and its employer is free', async () => {
      const refused = await xian.post(`/orgs/${o.wall}/dissolve`, { reason: '单位注销' })
      assert.equal(refused.status, 422)
      assert.equal(refused.body.error.code, 'org_has_members')
      assert.match(refused.body.error.message, /3 名会员/)
      assert.equal((await xian.get(`/orgs/${o.wall}`)).body.status, 'active')

      const before = { joint: await total(o.joint), yanta: await total(o.yanta) }
      const merged = await xian.post(`/orgs/${o.wall}/merge`, { into_id: o.joint })
      assert.equal(merged.status, 200, JSON.stringify(merged.body))
      assert.equal(merged.body.member_count, 3)
      assert.equal(merged.body.employers.length, 3)
      assert.equal((await xian.get(`/orgs/${o.wall}`)).body.status, 'dissolved')
      assert.equal(await total(o.joint), before.joint + 3)
      assert.equal(await total(o.yanta), before.yanta, 'both were in 雁塔区: its total is unchanged')

      const empty = (await xian.post('/orgs', baseUnion({ name: '空工会', employer_credit_code: CODES[1], employer_name: '空单位' }))).body
      const gone = await xian.post(`/orgs/${empty.id}/dissolve`, { reason: '单位注销' })
      assert.equal(gone.status, 200, JSON.stringify(gone.body))
      assert.equal(gone.body.status, 'dissolved')
      const refounded = await xian.post('/orgs', baseUnion({ name: '空单位重建工会', employer_credit_code: CODES[1], employer_name: '空单位' }))
      assert.equal(refounded.status, 201, 'a dissolved union lets its employer go')
    })

    test('建会: an employer applies, the county union approves, the union is founded and the applicant runs it', async () => {
      const w = await registerWorker(srv, { realName: '筹备人' })
      const form = {
        type: 'establish',
        employer_name: '西安雁塔云图软件有限公司',
        employer_credit_code: '91610113MA6TY05E61',
        division_code: '610113',
        industry: 'I',
        unit_type: '170',
        address: '西安市雁塔区科技路 8 号',
        staff_count: 35,
        female_count: 12,
        chair_name: '筹备人',
        chair_phone: '13700001111',
      }
      const taken = await w.client.post('/applications', { ...form, employer_credit_code: CHANGAN_CODE })
      assert.equal(taken.status, 409)
      assert.match(taken.body.error.message, /西安长安精密仪器有限公司工会/)
      const noCounty = await w.client.post('/applications', { ...form, division_code: undefined })
      assert.equal(noCounty.body.error.field, 'division_code')
      const res = await w.client.post('/applications', form)
      assert.equal(res.status, 201, JSON.stringify(res.body))
      assert.equal(res.body.org_name, '雁塔区总工会')
      assert.equal(res.body.form.union_name, '西安雁塔云图软件有限公司工会')
      assert.equal(res.body.form.chair_phone, '137****1111', 'phones are masked in the form')
      assert.equal(res.body.form.chair_phone_enc, undefined, 'and their sealed copy stays on the server')
      assert.ok((await xian.get('/applications/inbox?type=establish')).body.items.some((a) => a.id === res.body.id))
      const ok = await xian.post(`/applications/${res.body.id}/actions`, { action: 'approve' })
      assert.equal(ok.status, 200, JSON.stringify(ok.body))
      const id = ok.body.result.org_id
      const union = (await xian.get(`/orgs/${id}`)).body
      assert.equal(union.parent_id, o.yanta)
      assert.equal(union.employer_credit_code, form.employer_credit_code)
      assert.equal(union.chair_name, '筹备人')
      assert.equal(union.chair_phone, '137****1111', 'the sealed phone reached the record')
      assert.equal(union.staff_count, 35)
      // the applicant is now the union's cadre
      const me = (await w.client.get('/me')).body
      assert.ok(me.bindings.some((b) => b.org.id === id && b.role.code === 'org_admin'), JSON.stringify(me.bindings))
      assert.equal((await w.client.get(`/orgs/${id}`)).status, 200)
      assert.equal((await w.client.get('/applications/inbox')).status, 200)
      assert.ok((await w.client.get('/me/messages')).body.items[0].body.includes('已成立'))
    })

    test('建会 of an industry the province gave to an industry union goes to that union', async () => {
      const root = (await province.get('/orgs/roots')).body.items[0]
      const energy = (await province.get(`/orgs/${root.id}/children`)).body.items.find((c) => c.name === '陕西省能源化学地质工会')
      const outside = await xian.request('PUT', '/establish/routes', { routes: [{ industry: 'B', org_id: energy.id }] })
      assert.equal(outside.status, 400, 'a 西安 cadre cannot hand an industry to a provincial union')
      const bad = await province.request('PUT', '/establish/routes', { routes: [{ industry: 'Z', org_id: energy.id }] })
      assert.equal(bad.status, 400)
      const put = await province.request('PUT', '/establish/routes', { routes: [{ industry: 'B', org_id: energy.id }] })
      assert.equal(put.status, 200, JSON.stringify(put.body))
      assert.deepEqual(put.body.routes, [{ industry: 'B', org_id: energy.id, org_name: '陕西省能源化学地质工会' }])
      const w = await registerWorker(srv)
      const res = await w.client.post('/applications', {
        type: 'establish',
        employer_name: '西安某煤业有限公司',
        employer_credit_code: '91610113MA6TY09K0A',
        division_code: '610113',
        industry: 'B',
        staff_count: 80,
        chair_name: '李矿长',
      })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      assert.equal(res.body.org_name, '陕西省能源化学地质工会')
      assert.deepEqual((await w.client.get('/establish/routes')).body.routes.map((r) => r.industry), ['B'])
      await province.request('PUT', '/establish/routes', { routes: [] })
    })

    test('statistics of the unions of a subtree', async () => {
      const s = (await xian.get(`/orgs/stats?org_id=${o.xian}`)).body
      assert.ok(s.by_level.base >= 5)
      assert.ok(s.by_type.joint >= 2)
      assert.ok(s.by_industry.R >= 1)
      const yanta = s.base_by_county.find((c) => c.name === '雁塔区总工会')
      assert.ok(yanta.unions >= 3)
      assert.ok(s.largest[0].members >= s.largest.at(-1).members)
      assert.equal((await xian.get('/orgs/stats')).status, 400)
    })
  })
}
