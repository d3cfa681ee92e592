// Member import and export: the template, uploads in CSV (UTF-8 and GBK) and
// XLSX, validation that writes nothing and reports every bad row, a commit
// that files the good ones with their statistics, duplicate uploads, the
// upload limit, files of the wrong kind, cancel, scope, the CLI, the export
// with its masks and audit, and a server killed in the middle of a commit.
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'

import { idCard, login } from '../lib/client.mjs'
import { rawRequest } from '../lib/raw.mjs'
import { dbKinds, gonghuiBin, repoRoot, startServer } from '../lib/server.mjs'
import { fillSheet, readSheet } from '../lib/xlsx.mjs'

const HEADER = '姓名,身份证号,手机号,民族,政治面貌,学历,户籍类型,就业状态,灵活就业,工作单位,入会日期,所属工会编号'

/** Runs one SQL query on a database and returns the first column of each row. */
function sqlOn(dbUrl, query) {
  const out = dbUrl.startsWith('sqlite:')
    ? execFileSync('sqlite3', [dbUrl.slice(7), query], { encoding: 'utf8' })
    : execFileSync('psql', [dbUrl, '-XAt', '-c', query], { encoding: 'utf8' })
  return out.trim().split('\n').filter(Boolean)
}

/** A request with a raw body (a file), as the console sends an upload; the body comes back as a Buffer. */
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

function upload(c, orgId, content, name = '会员名单.csv') {
  return send(c, 'POST', `/imports/members?org_id=${orgId}`, content, {
    'Content-Type': 'application/octet-stream',
    'X-File-Name': encodeURIComponent(name),
  })
}

