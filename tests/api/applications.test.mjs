// The approvals engine with the membership flows (docs/api/applications.md): 入会 routed
// by the employer's credit code or to the county union, return / resubmit / withdraw,
// two reviewers at once, a double submission, overdue escalation, 转会 across two cities,
// 会籍 changes, holidays in deadlines, batch approval, the inbox and messages.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { login, registerWorker } from '../lib/client.mjs'
import { dbKinds, startServer } from '../lib/server.mjs'
import { sql } from '../lib/sql.mjs'

const CHANGAN = '西安长安精密仪器有限公司工会'
const CHANGAN_CODE = '91610103MA6TX1A274'
const BAOJI_UNION = '宝鸡渭滨新材钛业有限公司工会'
// a valid 统一社会信用代码 of an employer in 雁塔区 that has no union
const NO_UNION_CODE = '91610113MA6U99Y994'

const joinForm = (extra = {}) => ({
  type: 'join',
  employer: '西安长安精密仪器有限公司',
  employer_credit_code: CHANGAN_CODE,
  political: '13',
  education: '21',
  reason: '本人自愿加入工会。',
  ...extra,
})

async function until(fn, ms = 15_000) {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 200))
  }
}

for (const db of dbKinds()) {
  describe(`applications (${db})`, () => {
    let srv, base, xian, province, sys
    const orgs = {}

    before(async () => {
      srv = await startServer({ db, demo: true, args: ['--sweep-seconds', '1'] })
      base = await login(srv, 'demo-base')
      xian = await login(srv, 'demo-xian')
      province = await login(srv, 'demo-province')
      sys = await login(srv, 'demo-sysadmin')
      const find = async (q) => (await base.get(`/employers?q=${encodeURIComponent(q)}`)).body.items
      orgs.changan = (await find('长安精密'))[0]
      orgs.baoji = (await find('渭滨新材'))[0]
      orgs.joint = (await find('雁塔软件园'))[0]
      assert.equal(orgs.changan.name, CHANGAN)
      assert.equal(orgs.baoji.name, BAOJI_UNION)
    })
    after(async () => {
      await srv?.stop()
    })

    test('the types, the employer search and the counties are there for the form', async () => {
      const w = await registerWorker(srv)
      const types = (await w.client.get('/application-types')).body
      assert.deepEqual(types.map((t) => t.type), ['join', 'transfer', 'retain', 'leave', 'reactivate', 'establish', 'legal_register', 'legal_change', 'legal_renew', 'legal_reissue', 'legal_cancel'])
      assert.deepEqual(types[1].steps.map((s) => s.name), ['转出工会审核', '转入工会审核'])
      const byCode = (await w.client.get(`/employers?q=${CHANGAN_CODE}`)).body.items
      assert.equal(byCode.length, 1)
      assert.equal(byCode[0].employer_name, '西安长安精密仪器有限公司')
      assert.equal(byCode[0].division_name, '碑林区总工会')
      assert.equal((await w.client.get('/employers?q=')).status, 400)
      const divisions = (await w.client.get('/divisions')).body
      assert.equal(divisions.length, 10)
      assert.ok(divisions[0].counties.some((c) => c.code === '610113' && c.name === '雁塔区'))
    })

    test('入会: routed by the credit code, approved, the member filed with a card and told', async () => {
      const w = await registerWorker(srv, { realName: '入会职工' })
      const res = await w.client.post('/applications', joinForm())
      assert.equal(res.status, 201, JSON.stringify(res.body))
      const app = res.body
      assert.equal(app.state, 'pending')
      assert.equal(app.org_name, CHANGAN)
      assert.equal(app.summary, `入会职工申请加入${CHANGAN}`)
      assert.ok(app.due_at > Date.now() / 1000 + 14 * 86400, 'fifteen working days are three weeks')
      assert.deepEqual(app.actions, ['withdraw'])
      assert.equal(app.form.id_card, undefined, 'no personal number in the form')

      const again = await w.client.post('/applications', joinForm())
      assert.equal(again.status, 409)
      assert.equal(again.body.error.code, 'application_open')
      assert.equal(again.body.error.current.id, app.id, 'the open one comes with the refusal')

      // the base union, the city and the province all see it pending
      for (const c of [base, xian, province]) {
        const box = (await c.get('/applications/inbox?type=join')).body
        assert.ok(box.items.some((a) => a.id === app.id))
      }
      const seen = (await base.get(`/applications/${app.id}`)).body
      assert.deepEqual(seen.actions, ['approve', 'reject', 'return', 'transfer', 'escalate'])
      assert.equal(seen.applicant.name, '入会职工')
      assert.match(seen.applicant.id_card, /^6101\*+\d{3}[\dX]$/)

      const ok = await base.post(`/applications/${app.id}/actions`, { action: 'approve', version: seen.version })
      assert.equal(ok.status, 200, JSON.stringify(ok.body))
      assert.equal(ok.body.state, 'approved')
      assert.ok(ok.body.result.card_no)
      assert.deepEqual(ok.body.timeline.map((e) => e.action), ['submit', 'approve'])
      assert.equal(ok.body.timeline[1].actor_name, '基层干部')

      const card = await w.client.get('/me/card')
      assert.equal(card.status, 200)
      assert.equal(card.body.card_no, ok.body.result.card_no)
      const members = (await xian.get(`/members?q=${encodeURIComponent('入会职工')}`)).body.items
      assert.equal(members.length, 1)
      assert.equal(members[0].org_name, CHANGAN)

      const msgs = (await w.client.get('/me/messages')).body
      assert.equal(msgs.unread, 2)
      assert.equal(msgs.items[0].title, '入会申请已通过')
      assert.match(msgs.items[0].body, new RegExp(ok.body.result.card_no))
      assert.equal(msgs.items[0].link, `/applications/${app.id}`)
      const read = await w.client.post(`/me/messages/${msgs.items[0].id}/read`)
      assert.equal(read.body.unread, 1)
      assert.equal((await w.client.post('/me/messages/read-all')).body.unread, 0)
      assert.equal((await w.client.get('/me/messages/unread')).body.unread, 0)

      // a member asking to join again is told to transfer instead
      const dup = await w.client.post('/applications', joinForm())
      assert.equal(dup.status, 409)
      assert.equal(dup.body.error.code, 'already_member')
      assert.match(dup.body.error.message, /转会/)
    })

    test('materials go with the application: its reviewers may read them, others may not', async () => {
      const upload = async (c, text, name) => {
        const res = await fetch(`${srv.url}/api/v1/attachments?name=${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: { Cookie: c.cookie, 'X-CSRF-Token': c.csrf, 'Content-Type': 'application/octet-stream' },
          body: Buffer.from(`%PDF-1.4\n% ${text}\n%%EOF\n`),
        })
        assert.equal(res.status, 201)
        return (await res.json()).id
      }
      const w = await registerWorker(srv)
      const file = await upload(w.client, '申请书', '入会申请书.pdf')
      const app = await w.client.post('/applications', joinForm({ attachment_ids: [file] }))
      assert.equal(app.status, 201, JSON.stringify(app.body))
      assert.deepEqual(app.body.timeline[0].attachment_ids, [file])
      assert.deepEqual(app.body.attachments.map((a) => a.name), ['入会申请书.pdf'])
      assert.equal(app.body.form.attachment_ids, undefined, 'the ids are not part of the form')
      const reply = await upload(base, '回复', '审批意见.pdf')
      const ret = await base.post(`/applications/${app.body.id}/actions`, { action: 'return', comment: '请补充', attachment_ids: [reply] })
      assert.equal(ret.status, 200, JSON.stringify(ret.body))
      assert.equal(ret.body.attachments.length, 2)
      assert.equal((await base.get(`/attachments/${file}`)).status, 200, 'the reviewer reads the applicant’s material')
      assert.equal((await w.client.get(`/attachments/${reply}`)).status, 200, 'the applicant reads the reply')
      const stranger = await registerWorker(srv)
      assert.equal((await stranger.client.get(`/attachments/${file}`)).status, 404)
      // someone else's upload cannot be attached
      const theirs = await upload(stranger.client, '别人的', 'x.pdf')
      const bad = await w.client.post(`/applications/${app.body.id}/actions`, { action: 'resubmit', attachment_ids: [theirs] })
      assert.equal(bad.status, 400)
      assert.equal(bad.body.error.field, 'attachment_ids')
    })

    test('bad forms name the field; nothing is filed', async () => {
      const w = await registerWorker(srv)
      const cases = [
        [{ employer_credit_code: '91610103MA6TX1A275' }, 'employer_credit_code'],
        [{ employer: '' }, 'employer'],
        [{ employer_credit_code: NO_UNION_CODE }, 'division_code'],
        [{ employer_credit_code: NO_UNION_CODE, division_code: '610100' }, 'division_code'],
        [{ political: '99' }, 'political'],
        [{ type: 'nonsense' }, 'type'],
        [{ reason: '很'.repeat(501) }, 'reason'],
      ]
      for (const [extra, field] of cases) {
        const res = await w.client.post('/applications', joinForm(extra))
        assert.equal(res.status, 400, `${JSON.stringify(extra)} → ${JSON.stringify(res.body)}`)
        assert.equal(res.body.error.field, field)
      }
      assert.equal((await w.client.get('/applications/mine')).body.items.length, 0)
    })

    test('an employer without a union: the county union reviews and places the member', async () => {
      const w = await registerWorker(srv, { realName: '灵活就业者' })
      const res = await w.client.post('/applications', joinForm({
        employer: '雁塔区某小微企业',
        employer_credit_code: NO_UNION_CODE,
        division_code: '610113',
        flexible: true,
      }))
      assert.equal(res.status, 201, JSON.stringify(res.body))
      assert.equal(res.body.org_name, '雁塔区总工会')
      const id = res.body.id
      assert.equal((await base.get(`/applications/${id}`)).status, 404, 'another union never sees it')
      const noPlace = await xian.post(`/applications/${id}/actions`, { action: 'approve' })
      assert.equal(noPlace.status, 400)
      assert.equal(noPlace.body.error.field, 'org_id')
      const outside = await xian.post(`/applications/${id}/actions`, { action: 'approve', org_id: orgs.changan.org_id })
      assert.equal(outside.status, 400, 'a union outside 雁塔区 cannot receive the member')
      const ok = await xian.post(`/applications/${id}/actions`, { action: 'approve', org_id: orgs.joint.org_id })
      assert.equal(ok.status, 200, JSON.stringify(ok.body))
      const m = (await w.client.get('/me/member')).body
      assert.equal(m.org_name, '西安雁塔软件园联合工会')
      assert.equal(m.flexible, true)
    })

    test('return with a reason, resubmit, withdraw; closed ones allow a new application', async () => {
      const w = await registerWorker(srv)
      const app = (await w.client.post('/applications', joinForm())).body
      const bare = await base.post(`/applications/${app.id}/actions`, { action: 'return' })
      assert.equal(bare.status, 400)
      assert.equal(bare.body.error.field, 'comment')
      const ret = await base.post(`/applications/${app.id}/actions`, { action: 'return', comment: '请写明入会申请书。' })
      assert.equal(ret.body.state, 'returned')
      assert.equal(ret.body.due_at, null)
      const late = await base.post(`/applications/${app.id}/actions`, { action: 'approve' })
      assert.equal(late.status, 409)
      assert.equal(late.body.error.code, 'invalid_action')
      assert.equal(late.body.error.current.state, 'returned')
      const mine = (await w.client.get(`/applications/${app.id}`)).body
      assert.deepEqual(mine.actions, ['resubmit', 'withdraw'])
      assert.equal((await base.post(`/applications/${app.id}/actions`, { action: 'resubmit' })).status, 403)
      const again = await w.client.post(`/applications/${app.id}/actions`, {
        action: 'resubmit',
        form: { ...joinForm({ reason: '本人自愿加入工会，拥护工会章程。' }), type: undefined },
      })
      assert.equal(again.status, 200, JSON.stringify(again.body))
      assert.equal(again.body.state, 'pending')
      assert.equal(again.body.form.reason, '本人自愿加入工会，拥护工会章程。')
      assert.ok(again.body.due_at)
      const gone = await w.client.post(`/applications/${app.id}/actions`, { action: 'withdraw' })
      assert.equal(gone.body.state, 'withdrawn')
      assert.deepEqual(gone.body.timeline.map((e) => e.action), ['submit', 'return', 'resubmit', 'withdraw'])
      const next = await w.client.post('/applications', joinForm())
      assert.equal(next.status, 201, 'a withdrawn application no longer blocks a new one')
      const msgs = (await w.client.get('/me/messages')).body.items
      const titles = msgs.map((m) => m.title)
      assert.ok(titles.includes('入会申请被退回修改') && titles.includes('入会申请已撤回'))
      const returned = msgs.find((m) => m.title === '入会申请被退回修改')
      assert.match(returned.body, /请写明入会申请书。请修改后重新提交。$/, 'one full stop, not two')
    })

    test('a union chosen from the search survives a resubmission without a new form', async () => {
      const w = await registerWorker(srv)
      const app = (await w.client.post('/applications', joinForm({ employer_credit_code: undefined, org_id: orgs.changan.org_id }))).body
      assert.equal(app.form.org_id, orgs.changan.org_id)
      await base.post(`/applications/${app.id}/actions`, { action: 'return', comment: '请核对' })
      const again = await w.client.post(`/applications/${app.id}/actions`, { action: 'resubmit' })
      assert.equal(again.status, 200, JSON.stringify(again.body))
      assert.equal(again.body.org_name, CHANGAN)
    })

    test('two reviewers approve at once: one wins, the other gets 409 and the fresh state', async () => {
      const w = await registerWorker(srv, { realName: '并发审批' })
      const app = (await w.client.post('/applications', joinForm())).body
      const results = await Promise.all([
        base.post(`/applications/${app.id}/actions`, { action: 'approve', version: app.version }),
        xian.post(`/applications/${app.id}/actions`, { action: 'approve', version: app.version }),
      ])
      const codes = results.map((r) => r.status).sort()
      assert.deepEqual(codes, [200, 409], JSON.stringify(results.map((r) => r.body)))
      const lost = results.find((r) => r.status === 409)
      assert.ok(['stale_application', 'invalid_action'].includes(lost.body.error.code))
      assert.equal(lost.body.error.current.state, 'approved')
      const members = (await xian.get(`/members?q=${encodeURIComponent('并发审批')}`)).body.items
      assert.equal(members.length, 1, 'the member is filed once')
      const events = (await base.get(`/applications/${app.id}`)).body.timeline
      assert.equal(events.filter((e) => e.action === 'approve').length, 1)
    })

    test('a double submission files one application', async () => {
      const w = await registerWorker(srv)
      const results = await Promise.all([w.client.post('/applications', joinForm()), w.client.post('/applications', joinForm())])
      assert.deepEqual(results.map((r) => r.status).sort(), [201, 409])
      assert.equal((await w.client.get('/applications/mine')).body.items.length, 1)
    })

    test('a step past its deadline goes to the upper union, and both unions are told', async () => {
      const w = await registerWorker(srv, { realName: '超期申请' })
      const app = (await w.client.post('/applications', joinForm())).body
      const before = (await base.get('/me/messages')).body.items.length
      await sql(srv, db, `UPDATE applications SET due_at = ${Math.floor(Date.now() / 1000) - 60} WHERE id = ${app.id}`)
      const moved = await until(async () => {
        const a = (await w.client.get(`/applications/${app.id}`)).body
        return a.org_name === '碑林区总工会' && a
      })
      assert.equal(moved.escalations, 1)
      assert.equal(moved.state, 'pending')
      assert.ok(moved.due_at > Date.now() / 1000)
      const ev = moved.timeline.at(-1)
      assert.equal(ev.action, 'overdue')
      assert.equal(ev.actor_name, '系统')
      assert.equal(ev.org_name, CHANGAN)
      const told = (await base.get('/me/messages')).body.items
      assert.ok(told.length > before && told[0].title === '申请超期转办')
      const applicantMsg = (await w.client.get('/me/messages')).body.items[0]
      assert.match(applicantMsg.body, /未在期限内办理/)
      // the base union no longer holds it but still sees what it held
      const seen = await base.get(`/applications/${app.id}`)
      assert.equal(seen.status, 200)
      assert.deepEqual(seen.body.actions, [])
      assert.ok(!(await base.get('/applications/inbox')).body.items.some((a) => a.id === app.id))
      assert.ok((await xian.get('/applications/inbox')).body.items.some((a) => a.id === app.id))
    })

    test('转会 across two cities: the old union releases, the new one accepts', async () => {
      const w = await registerWorker(srv, { realName: '转会职工' })
      const joined = (await w.client.post('/applications', joinForm())).body
      await base.post(`/applications/${joined.id}/actions`, { action: 'approve' })
      const member = (await w.client.get('/me/member')).body
      const res = await w.client.post('/applications', { type: 'transfer', org_id: orgs.baoji.org_id, employer: '宝鸡渭滨新材钛业有限公司', reason: '工作调动' })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      assert.equal(res.body.org_name, CHANGAN)
      assert.equal(res.body.step_name, '转出工会审核')
      const step1 = await base.post(`/applications/${res.body.id}/actions`, { action: 'approve' })
      assert.equal(step1.body.state, 'pending')
      assert.equal(step1.body.org_name, BAOJI_UNION)
      assert.equal(step1.body.step_name, '转入工会审核')
      assert.equal((await xian.post(`/applications/${res.body.id}/actions`, { action: 'approve' })).status, 403, '西安 saw it, but cannot act for 宝鸡')
      const done = await province.post(`/applications/${res.body.id}/actions`, { action: 'approve' })
      assert.equal(done.body.state, 'approved', JSON.stringify(done.body))
      const now = (await w.client.get('/me/member')).body
      assert.equal(now.id, member.id)
      assert.equal(now.org_name, BAOJI_UNION)
      assert.equal(now.card_no, member.card_no)
      const history = (await province.get(`/members/${member.id}/history`)).body.items
      assert.ok(history.some((h) => h.changes.org_id && h.changes.org_id[0] === String(orgs.changan.org_id) && h.changes.org_id[1] === String(orgs.baoji.org_id)))
      // a transfer to the union one already belongs to is refused
      const same = await w.client.post('/applications', { type: 'transfer', org_id: orgs.baoji.org_id, employer: 'x' })
      assert.equal(same.status, 400)
      // the new side may refuse with a reason
      const back = (await w.client.post('/applications', { type: 'transfer', org_id: orgs.changan.org_id, employer: '西安长安精密仪器有限公司' })).body
      await province.post(`/applications/${back.id}/actions`, { action: 'approve' })
      const no = await base.post(`/applications/${back.id}/actions`, { action: 'reject', comment: '未在本单位就业' })
      assert.equal(no.body.state, 'rejected')
      assert.equal((await w.client.get('/me/member')).body.org_name, BAOJI_UNION)
    })

    test('保留会籍, 恢复, 退会 and joining again as a former member', async () => {
      const w = await registerWorker(srv, { realName: '会籍变更' })
      const joined = (await w.client.post('/applications', joinForm())).body
      await base.post(`/applications/${joined.id}/actions`, { action: 'approve' })
      const id = (await w.client.get('/me/member')).body.id
      const step = async (body, status) => {
        const res = await w.client.post('/applications', body)
        assert.equal(res.status, 201, JSON.stringify(res.body))
        const ok = await base.post(`/applications/${res.body.id}/actions`, { action: 'approve' })
        assert.equal(ok.status, 200, JSON.stringify(ok.body))
        assert.equal((await w.client.get('/me/member')).body.status, status)
      }
      assert.equal((await w.client.post('/applications', { type: 'retain' })).body.error.field, 'reason')
      assert.equal((await w.client.post('/applications', { type: 'reactivate' })).status, 422)
      await step({ type: 'retain', reason: 'retired' }, 'retained')
      await step({ type: 'reactivate' }, 'normal')
      await step({ type: 'leave', comment: '个人原因' }, 'left')
      await step(joinForm(), 'normal')
      assert.equal((await w.client.get('/me/member')).body.id, id, 'the same record comes back')
    })

    test('holidays move deadlines; only calendar.manage edits them', async () => {
      const w = await registerWorker(srv)
      const first = (await w.client.post('/applications', joinForm())).body
      await w.client.post(`/applications/${first.id}/actions`, { action: 'withdraw' })
      const bad = await sys.request('PUT', '/holidays', { year: 2027, days: [{ date: '2027-02-30', kind: 'off' }] })
      assert.equal(bad.status, 400)
      assert.equal(bad.body.error.field, 'days')
      assert.equal((await base.request('PUT', '/holidays', { year: 2027, days: [] })).status, 403)
      // five weekdays off inside the allowance push the deadline a week later
      const days = []
      const start = new Date(Date.now() + 8 * 3600 * 1000 + 86400 * 1000)
      for (let n = 0, d = new Date(start); n < 5; d.setUTCDate(d.getUTCDate() + 1)) {
        if (d.getUTCDay() === 0 || d.getUTCDay() === 6) continue
        days.push({ date: d.toISOString().slice(0, 10), kind: 'off', name: '测试假期' })
        n++
      }
      const years = [...new Set(days.map((d) => Number(d.date.slice(0, 4))))]
      for (const year of years) {
        const put = await sys.request('PUT', '/holidays', { year, days: days.filter((d) => d.date.startsWith(String(year))) })
        assert.equal(put.status, 200, JSON.stringify(put.body))
      }
      const listed = (await w.client.get(`/holidays?year=${years[0]}`)).body.days
      assert.ok(listed.some((d) => d.name === '测试假期'))
      const second = (await w.client.post('/applications', joinForm())).body
      assert.equal(second.due_at - first.due_at, 7 * 86400)
      for (const year of years) await sys.request('PUT', '/holidays', { year, days: [] })
    })

    test('batch approval answers per item; the inbox filters and pages', async () => {
      const apps = []
      for (let i = 0; i < 3; i++) {
        const w = await registerWorker(srv, { realName: `批量${i}` })
        apps.push((await w.client.post('/applications', joinForm())).body)
      }
      const page1 = (await base.get('/applications/inbox?q=' + encodeURIComponent('批量') + '&limit=2')).body
      assert.equal(page1.items.length, 2)
      assert.equal(page1.total, 3)
      const page2 = (await base.get(`/applications/inbox?q=${encodeURIComponent('批量')}&limit=2&cursor=${page1.next_cursor}`)).body
      assert.equal(page2.items.length, 1)
      assert.equal(page2.next_cursor, null)
      const ids = [...page1.items, ...page2.items].map((a) => a.id)
      assert.deepEqual(ids.sort(), apps.map((a) => a.id).sort())
      await base.post(`/applications/${apps[0].id}/actions`, { action: 'return', comment: '补材料' })
      const res = await base.post('/applications/batch', { ids: [...apps.map((a) => a.id), 999999], action: 'approve' })
      assert.equal(res.status, 200)
      const by = Object.fromEntries(res.body.results.map((r) => [r.id, r]))
      assert.equal(by[apps[0].id].ok, false)
      assert.equal(by[apps[0].id].error.code, 'invalid_action')
      assert.equal(by[apps[1].id].state, 'approved')
      assert.equal(by[apps[2].id].state, 'approved')
      assert.equal(by[999999].error.code, 'not_found')
      const noReason = await base.post('/applications/batch', { ids: [apps[0].id], action: 'reject' })
      assert.equal(noReason.status, 400)
    })
  })
}
