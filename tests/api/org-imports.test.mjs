// Base-union import (基层工会批量导入) through the same jobs as member import:
// the template with its drop-downs, a CSV with good 单独 unions, a 联合基层工会
// of two employers and one bad row of each kind, the report that names them,
// a commit that makes exactly the good unions under the right upper unions,
// a cancelled job that makes nothing, an XLSX upload, scope, and the CLI.
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'

import { login } from '../lib/client.mjs'
import { dbKinds, gonghuiBin, repoRoot, startServer } from '../lib/server.mjs'
import { fillSheet, readSheet } from '../lib/xlsx.mjs'

const TITLES = ['工会名称', '工会类型', '上级工会编号', '单位名称', '统一社会信用代码', '组织机构代码', '所在区县', '行业', '单位类别', '地址', '职工人数', '女职工人数', '农民工人数', '成立日期', '主席姓名', '主席电话', '联系人', '联系电话']

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'

/** A GB 11714 组织机构代码: 8 characters of body and the check. */
function orgCode(body8) {
  const w = [3, 7, 9, 10, 5, 8, 4, 2]
  let sum = 0
  for (let i = 0; i < 8; i++) {
    const c = body8[i]
    sum += (c >= '0' && c <= '9' ? Number(c) : c.charCodeAt(0) - 55) * w[i]
  }
  const check = 11 - (sum % 11)
  return body8 + (check === 10 ? 'X' : check === 11 ? '0' : String(check))
}

/** A GB 32100 统一社会信用代码 for an enterprise (91) in division, with body8 as its 组织机构代码's body. */
function creditCode(division, body8) {
  const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
  const head = '91' + division + orgCode(body8)
  let sum = 0
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(head[i]) * w[i]
  return head + ALPHABET[(31 - (sum % 31)) % 31]
}

/** Each test's own names and codes: tag(n) is 6 characters, body(t, k) the 8 of a code's body. */
const tag = (n) => `TQTA${String(n).padStart(2, '0')}`
const body = (t, k) => t + String(k).padStart(2, '0')

function sqlOn(dbUrl, query) {
  const out = dbUrl.startsWith('sqlite:')
    ? execFileSync('sqlite3', [dbUrl.slice(7), query], { encoding: 'utf8' })
    : execFileSync('psql', [dbUrl, '-XAt', '-c', query], { encoding: 'utf8' })
  return out.trim().split('\n').filter(Boolean)
}

async function send(c, method, p, body, headers = {}) {
  const h = { ...headers }
  if (c.cookie) h.Cookie = c.cookie
  if (c.csrf && method !== 'GET') h['X-CSRF-Token'] = c.csrf
  const res = await fetch(c.base + '/api/v1' + p, { method, headers: h, body })
  const buf = Buffer.from(await res.arrayBuffer())
  let json = null
  try {
    json = JSON.parse(buf.toString('utf8'))
  } catch {
    /* a file */
  }
  return { status: res.status, body: json, buf, headers: res.headers }
}

const upload = (c, orgId, content, name = '基层工会.csv') =>
  send(c, 'POST', `/imports/orgs?org_id=${orgId}`, content, {
    'Content-Type': 'application/octet-stream',
    'X-File-Name': encodeURIComponent(name),
  })