/** Polls the job until its status is none of `while_` (default: the running ones). */
async function poll(c, id, while_ = ['validating', 'committing'], timeoutMs = 300_000) {
  const until = Date.now() + timeoutMs
  for (;;) {
    const res = await c.get(`/imports/${id}`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    if (!while_.includes(res.body.status)) return res.body
    if (Date.now() > until) throw new Error(`job ${id} still ${res.body.status}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const csv = (rows) => Buffer.from([HEADER, ...rows.map((r) => r.join(','))].join('\n') + '\n', 'utf8')
const row = (name, id, over = {}) => {
  const r = { name, id, phone: '', eth: '', pol: '', edu: '', hukou: '', emp: '', flex: '', employer: '', joined: '2020-05-01', org: '', ...over }
  return [r.name, r.id, r.phone, r.eth, r.pol, r.edu, r.hukou, r.emp, r.flex, r.employer, r.joined, r.org]
}

for (const db of dbKinds()) {
  describe(`member import and export (${db})`, () => {
    let srv, xian, province, base, member
    const org = {}
    const sql = (q) => sqlOn(srv.dbUrl, q)
    const count = () => Number(sql('SELECT COUNT(*) FROM members')[0])

    before(async () => {
      srv = await startServer({ db, demo: true })
      xian = await login(srv, 'demo-xian')
      province = await login(srv, 'demo-province')
      base = await login(srv, 'demo-base')
      member = await login(srv, 'demo-member')
      org.base = (await base.get('/orgs/roots')).body.items[0]
      const root = (await province.get('/orgs/roots')).body.items[0]
      const cities = (await province.get(`/orgs/${root.id}/children`)).body.items
      org.xian = cities.find((o) => o.name === '西安市总工会')
      const baoji = cities.find((o) => o.name === '宝鸡市总工会')
      const weibin = (await province.get(`/orgs/${baoji.id}/children`)).body.items.find((o) => o.name === '渭滨区总工会')
      org.baojiBase = (await province.get(`/orgs/${weibin.id}/children`)).body.items[0]
    })
    after(async () => {
      await srv?.stop()
    })

    test('the template is an XLSX with the Chinese headers and a drop-down for every coded column', async () => {
      const res = await send(xian, 'GET', '/members/template')
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      assert.match(res.headers.get('content-disposition'), new RegExp(`filename\\*=UTF-8''${encodeURIComponent('会员信息导入模板.xlsx')}`))
      assert.equal(res.buf.subarray(0, 2).toString(), 'PK')
      const { rows, sheet } = readSheet(res.buf)
      assert.deepEqual(rows[0], HEADER.split(','))
      // 民族 (58 names) is too long for an inline list and goes to a hidden sheet
      const lists = [...sheet.matchAll(/<dataValidation [^>]*sqref="([A-Z]+)2:/g)].map((m) => m[1])
      assert.deepEqual(lists.sort(), ['D', 'E', 'F', 'G', 'H', 'I'])
      assert.match(sheet, /lists!\$A\$1/)
    })

    test('a worker without the permission gets 403 from every import and export route', async () => {
      assert.equal((await send(member, 'GET', '/members/template')).status, 403)
      assert.equal((await upload(member, org.base.id, csv([]))).status, 403)
      assert.equal((await member.get('/imports/1')).status, 403)
      assert.equal((await send(member, 'GET', `/members/export?org_id=${org.base.id}`)).status, 403)
    })

    test('validation reports every bad row before anything is written; the commit files the good ones', async () => {
      const good = idCard('610103', '19880808', '301')
      const filed = idCard('610103', '19880808', '303')
      const made = await xian.post('/members', { name: '已登记者', id_card: filed, joined_on: '2019-01-01', org_id: org.base.id })
      assert.equal(made.status, 201, JSON.stringify(made.body))
      const wrongCheck = good.slice(0, 17) + (good[17] === '1' ? '2' : '1')
      const file = csv([
        row('导入甲', good, { phone: '13700000001', eth: '汉族', pol: '群众', edu: '大学本科', hukou: '城镇', emp: '在岗', flex: '否', employer: '西安某公司' }),
        row('导入乙', wrongCheck),
        row('导入丙', idCard('610103', '19880808', '305'), { joined: '2020-02-30' }),
        row('导入丁', idCard('610103', '19880808', '307'), { edu: '博士后' }),
        row('导入戊', good, { joined: '2021-01-01' }),
        row('导入己', filed),
        row('导入庚', idCard('610103', '19880808', '309'), { org: String(org.baojiBase.id) }),
        row('导入辛', '610103850315777', { eth: '01', pol: '13', edu: '21', hukou: '农业', joined: '2019/3/8' }),
      ])
      const before = count()
      const statsBefore = (await xian.get(`/members/stats?org_id=${org.base.id}`)).body.total
      const up = await upload(xian, org.base.id, file)
      assert.equal(up.status, 202, JSON.stringify(up.body))
      assert.equal(up.body.file_name, '会员名单.csv')
      const job = await poll(xian, up.body.id)
      assert.equal(job.status, 'ready', JSON.stringify(job))
      assert.deepEqual([job.total_rows, job.good_rows, job.bad_rows], [8, 2, 6])
      assert.equal(job.has_report, true)
      assert.equal(count(), before, 'validation writes no member')

      const report = await send(xian, 'GET', `/imports/${job.id}/report`)
      assert.equal(report.status, 200)
      const { rows } = readSheet(report.buf)
      assert.deepEqual(rows[0], ['行号', ...HEADER.split(','), '错误原因'])
      const why = Object.fromEntries(rows.slice(1).map((r) => [r[0], [r[1], r[r.length - 1]]]))
      assert.deepEqual(Object.keys(why).sort(), ['3', '4', '5', '6', '7', '8'])
      assert.match(why['3'][1], /校验位/)
      assert.match(why['4'][1], /2020-02-30/)
      assert.match(why['5'][1], /学历“博士后”不在代码表中/)
      assert.match(why['6'][1], /与第 2 行的身份证号重复/)
      assert.match(why['7'][1], /已登记为“.+”的会员/)
      assert.match(why['8'][1], /不存在或不在您的管理范围内/)
      assert.equal(why['8'][0], '导入庚', 'the row as written')

      // the same file for the same org while the first is pending
      const again = await upload(xian, org.base.id, file)
      assert.equal(again.status, 409)
      assert.equal(again.body.error.code, 'duplicate_import')

      const commit = await xian.post(`/imports/${job.id}/commit`)
      assert.equal(commit.status, 202, JSON.stringify(commit.body))
      const done = await poll(xian, job.id)
      assert.equal(done.status, 'done', JSON.stringify(done))
      assert.equal(done.done_rows, 8)
      assert.equal(count(), before + 2)
      const stats = (await xian.get(`/members/stats?org_id=${org.base.id}`)).body
      assert.equal(stats.total, statsBefore + 2)
      assert.equal(sql("SELECT birth_date || ' ' || migrant FROM members WHERE name = '导入辛'")[0], '1985-03-15 1')
      assert.equal(sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'members.import' AND target = 'import:${job.id}'`)[0], '1')
      assert.equal((await xian.post(`/imports/${job.id}/commit`)).status, 409, 'a job commits once')

      // no longer pending: the same file may come again, and now every row is filed
      const third = await upload(xian, org.base.id, file)
      assert.equal(third.status, 202)
      const failed = await poll(xian, third.body.id)
      assert.equal(failed.status, 'failed')
      assert.equal(failed.good_rows, 0)
      assert.match(failed.message, /全部 8 行均未通过校验/)
    })

    test('a GBK-encoded CSV and an XLSX filled in from the template import alike', async () => {
      const gbk = execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GBK'], {
        input: csv([row('欧阳娜娜', idCard('610103', '19900909', '411'), { edu: '硕士研究生' }), row('单雄飞', idCard('610103', '19900909', '413'))]),
      })
      const up = await upload(xian, org.base.id, gbk, 'gbk.csv')
      assert.equal(up.status, 202, JSON.stringify(up.body))
      assert.equal((await poll(xian, up.body.id)).good_rows, 2)
      assert.equal((await xian.post(`/imports/${up.body.id}/commit`)).status, 202)
      assert.equal((await poll(xian, up.body.id)).status, 'done')
      const found = (await xian.get(`/members?q=${encodeURIComponent('欧阳娜娜')}`)).body.items
      assert.equal(found.length, 1)
      assert.equal(found[0].education, '14')

      const template = (await send(xian, 'GET', '/members/template')).buf
      const xlsx = fillSheet(template, [
        ['模板甲', idCard('610103', '19910101', '421'), '13700000021', '回族', '中共党员', '大学本科', '城镇', '在岗', '否', '秦川机床', '2018-07-01', ''],
        ['模板乙', idCard('610103', '19910101', '423'), '', '汉族', '群众', '大学专科', '农业', '灵活就业', '是', '', '2022-01-15', String(org.base.id)],
      ])
      const x = await upload(xian, org.base.id, xlsx, '填好的模板.xlsx')
      assert.equal(x.status, 202, JSON.stringify(x.body))
      const job = await poll(xian, x.body.id)
      assert.deepEqual([job.status, job.good_rows, job.bad_rows], ['ready', 2, 0], JSON.stringify(job))
      assert.equal(job.has_report, false)
      assert.equal((await xian.post(`/imports/${job.id}/commit`)).status, 202)
      assert.equal((await poll(xian, job.id)).status, 'done')
      assert.equal(sql("SELECT ethnicity || political || ' ' || flexible FROM members WHERE name = '模板甲'")[0], '0301 0')
      assert.equal(sql("SELECT employment || ' ' || flexible || ' ' || migrant FROM members WHERE name = '模板乙'")[0], 'flexible 1 1')
    })

    test('a file of another kind is refused by its content, whatever its name', async () => {
      const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n', 'latin1'), randomBytes(512)])
      const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(56), randomBytes(512)])
      for (const bytes of [pdf, elf]) {
        const res = await upload(xian, org.base.id, bytes, 'members.csv')
        assert.equal(res.status, 400, JSON.stringify(res.body))
        assert.equal(res.body.error.code, 'unsupported_file')
      }
      const empty = await upload(xian, org.base.id, Buffer.alloc(0))
      assert.equal(empty.status, 400)
      const bad = await upload(xian, org.baojiBase.id, csv([]))
      assert.equal(bad.status, 400, 'an org outside the scope')
      assert.equal(bad.body.error.field, 'org_id')
    })

    test('a job is cancelled before its commit, and then neither commits nor blocks the same file', async () => {
      const file = csv([row('取消甲', idCard('610103', '19920202', '511'))])
      const up = await upload(xian, org.base.id, file)
      assert.equal(up.status, 202)
      await poll(xian, up.body.id)
      const before = count()
      const cancel = await xian.post(`/imports/${up.body.id}/cancel`)
      assert.equal(cancel.status, 200, JSON.stringify(cancel.body))
      assert.equal(cancel.body.status, 'cancelled')
      assert.equal((await xian.post(`/imports/${up.body.id}/commit`)).status, 409)
      assert.equal((await xian.post(`/imports/${up.body.id}/cancel`)).status, 409)
      assert.equal(count(), before)
      const again = await upload(xian, org.base.id, file)
      assert.equal(again.status, 202)
      await poll(xian, again.body.id)
      assert.equal((await xian.post(`/imports/${again.body.id}/cancel`)).status, 200)
    })

    test('another city’s job is not found for the 西安 cadre', async () => {
      const up = await upload(province, org.baojiBase.id, csv([row('宝鸡甲', idCard('610302', '19930303', '611'))]))
      assert.equal(up.status, 202)
      await poll(province, up.body.id)
      for (const [m, p] of [['GET', ''], ['GET', '/report'], ['POST', '/commit'], ['POST', '/cancel']]) {
        const res = await xian.request(m, `/imports/${up.body.id}${p}`, m === 'POST' ? {} : undefined)
        assert.equal(res.status, 404, `${m} ${p}`)
      }
      assert.equal((await province.get(`/imports/${up.body.id}`)).status, 200)
    })

    test('the CLI validates, prints the counts and a progress line, and with --commit imports as the system', async () => {
      const tmp = await mkdtemp(path.join(os.tmpdir(), 'gonghui-cli-'))
      try {
        const file = path.join(tmp, 'cli.csv')
        await writeFile(file, csv([row('命令甲', idCard('610103', '19940404', '711')), row('命令乙', '123')]))
        const common = ['--org', String(org.base.id), '--db', srv.dbUrl, '--secret-key-file', srv.keyFile, '--data-dir', tmp]
        const run = (extra) =>
          new Promise((resolve) => {
            const child = spawn(gonghuiBin(), ['import', 'members', file, ...common, ...extra], { cwd: repoRoot })
            let out = ''
            let err = ''
            child.stdout.on('data', (d) => (out += d))
            child.stderr.on('data', (d) => (err += d))
            child.on('close', (code) => resolve({ code, out, err }))
          })
        const before = count()
        const checked = await run([])
        assert.equal(checked.code, 0, checked.err)
        assert.match(checked.out, /共 2 行，可导入 1 行，有错误 1 行/)
        assert.match(checked.out, /错误报告：.+report\.xlsx/)
        assert.equal(count(), before)
        const done = await run(['--commit'])
        assert.equal(done.code, 0, done.err)
        assert.match(done.out, /已导入 1 名会员/)
        assert.match(done.err, /\r导入 \[#+\] 100%.+行\/秒/)
        assert.equal(count(), before + 1)
        assert.equal(sql("SELECT COUNT(*) FROM audit_log WHERE action = 'cli.import.members' AND account_id IS NULL")[0], '1')
      } finally {
        await rm(tmp, { recursive: true, force: true })
      }
    })

    test('the export is an XLSX of the scope, masked unless revealed, and every export is audited', async () => {
      const res = await send(xian, 'GET', `/members/export?org_id=${org.base.id}`)
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-disposition'), /filename\*=UTF-8''/)
      const { rows } = readSheet(res.buf)
      assert.equal(rows[0][1], '身份证号')
      const data = rows.slice(1)
      assert.equal(data.length, Number(sql(`SELECT COUNT(*) FROM members WHERE org_id = ${org.base.id}`)[0]))
      assert.ok(data.every((r) => /^\d{4}\*{10}\d{3}[\dX]$/.test(r[1])), 'numbers masked')
      assert.ok(data.some((r) => r[0] === '导入甲' && r[3] === '汉族' && r[5] === '大学本科'))
      const shown = readSheet((await send(xian, 'GET', `/members/export?org_id=${org.base.id}&reveal=1`)).buf).rows.slice(1)
      assert.ok(shown.some((r) => r[0] === '导入甲' && r[1] === idCard('610103', '19880808', '301')))
      assert.deepEqual(
        sql("SELECT action || ' ' || fields FROM audit_log WHERE action IN ('members.export', 'members.reveal_id') ORDER BY id"),
        [`members.export {"rows":"${data.length}","reveal":"0"}`, `members.reveal_id {"rows":"${data.length}","reveal":"1"}`],
      )
      // the whole scope, without org_id: nothing of 宝鸡
      const all = readSheet((await send(xian, 'GET', '/members/export')).buf).rows.slice(1)
      assert.ok(all.length >= data.length && !all.some((r) => r[12].startsWith('宝鸡')))
      assert.equal((await send(xian, 'GET', `/members/export?org_id=${org.baojiBase.id}`)).status, 404)
    })
  })

  describe(`upload limit (${db})`, () => {
    let srv
    before(async () => {
      srv = await startServer({ db, demo: true, args: ['--upload-limit-mb', '1'] })
    })
    after(async () => {
      await srv?.stop()
    })

    test('a body over --upload-limit-mb is refused with 413 before it is read', async () => {
      const c = await login(srv, 'demo-base')
      const baseId = (await c.get('/orgs/roots')).body.items[0].id
      const res = await rawRequest(
        srv.url,
        `POST /api/v1/imports/members?org_id=${baseId} HTTP/1.1\r\nHost: x\r\nCookie: ${c.cookie}\r\nX-CSRF-Token: ${c.csrf}\r\n` +
          `Content-Type: text/csv\r\nContent-Length: ${2 * 1024 * 1024}\r\nConnection: close\r\n\r\n`,
      )
      assert.equal(res.status, 413)
      const small = await upload(c, baseId, csv([row('限额内', idCard('610103', '19950505', '811'))]))
      assert.equal(small.status, 202, JSON.stringify(small.body))
    })
  })
}

