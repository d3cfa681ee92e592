// 工会法人资格 (docs/api/orgs.md, "Legal-person registration"): a union's cadre registers
// it with its materials, the registrar (the county union) approves and a certificate with
// an 81… code is issued, anyone checks it by number, it prints as PDF; a change within 30
// days replaces it, a cancellation needs funds, assets and debts cleared.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { Client, login } from '../lib/client.mjs'
import { dbKinds, startServer } from '../lib/server.mjs'

const CHANGAN = '西安长安精密仪器有限公司工会'
const ALPHA = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
const creditValid = (s) => s.length === 18 && (31 - ([...s.slice(0, 17)].reduce((t, ch, i) => t + ALPHA.indexOf(ch) * W[i], 0) % 31)) % 31 === ALPHA.indexOf(s[17])

const day = (offset = 0) => new Date(Date.now() + 8 * 3600e3 + offset * 86400e3).toISOString().slice(0, 10)

async function upload(srv, c, name) {
  const res = await fetch(`${srv.url}/api/v1/attachments?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { Cookie: c.cookie, 'X-CSRF-Token': c.csrf, 'Content-Type': 'application/octet-stream' },
    body: Buffer.from(`%PDF-1.4\n% ${name}\n%%EOF\n`),
  })
  assert.equal(res.status, 201)
  return (await res.json()).id
}

async function download(srv, c, path) {
  const res = await fetch(`${srv.url}/api/v1${path}`, { headers: c ? { Cookie: c.cookie } : {} })
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) }
}

for (const db of dbKinds()) {
  describe(`legal-person registration (${db})`, () => {
    let srv, base, xian, union

    before(async () => {
      srv = await startServer({ db, demo: true })
      base = await login(srv, 'demo-base')
      xian = await login(srv, 'demo-xian')
      union = (await base.get('/employers?q=' + encodeURIComponent('长安精密'))).body.items[0].org_id
    })
    after(async () => {
      await srv?.stop()
    })

    const act = async (c, id, action, body = {}) => {
      const res = await c.post(`/applications/${id}/actions`, { action, ...body })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      return res.body
    }

    let cert
    test('registration: materials required, the county union approves, a certificate is issued', async () => {
      const form = {
        type: 'legal_register',
        org_id: union,
        representative: '王建国',
        address: '西安市碑林区友谊西路 100 号',
        phone: '029-88880000',
        funding: '会员会费和单位拨缴经费',
        approval_doc: '碑工发〔2026〕12号',
        term_from: day(-30),
        term_to: day(365 * 4),
      }
      const bare = await base.post('/applications', form)
      assert.equal(bare.status, 400)
      assert.equal(bare.body.error.field, 'attachment_ids')
      const worker = await login(srv, 'demo-member')
      const notTheirs = await worker.post('/applications', { ...form, attachment_ids: [await upload(srv, worker, 'a.pdf'), await upload(srv, worker, 'b.pdf')] })
      assert.equal(notTheirs.status, 400)
      assert.equal(notTheirs.body.error.field, 'org_id')
      const longTerm = await base.post('/applications', { ...form, term_to: day(365 * 6) })
      assert.equal(longTerm.body.error.field, 'term_to')

      const files = [await upload(srv, base, '选举结果.pdf'), await upload(srv, base, '主席身份证.pdf')]
      const res = await base.post('/applications', { ...form, attachment_ids: files })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      assert.equal(res.body.org_name, '碑林区总工会', 'the registrar is the county union')
      assert.equal(res.body.attachments.length, 2)
      const twice = await base.post('/applications', { ...form, attachment_ids: [await upload(srv, base, 'c.pdf'), await upload(srv, base, 'd.pdf')] })
      assert.equal(twice.status, 409)
      assert.equal(twice.body.error.code, 'application_open')

      const pdf = await download(srv, base, `/applications/${res.body.id}/form.pdf`)
      assert.equal(pdf.status, 200)
      assert.equal(pdf.type, 'application/pdf')
      assert.equal(pdf.body.subarray(0, 5).toString(), '%PDF-')

      const done = await act(xian, res.body.id, 'approve')
      assert.equal(done.state, 'approved')
      cert = done.result
      assert.match(cert.legal_code, /^81610103/)
      assert.ok(creditValid(cert.legal_code), `${cert.legal_code} has valid check characters`)
      assert.match(cert.cert_no, /^GF610103\d{4}\d{6}$/)
      const rec = (await base.get(`/orgs/${union}`)).body
      assert.equal(rec.legal_code, cert.legal_code)
      assert.equal(rec.chair_name, '王建国')

      const again = await base.post('/applications', { ...form, attachment_ids: [await upload(srv, base, 'e.pdf'), await upload(srv, base, 'f.pdf')] })
      assert.equal(again.status, 409)
      assert.equal(again.body.error.code, 'already_registered')
    })

    test('the registry lists the certificates in the caller’s scope', async () => {
      const list = await xian.get('/orgs/certificates?status=valid')
      assert.equal(list.status, 200, JSON.stringify(list.body))
      assert.deepEqual(list.body.items.map((i) => i.certificate.cert_no), [cert.cert_no])
      assert.equal(list.body.items[0].org_id, union)
      assert.equal((await xian.get('/orgs/certificates?q=' + encodeURIComponent('长安'))).body.items.length, 1)
      assert.equal((await xian.get('/orgs/certificates?status=nonsense')).status, 400)
      const baoji = await login(srv, 'demo-province')
      assert.equal((await baoji.get('/orgs/certificates')).body.items.length, 1, 'the province sees it too')
      // a cadre of another union sees none of it
      const worker = await login(srv, 'demo-member')
      assert.equal((await worker.get('/orgs/certificates')).status, 403)
    })

    test('anyone checks a certificate by its number; it prints', async () => {
      const anon = new Client(srv.url)
      const v = await anon.get(`/orgs/certificates/${cert.cert_no}`)
      assert.equal(v.status, 200)
      assert.equal(v.body.valid, true)
      assert.equal(v.body.union_name, CHANGAN)
      assert.equal(v.body.registrar_name, '碑林区总工会')
      assert.equal((await anon.get('/orgs/certificates/GF000000000000000')).status, 404)
      const pdf = await download(srv, base, `/orgs/${union}/certificate.pdf`)
      assert.equal(pdf.status, 200)
      assert.equal(pdf.body.subarray(0, 5).toString(), '%PDF-')
      assert.ok(pdf.body.includes('/FontFile2'), 'the Chinese font is embedded')
      assert.equal((await download(srv, null, `/orgs/${union}/certificate.pdf`)).status, 401)
    })

    test('a change within 30 days replaces the certificate under the same code', async () => {
      const file = await upload(srv, base, '变更证明.pdf')
      const late = await base.post('/applications', { type: 'legal_change', org_id: union, changed_on: day(-40), address: '新地址', attachment_ids: [file] })
      assert.equal(late.status, 422)
      assert.equal(late.body.error.code, 'late_change')
      const res = await base.post('/applications', { type: 'legal_change', org_id: union, changed_on: day(-3), address: '西安市碑林区南二环 8 号', attachment_ids: [file] })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      const done = await act(xian, res.body.id, 'approve')
      assert.equal(done.result.legal_code, cert.legal_code)
      assert.notEqual(done.result.cert_no, cert.cert_no)
      const anon = new Client(srv.url)
      const old = (await anon.get(`/orgs/certificates/${cert.cert_no}`)).body
      assert.equal(old.valid, false)
      assert.equal(old.status, 'replaced')
      const now = (await anon.get(`/orgs/certificates/${done.result.cert_no}`)).body
      assert.equal(now.valid, true)
      assert.equal(now.address, '西安市碑林区南二环 8 号')
      assert.equal((await base.get(`/orgs/${union}`)).body.address, '西安市碑林区南二环 8 号')
      cert = done.result
    })

    test('cancellation only once funds, assets and debts are cleared', async () => {
      const file = await upload(srv, base, '清算报告.pdf')
      const form = { type: 'legal_cancel', org_id: union, reason: '单位注销', funds_cleared: true, assets_cleared: true, attachment_ids: [file] }
      const refused = await base.post('/applications', form)
      assert.equal(refused.status, 422)
      assert.equal(refused.body.error.field, 'debts_cleared')
      const res = await base.post('/applications', { ...form, debts_cleared: true })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      await act(xian, res.body.id, 'approve')
      const v = (await new Client(srv.url).get(`/orgs/certificates/${cert.cert_no}`)).body
      assert.equal(v.valid, false)
      assert.equal(v.status_name, '已注销')
      assert.equal((await download(srv, base, `/orgs/${union}/certificate.pdf`)).status, 404)
      assert.equal((await base.get(`/orgs/${union}`)).body.legal_status, 'cancelled')
    })
  })
}
