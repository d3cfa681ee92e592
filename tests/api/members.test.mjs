// The member database: filing with validation, search, keyset pages,
// editing with history, reveal with audit, scope, and statistics that match
// a direct count after a random mix of writes.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { after, before, describe, test } from 'node:test'

import { idCard, login } from '../lib/client.mjs'
import { dbKinds, startServer } from '../lib/server.mjs'

/** Runs one SQL query on the server's own database and returns the first column of each row. */
function sql(srv, query) {
  if (srv.dbUrl.startsWith('sqlite:')) return execFileSync('sqlite3', [srv.dbUrl.slice(7), query], { encoding: 'utf8' }).trim().split('\n').filter(Boolean)
  return execFileSync('psql', [srv.dbUrl, '-XAt', '-c', query], { encoding: 'utf8' }).trim().split('\n').filter(Boolean)
}

let seq = 100
const person = (over = {}) => ({
  name: '测试会员',
  id_card: idCard('610103', `19${70 + (seq % 30)}0${1 + (seq % 9)}1${seq % 10}`, String(100 + (seq++ % 900)).padStart(3, '0')),
  joined_on: '2020-05-01',
  education: '21',
  ...over,
})

for (const db of dbKinds()) {
  describe(`members (${db})`, () => {
    let srv, xian, base, province
    const org = {}
    before(async () => {
      srv = await startServer({ db, demo: true })
      xian = await login(srv, 'demo-xian')
      base = await login(srv, 'demo-base')
      province = await login(srv, 'demo-province')
      org.base = (await base.get('/orgs/roots')).body.items[0]
      const root = (await province.get('/orgs/roots')).body.items[0]
      const cities = (await province.get(`/orgs/${root.id}/children`)).body.items
      org.root = root
      org.xian = cities.find((o) => o.name === '西安市总工会')
      const baoji = cities.find((o) => o.name === '宝鸡市总工会')
      const weibin = (await province.get(`/orgs/${baoji.id}/children`)).body.items.find((o) => o.name === '渭滨区总工会')
      org.baojiBase = (await province.get(`/orgs/${weibin.id}/children`)).body.items[0]
      const beilin = (await xian.get(`/orgs/${org.xian.id}/children`)).body.items.find((o) => o.name === '碑林区总工会')
      org.beilinBase2 = (await xian.get(`/orgs/${beilin.id}/children`)).body.items[1]
    })
    after(async () => {
      await srv?.stop()
    })

    test('filing a member: derived gender and birth date, masked numbers, a card number', async () => {
      const p = person({ name: '王晓东', phone: '13700001234', id_card: idCard('610103', '19880215', '135') })
      const res = await base.post('/members', { ...p, org_id: org.base.id })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      const m = res.body
      assert.equal(m.gender, 1)
      assert.equal(m.birth_date, '1988-02-15')
      assert.equal(m.id_card, p.id_card.slice(0, 4) + '**********' + p.id_card.slice(14))
      assert.equal(m.phone, '137****1234')
      assert.match(m.card_no, /^612020\d{8}$/)
      assert.equal(m.status, 'normal')
      assert.equal(m.org_name, org.base.name)
      // stored encrypted: the number is nowhere in the database in clear
      const raw = sql(srv, `SELECT id_card_enc || ' ' || id_card_hash || ' ' || COALESCE(phone_enc, '') FROM members WHERE id = ${m.id}`)[0]
      assert.ok(!raw.includes(p.id_card) && !raw.includes('13700001234'))
      assert.match(raw, /^sm4ctr\$/)
    })

    test('bad input names the field and files nothing', async () => {
      const before = sql(srv, 'SELECT COUNT(*) FROM members')[0]
      const bad = async (over, field) => {
        const res = await base.post('/members', { ...person(), org_id: org.base.id, ...over })
        assert.equal(res.status, 400, JSON.stringify(res.body))
        assert.equal(res.body.error.field, field)
        return res.body.error.message
      }
      const good = person().id_card
      assert.match(await bad({ id_card: good.slice(0, 17) + (good[17] === '1' ? '2' : '1') }, 'id_card'), /校验位/)
      assert.match(await bad({ id_card: '610103' + '19900230' + '1234' }, 'id_card'), /.+/)
      await bad({ phone: '1234567' }, 'phone')
      await bad({ education: '99' }, 'education')
      await bad({ joined_on: '2099-01-01' }, 'joined_on')
      await bad({ joined_on: '1950-01-01' }, 'joined_on')
      await bad({ org_id: org.xian.id }, 'org_id') // members belong to base unions
      await bad({ org_id: org.baojiBase.id }, 'org_id') // outside the cadre's scope
      assert.equal(sql(srv, 'SELECT COUNT(*) FROM members')[0], before)
    })

    test('one person is filed once province-wide; the holder is named only to those who may see it', async () => {
      const p = person()
      assert.equal((await province.post('/members', { ...p, org_id: org.baojiBase.id })).status, 201)
      const again = await xian.post('/members', { ...p, org_id: org.beilinBase2.id })
      assert.equal(again.status, 409)
      assert.equal(again.body.error.code, 'already_member')
      assert.doesNotMatch(again.body.error.message, /宝鸡/)
      const seen = await province.post('/members', { ...p, org_id: org.base.id })
      assert.equal(seen.status, 409)
      assert.match(seen.body.error.message, /宝鸡渭滨/)
    })

    test('search by name, pinyin initials (both readings of 单), 身份证号, phone and card number', async () => {
      const p = person({ name: '单田芳', phone: '13700005678' })
      const made = (await base.post('/members', { ...p, org_id: org.base.id })).body
      const find = async (q) => (await base.get(`/members?q=${encodeURIComponent(q)}`)).body.items.map((m) => m.id)
      assert.ok((await find('单田')).includes(made.id))
      assert.ok((await find('stf')).includes(made.id), 'shan reading')
      assert.ok((await find('dtf')).includes(made.id), 'dan reading')
      assert.ok((await find('DT')).includes(made.id), 'upper case initials')
      assert.deepEqual(await find(p.id_card), [made.id])
      assert.deepEqual(await find('13700005678'), [made.id])
      assert.deepEqual(await find(made.card_no), [made.id])
      assert.ok(!(await find('王建')).includes(made.id))
    })

    test('keyset pages cover the subtree exactly once, in a stable order', async () => {
      for (let i = 0; i < 23; i++) await xian.post('/members', { ...person({ name: `翻页${i}` }), org_id: i % 2 ? org.base.id : org.beilinBase2.id })
      const seen = []
      let cursor = null
      let pages = 0
      do {
        const res = await xian.get(`/members?org_id=${org.xian.id}&limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        assert.equal(res.status, 200)
        assert.ok(res.body.items.length <= 7)
        seen.push(...res.body.items.map((m) => m.id))
        cursor = res.body.next_cursor
        pages++
      } while (cursor && pages < 50)
      assert.equal(new Set(seen).size, seen.length, 'no member twice')
      const direct = sql(srv, `SELECT COUNT(*) FROM members WHERE org_path >= '/${org.root.id}/${org.xian.id}/' AND org_path < '/${org.root.id}/${org.xian.id}0'`)[0]
      assert.equal(seen.length, Number(direct))
      // filters narrow the same walk
      const edu = (await xian.get(`/members?org_id=${org.xian.id}&education=21&limit=100`)).body.items
      assert.ok(edu.length > 0 && edu.every((m) => m.education === '21'))
      // an age band of the list holds the same people as the statistics' band
      const year = new Date().getFullYear()
      const band = (await xian.get(`/members?org_id=${org.xian.id}&age_min=36&age_max=45&limit=100`)).body.items
      assert.ok(band.every((m) => year - Number(m.birth_date.slice(0, 4)) >= 36 && year - Number(m.birth_date.slice(0, 4)) <= 45))
      const stats = (await xian.get(`/members/stats?org_id=${org.xian.id}`)).body
      assert.equal(band.length, stats.by_age_band['36-45岁'])
    })

    test('editing keeps history, refuses a stale version, and never changes the 身份证号', async () => {
      const m = (await base.post('/members', { ...person(), org_id: org.base.id })).body
      const edit = await base.patch(`/members/${m.id}`, { version: m.version, education: '14', employer: '秦川机床' })
      assert.equal(edit.status, 200, JSON.stringify(edit.body))
      assert.equal(edit.body.education, '14')
      assert.equal(edit.body.version, m.version + 1)
      const stale = await base.patch(`/members/${m.id}`, { version: m.version, education: '31' })
      assert.equal(stale.status, 409)
      assert.equal(stale.body.error.code, 'stale_version')
      const idc = await base.patch(`/members/${m.id}`, { version: edit.body.version, id_card: person().id_card })
      assert.equal(idc.status, 400)
      assert.equal(idc.body.error.field, 'id_card')
      const h = (await base.get(`/members/${m.id}/history`)).body.items
      assert.equal(h[0].action, 'update')
      assert.deepEqual(h[0].changes.education, ['21', '14'])
      assert.equal(h[0].by, '基层干部')
      assert.equal(h[h.length - 1].action, 'create')
    })

    test('revealing a full 身份证号 needs the permission and is audited', async () => {
      const p = person()
      const m = (await base.post('/members', { ...p, org_id: org.base.id })).body
      const shown = await base.get(`/members/${m.id}?reveal=1`)
      assert.equal(shown.status, 200)
      assert.equal(shown.body.id_card, p.id_card)
      const rows = sql(srv, `SELECT COUNT(*) FROM audit_log WHERE action = 'members.reveal_id' AND target = 'member:${m.id}'`)
      assert.equal(rows[0], '1')
      const sys = await login(srv, 'demo-sysadmin')
      assert.equal((await sys.get(`/members/${m.id}`)).status, 403, 'the system admin sees no member data')
    })

    test('a member outside the caller’s scope is not found', async () => {
      const m = (await province.post('/members', { ...person(), org_id: org.baojiBase.id })).body
      for (const [method, path] of [['GET', `/members/${m.id}`], ['GET', `/members/${m.id}/history`], ['PATCH', `/members/${m.id}`], ['DELETE', `/members/${m.id}`]]) {
        const res = await xian.request(method, path, method === 'PATCH' ? { version: 1, education: '11' } : undefined)
        assert.equal(res.status, 404, `${method} ${path}`)
      }
      const list = (await xian.get(`/members?q=${m.card_no}`)).body.items
      assert.equal(list.length, 0)
      assert.equal((await xian.get(`/members?org_id=${org.baojiBase.id}`)).status, 404)
    })

    test('statistics match a direct count after a random mix of inserts, edits, moves and deletions', async () => {
      let rnd = 7
      const next = (n) => ((rnd = (rnd * 1103515245 + 12345) % 2147483648) % n)
      const live = []
      for (let i = 0; i < 40; i++) {
        const op = live.length < 5 ? 0 : next(4)
        if (op === 0) {
          const res = await xian.post('/members', { ...person({ education: ['21', '31', '14'][next(3)], political: ['13', '01'][next(2)] }), org_id: next(2) ? org.base.id : org.beilinBase2.id })
          assert.equal(res.status, 201, JSON.stringify(res.body))
          live.push(res.body)
        } else {
          const k = next(live.length)
          const m = (await xian.get(`/members/${live[k].id}`)).body
          if (op === 1) {
            const res = await xian.patch(`/members/${m.id}`, { version: m.version, education: ['11', '41'][next(2)], status: ['normal', 'retained', 'left'][next(3)] })
            assert.equal(res.status, 200, JSON.stringify(res.body))
          } else if (op === 2) {
            const to = m.org_id === org.base.id ? org.beilinBase2.id : org.base.id
            assert.equal((await xian.patch(`/members/${m.id}`, { version: m.version, org_id: to })).status, 200)
          } else {
            assert.equal((await xian.del(`/members/${m.id}`)).status, 200)
            live.splice(k, 1)
          }
        }
      }
      for (const o of [org.base, org.beilinBase2, org.xian, org.root]) {
        const who = o === org.root ? province : xian
        const stats = (await who.get(`/members/stats?org_id=${o.id}`)).body
        const p = sql(srv, `SELECT path FROM orgs WHERE id = ${o.id}`)[0]
        const range = `org_path >= '${p}' AND org_path < '${p.slice(0, -1)}0'`
        assert.equal(stats.total, Number(sql(srv, `SELECT COUNT(*) FROM members WHERE ${range}`)[0]), `total of ${o.name}`)
        for (const [dim, col] of [['education', 'education'], ['status', 'status'], ['political', 'political']]) {
          const rows = sql(srv, `SELECT ${col} || '=' || COUNT(*) FROM members WHERE ${range} GROUP BY ${col} ORDER BY ${col}`)
          const want = Object.fromEntries(rows.map((r) => r.split('=')).map(([k, n]) => [k, Number(n)]))
          assert.deepEqual(stats[`by_${dim}`] ?? {}, want, `${dim} of ${o.name}`)
        }
        const bands = Object.values(stats.by_age_band).reduce((a, b) => a + b, 0)
        assert.equal(bands, stats.total)
      }
    })

    test('a member sees their own record', async () => {
      const me = await login(srv, 'demo-member')
      const res = await me.get('/me/member')
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal(res.body.name, '演示会员')
      assert.match(res.body.id_card, /^6101\*{10}/)
      const nobody = await login(srv, 'demo-xian')
      assert.equal((await nobody.get('/me/member')).body.error.code, 'not_member')
    })
  })
}

for (const db of dbKinds()) {
  describe(`electronic member card (${db})`, () => {
    let srv, me
    before(async () => {
      srv = await startServer({ db, demo: true })
      me = await login(srv, 'demo-member')
    })
    after(async () => {
      await srv?.stop()
    })

    test('the card carries a QR code whose token a scanner can check', async () => {
      const card = (await me.get('/me/card')).body
      assert.equal(card.name, '演示会员')
      assert.equal(card.current, true)
      assert.match(card.qr_svg, /^<svg[^>]*viewBox/)
      assert.match(card.verify_url, /\/card\?t=v1\.\d+\.\d+\.[A-Za-z0-9_-]+$/)
      const anon = await fetch(`${srv.url}/api/v1/cards/verify?t=${encodeURIComponent(card.token)}`)
      const v = await anon.json()
      assert.equal(v.valid, true)
      assert.equal(v.name, '演*员')
      assert.match(v.org_name, /西安长安精密仪器/)
      assert.ok(!JSON.stringify(v).includes('6101'), 'no numbers to a scanner')
    })

    test('a forged, altered or expired token is refused; a lapsed membership shows', async () => {
      const card = (await me.get('/me/card')).body
      const check = async (t) => (await (await fetch(`${srv.url}/api/v1/cards/verify?t=${encodeURIComponent(t)}`)).json())
      const [v, id, exp, mac] = card.token.split('.')
      assert.equal((await check(`${v}.${Number(id) + 1}.${exp}.${mac}`)).valid, false)
      assert.equal((await check(`${v}.${id}.${Number(exp) + 86400}.${mac}`)).valid, false)
      assert.equal((await check('garbage')).valid, false)
      assert.equal((await check(`${v}.${id}.${exp}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`)).valid, false)
      // the member leaves: the same, still unexpired card now says so
      const base = await login(srv, 'demo-base')
      const m = (await base.get(`/members/${id}`)).body
      assert.equal((await base.patch(`/members/${id}`, { version: m.version, status: 'left' })).status, 200)
      const lapsed = await check(card.token)
      assert.equal(lapsed.valid, false)
      assert.match(lapsed.reason, /会籍已终止/)
    })
  })
}