/** A fresh database of kind, its URL and how to drop it. */
async function freshDb(kind, tmp) {
  if (kind === 'sqlite') return { url: `sqlite:${tmp}/g.db`, drop: async () => {} }
  const admin = process.env.GONGHUI_TEST_PG
  const name = 'gh_t_kill_' + randomBytes(6).toString('hex')
  execFileSync('psql', [admin, '-XAtq', '-c', `CREATE DATABASE "${name}"`])
  const u = new URL(admin)
  u.pathname = '/' + name
  return { url: u.toString(), drop: async () => execFileSync('psql', [admin, '-XAtq', '-c', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`]) }
}

function serve(args) {
  const child = spawn(gonghuiBin(), ['serve', '--listen', '127.0.0.1:0', '--threads', '2', ...args], { cwd: repoRoot })
  let log = ''
  const url = new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      log += d
      const m = /listening on (http:\/\/\S+)/.exec(log)
      if (m) resolve(m[1])
    })
    child.on('exit', () => reject(new Error(log)))
  })
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)))
  return { child, url, exited, log: () => log }
}

for (const db of dbKinds()) {
  test(`a server killed in the middle of a commit leaves the database as it was (${db})`, async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'gonghui-kill-'))
    const store = await freshDb(db, tmp)
    let server = null
    try {
      const common = ['--db', store.url, '--secret-key-file', `${tmp}/key`, '--data-dir', `${tmp}/data`, '--password-iterations', '1000']
      execFileSync(gonghuiBin(), ['migrate', '--db', store.url], { cwd: repoRoot, stdio: 'ignore' })
      execFileSync(gonghuiBin(), ['seed', '--demo', ...common], { cwd: repoRoot, stdio: 'ignore' })
      const baseId = sqlOn(store.url, "SELECT id FROM orgs WHERE seed_key = 'demo:1'")[0]
      // big enough that the ASan build's commit takes many seconds
      const rows = 30000
      const file = execFileSync(gonghuiBin(), ['gen-members', '--count', String(rows), '--orgs', baseId], { cwd: repoRoot, maxBuffer: 1 << 28 })
      const before = sqlOn(store.url, 'SELECT COUNT(*) FROM members')[0]
      const statsBefore = sqlOn(store.url, `SELECT COALESCE(SUM(n), 0) FROM org_stats WHERE dim = 'total'`)[0]

      server = serve(common)
      const c = await login({ url: await server.url }, 'demo-xian')
      const up = await upload(c, baseId, file, 'big.csv')
      assert.equal(up.status, 202, JSON.stringify(up.body))
      const ready = await poll(c, up.body.id)
      assert.equal(ready.good_rows, rows, JSON.stringify(ready))
      assert.equal((await c.post(`/imports/${up.body.id}/commit`)).status, 202)
      // mid-way: rows are going in, nothing is committed
      for (let seen = 0; seen < 2000; ) {
        const j = (await c.get(`/imports/${up.body.id}`)).body
        assert.equal(j.status, 'committing', JSON.stringify(j))
        seen = j.done_rows
        await new Promise((r) => setTimeout(r, 100))
      }
      server.child.kill('SIGKILL')
      assert.equal(await server.exited, 'SIGKILL')

      server = serve(common)
      const again = await login({ url: await server.url }, 'demo-xian')
      const job = (await again.get(`/imports/${up.body.id}`)).body
      assert.equal(job.status, 'failed')
      assert.equal(job.message, '服务重启，导入中断，请重新导入')
      assert.equal(sqlOn(store.url, 'SELECT COUNT(*) FROM members')[0], before)
      assert.equal(sqlOn(store.url, `SELECT COALESCE(SUM(n), 0) FROM org_stats WHERE dim = 'total'`)[0], statsBefore)
      assert.equal(sqlOn(store.url, "SELECT COUNT(*) FROM member_history WHERE action = 'import'")[0], '0')
      // and the file may be imported again at once
      assert.equal((await upload(again, baseId, file, 'big.csv')).status, 202)
    } finally {
      if (server) {
        server.child.kill('SIGKILL')
        await server.exited
      }
      await store.drop()
      await rm(tmp, { recursive: true, force: true })
    }
  })
}