async function poll(c, id, while_ = ['validating', 'committing']) {
  const until = Date.now() + 120_000
  for (;;) {
    const res = await c.get(`/imports/${id}`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    if (!while_.includes(res.body.status)) return res.body
    if (Date.now() > until) throw new Error(`job ${id} still ${res.body.status}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** A row in template order from the fields given. */
const row = (f) => TITLES.map((t) => f[t] ?? '')
const csv = (rows) => Buffer.from([TITLES.join(','), ...rows.map((r) => row(r).join(','))].join('\n') + '\n', 'utf8')

for (const db of dbKinds()) {
  describe(`base-union import (${db})`, () => {
    let srv, xian, province, member
    const org = {}
    const sql = (q) => sqlOn(srv.dbUrl, q)
    const orgCount = () => Number(sql('SELECT COUNT(*) FROM orgs')[0])
    const children = async (id) => (await province.get(`/orgs/${id}/children`)).body.items

    before(async () => {
      srv = await startServer({ db, demo: true })
      xian = await login(srv, 'demo-xian')
      province = await login(srv, 'demo-province')
      member = await login(srv, 'demo-member')
      const root = (await province.get('/orgs/roots')).body.items[0]
      const cities = (await province.get(`/orgs/${root.id}/children`)).body.items
      org.xian = cities.find((o) => o.name === '西安市总工会')
      org.baoji = cities.find((o) => o.name === '宝鸡市总工会')
      const counties = await children(org.xian.id)
      org.beilin = counties.find((o) => o.name === '碑林区总工会')
      org.yanta = counties.find((o) => o.name === '雁塔区总工会')
      org.demoBase = (await children(org.beilin.id)).find((o) => o.name === '西安长安精密仪器有限公司工会')
      assert.ok(org.beilin && org.yanta && org.demoBase)
    })
    after(async () => {
      await srv?.stop()
    })

    test('the template has the columns and drop-downs for 工会类型, 行业 and 单位类别', async () => {
      const res = await send(xian, 'GET', '/orgs/template')
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-disposition'), new RegExp(encodeURIComponent('基层工会导入模板.xlsx')))
      const { rows, sheet } = readSheet(res.buf)
      assert.deepEqual(rows[0], TITLES)
      const lists = [...sheet.matchAll(/<dataValidation [^>]*sqref="([A-Z]+)2:/g)].map((m) => m[1])
      assert.deepEqual(lists.sort(), ['B', 'H', 'I'])
      assert.match(sheet, /单独基层工会,联合基层工会/)
    })

    test('a worker gets 403 from the template, the upload and the job routes', async () => {
      assert.equal((await send(member, 'GET', '/orgs/template')).status, 403)
      assert.equal((await upload(member, org.beilin.id, csv([]))).status, 403)
      assert.equal((await member.get('/imports/1')).status, 403)
    })

    test('validation reports every bad row with its reason; the commit makes exactly the good unions', async () => {
      const t = tag(1)
      const code = (n) => creditCode('610103', body(t, n))
      const a = code(1)
      const wrong = code(2).slice(0, 17) + (code(2)[17] === '1' ? '2' : '1')
      const plainOrgCode = orgCode(body(t, 9))
      const rows = [
        /* 2 */ { 工会名称: `导入甲公司工会${t}`, 工会类型: '单独基层工会', 单位名称: `导入甲公司${t}`, 统一社会信用代码: a, 行业: '制造业', 单位类别: '159', 职工人数: '120', 女职工人数: '50', 成立日期: '2020/5/1', 主席姓名: '甲主席', 主席电话: '13900001111' },
        /* 3 */ { 工会名称: `导入乙公司工会${t}`, 上级工会编号: String(org.yanta.id), 单位名称: `导入乙公司${t}`, 统一社会信用代码: code(3), 所在区县: '雁塔区' },
        /* 4 */ { 工会名称: `导入联合工会${t}`, 工会类型: '联合基层工会', 上级工会编号: String(org.yanta.id), 单位名称: `联合一号${t}`, 统一社会信用代码: code(4), 职工人数: '30', 地址: '雁塔路 1 号' },
        /* 5 */ { 工会名称: `导入联合工会${t}`, 工会类型: '联合基层工会', 上级工会编号: String(org.yanta.id), 单位名称: `联合二号${t}`, 统一社会信用代码: code(5), 职工人数: '20' },
        /* 6 */ { 工会名称: `错码工会${t}`, 单位名称: `错码公司${t}`, 统一社会信用代码: wrong },
        /* 7 */ { 工会名称: `重建工会${t}`, 单位名称: '西安长安精密仪器有限公司', 统一社会信用代码: '91610103MA6TX1A274' },
        /* 8 */ { 工会名称: `宝鸡工会${t}`, 上级工会编号: String(org.baoji.id), 单位名称: `宝鸡公司${t}`, 统一社会信用代码: code(6) },
        /* 9 */ { 工会名称: `重复工会${t}`, 单位名称: `导入甲公司${t}`, 统一社会信用代码: a },
        /* 10 */ { 工会名称: `老代码工会${t}`, 单位名称: `老代码公司${t}`, 组织机构代码: plainOrgCode.slice(0, 8) + '-' + plainOrgCode[8], 行业: 'C', 单位类别: '170' },
        /* 11 */ { 工会名称: `基层下建会${t}`, 上级工会编号: String(org.demoBase.id), 单位名称: `基层下公司${t}`, 统一社会信用代码: code(7) },
      ]
      const before = orgCount()
      const up = await upload(xian, org.beilin.id, csv(rows))
      assert.equal(up.status, 202, JSON.stringify(up.body))
      assert.equal(up.body.kind, 'orgs')
      const job = await poll(xian, up.body.id)
      assert.equal(job.status, 'ready', JSON.stringify(job))
      assert.deepEqual([job.total_rows, job.good_rows, job.bad_rows], [10, 5, 5])
      assert.equal(job.good_units, 4, 'the joint union of two rows is one union')
      assert.equal(orgCount(), before, 'validation writes nothing')

      const report = await send(xian, 'GET', `/imports/${job.id}/report`)
      assert.equal(report.status, 200)
      const { rows: got } = readSheet(report.buf)
      assert.equal(got[0][0], '行号')
      assert.equal(got[0].at(-1), '错误原因')
      const why = Object.fromEntries(got.slice(1).map((r) => [r[0], r.at(-1)]))
      assert.deepEqual(Object.keys(why).sort(), ['11', '6', '7', '8', '9'])
      assert.match(why['6'], /校验位不正确/)
      assert.match(why['7'], /已建有工会“西安长安精密仪器有限公司工会”/)
      assert.match(why['8'], /上级工会编号 \d+ 不存在或不在您的管理范围内/)
      assert.match(why['9'], /与第 2 行是同一单位/)
      assert.match(why['11'], /是基层工会，其下不能再建工会/)

      const done = await xian.post(`/imports/${job.id}/commit`)
      assert.equal(done.status, 202, JSON.stringify(done.body))
      const final = await poll(xian, job.id)
      assert.equal(final.status, 'done', JSON.stringify(final))
      assert.equal(final.good_units, 4)
      assert.equal(orgCount(), before + 4)

      const beilin = await children(org.beilin.id)
      const yanta = await children(org.yanta.id)
      assert.ok(beilin.some((o) => o.name === `导入甲公司工会${t}` && o.type === 'base' && o.level === 'base'))
      assert.ok(beilin.some((o) => o.name === `老代码工会${t}`))
      assert.ok(yanta.some((o) => o.name === `导入乙公司工会${t}`))
      for (const n of ['错码工会', '重建工会', '宝鸡工会', '重复工会', '基层下建会'])
        assert.ok(![...beilin, ...yanta].some((o) => o.name === n + t), n)
      assert.ok(!(await children(org.baoji.id)).some((o) => o.name === `宝鸡工会${t}`))

      const joint = yanta.find((o) => o.name === `导入联合工会${t}`)
      const rec = (await xian.get(`/orgs/${joint.id}`)).body
      assert.equal(rec.type, 'joint')
      assert.deepEqual(rec.employers.map((e) => e.name), [`联合一号${t}`, `联合二号${t}`])
      assert.equal(rec.staff_count, 50)
      assert.equal(rec.address, '雁塔路 1 号')

      const first = (await xian.get(`/orgs/${beilin.find((o) => o.name === `导入甲公司工会${t}`).id}`)).body
      assert.equal(first.industry, 'C')
      assert.equal(first.unit_type, '159')
      assert.equal(first.founded_on, '2020-05-01')
      assert.equal(first.division_code, '610103')
      assert.equal(first.chair_phone, '139****1111')
      assert.equal(first.employer_credit_code, a)
      const old = (await xian.get(`/orgs/${beilin.find((o) => o.name === `老代码工会${t}`).id}`)).body
      assert.equal(old.employers[0].org_code, plainOrgCode)
      const second = (await xian.get(`/orgs/${yanta.find((o) => o.name === `导入乙公司工会${t}`).id}`)).body
      assert.equal(second.division_code, '610113')
      assert.equal(sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'orgs.import' AND target = 'import:${job.id}'`)[0], '1')
      assert.equal(sql(`SELECT COUNT(*) FROM org_history WHERE action = 'create' AND request_id = 'import:${job.id}'`)[0], '4')

      // the same file again: every employer has its union now
      const again = await upload(xian, org.beilin.id, csv(rows), '再次.csv')
      assert.equal(again.status, 202)
      const twice = await poll(xian, again.body.id)
      assert.equal(twice.status, 'failed')
      assert.equal(twice.good_rows, 0)
    })

    test('a 单独基层工会 named on two rows, and a joint union with a bad row, are refused whole', async () => {
      const t = tag(2)
      const code = (n) => creditCode('610113', body(t, n))
      const rows = [
        { 工会名称: `两行单独${t}`, 工会类型: '单独基层工会', 单位名称: `单独一${t}`, 统一社会信用代码: code(1) },
        { 工会名称: `两行单独${t}`, 工会类型: '单独基层工会', 单位名称: `单独二${t}`, 统一社会信用代码: code(2) },
        { 工会名称: `坏行联合${t}`, 工会类型: '联合基层工会', 单位名称: `联合好${t}`, 统一社会信用代码: code(3) },
        { 工会名称: `坏行联合${t}`, 工会类型: '联合基层工会', 单位名称: `联合坏${t}`, 统一社会信用代码: code(4), 职工人数: '5', 女职工人数: '9' },
        { 工会名称: `好的${t}`, 单位名称: `好的${t}`, 统一社会信用代码: code(5), 行业: '不存在的行业' },
      ]
      const up = await upload(xian, org.yanta.id, csv(rows))
      const job = await poll(xian, up.body.id)
      assert.equal(job.status, 'failed')
      assert.deepEqual([job.good_rows, job.bad_rows], [0, 5])
      const { rows: got } = readSheet((await send(xian, 'GET', `/imports/${job.id}/report`)).buf)
      const why = Object.fromEntries(got.slice(1).map((r) => [r[0], r.at(-1)]))
      assert.match(why['2'], /出现在第 2、3 行：单独基层工会只对应一个单位/)
      assert.match(why['3'], /出现在第 2、3 行/)
      assert.match(why['4'], /另有错误行，该工会整体未导入/)
      assert.match(why['5'], /女职工人数不能多于职工人数/)
      assert.match(why['6'], /行业“不存在的行业”不在代码表中/)
    })

    test('a cancelled job makes nothing; another city’s job is not found', async () => {
      const t = tag(3)
      const name = `取消工会${t}`
      const before = orgCount()
      const up = await upload(xian, org.beilin.id, csv([{ 工会名称: name, 单位名称: name, 统一社会信用代码: creditCode('610103', body(t, 3)) }]))
      const job = await poll(xian, up.body.id)
      assert.equal(job.status, 'ready')
      const cancelled = await xian.post(`/imports/${job.id}/cancel`)
      assert.equal(cancelled.status, 200)
      assert.equal(cancelled.body.status, 'cancelled')
      assert.equal((await xian.post(`/imports/${job.id}/commit`)).status, 409)
      assert.equal(orgCount(), before)
      assert.ok(!(await children(org.beilin.id)).some((o) => o.name === name))

      const theirs = await upload(province, org.baoji.id, csv([{ 工会名称: `宝鸡${t}`, 单位名称: `宝鸡${t}`, 统一社会信用代码: creditCode('610302', body(t, 4)) }]))
      assert.equal(theirs.status, 202)
      await poll(province, theirs.body.id)
      for (const [m, p] of [['GET', ''], ['GET', '/report'], ['POST', '/commit'], ['POST', '/cancel']]) {
        const res = await xian.request(m, `/imports/${theirs.body.id}${p}`, m === 'POST' ? {} : undefined)
        assert.equal(res.status, 404, `${m} ${p}`)
      }
      assert.equal((await upload(xian, org.baoji.id, csv([]))).status, 400)
      assert.equal((await province.post(`/imports/${theirs.body.id}/cancel`)).status, 200)
    })

    test('an XLSX filled from the template imports too', async () => {
      const t = tag(4)
      const template = (await send(xian, 'GET', '/orgs/template')).buf
      const name = `表格工会${t}`
      const file = fillSheet(template, [row({ 工会名称: name, 工会类型: '单独基层工会', 单位名称: `表格公司${t}`, 统一社会信用代码: creditCode('610103', body(t, 5)), 所在区县: '610103', 行业: '信息传输、软件和信息技术服务业', 职工人数: '12' })])
      const up = await upload(xian, org.beilin.id, file, '基层工会.xlsx')
      assert.equal(up.status, 202, JSON.stringify(up.body))
      const job = await poll(xian, up.body.id)
      assert.equal(job.status, 'ready', JSON.stringify(job))
      assert.equal(job.good_rows, 1)
      assert.equal((await xian.post(`/imports/${job.id}/commit`)).status, 202)
      assert.equal((await poll(xian, job.id)).status, 'done')
      const made = (await children(org.beilin.id)).find((o) => o.name === name)
      assert.ok(made)
      const rec = (await xian.get(`/orgs/${made.id}`)).body
      assert.equal(rec.industry, 'I')
      assert.equal(rec.staff_count, 12)
    })

    test('the CLI imports base unions as the system', async () => {
      const tmp = await mkdtemp(path.join(os.tmpdir(), 'gonghui-cli-'))
      try {
        const t = tag(5)
        const file = path.join(tmp, 'orgs.csv')
        await writeFile(file, csv([
          { 工会名称: `命令行工会${t}`, 单位名称: `命令行公司${t}`, 统一社会信用代码: creditCode('610103', body(t, 6)) },
          { 工会名称: `命令行错${t}`, 单位名称: `命令行错${t}`, 统一社会信用代码: '123' },
        ]))
        const run = (extra) =>
          new Promise((resolve) => {
            const child = spawn(gonghuiBin(), ['import', 'orgs', file, '--org', String(org.beilin.id), '--db', srv.dbUrl, '--secret-key-file', srv.keyFile, '--data-dir', tmp, ...extra], { cwd: repoRoot })
            let out = ''
            let err = ''
            child.stdout.on('data', (d) => (out += d))
            child.stderr.on('data', (d) => (err += d))
            child.on('close', (code) => resolve({ code, out, err }))
          })
        const before = orgCount()
        const checked = await run([])
        assert.equal(checked.code, 0, checked.err)
        assert.match(checked.out, /共 2 行，可导入 1 行，有错误 1 行/)
        assert.equal(orgCount(), before)
        const done = await run(['--commit'])
        assert.equal(done.code, 0, done.err)
        assert.match(done.out, /已导入 1 个工会/)
        assert.equal(orgCount(), before + 1)
        assert.ok((await children(org.beilin.id)).some((o) => o.name === `命令行工会${t}`))
        assert.equal(sql("SELECT COUNT(*) FROM audit_log WHERE action = 'cli.import.orgs'")[0], '1')
      } finally {
        await rm(tmp, { recursive: true, force: true })
      }
    })
  })
}
