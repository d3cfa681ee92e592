// What the servers' sweep does to import jobs: a job whose runner (another
// server, maybe on another host) is alive stays as it is; one whose runner on
// this host has gone, or whose heartbeat is old, fails and loses its upload;
// and the report of a job finished more than --import-keep-days ago is
// removed, its download answering why.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'

import { idCard, login } from '../lib/client.mjs'
import { dbKinds, gonghuiBin, repoRoot, startServer } from '../lib/server.mjs'
import { sql } from '../lib/sql.mjs'

const HEADER = '姓名,身份证号,手机号,民族,政治面貌,学历,户籍类型,就业状态,灵活就业,工作单位,入会日期,所属工会编号'
const RESTART = '服务重启，导入中断，请重新导入'
const STALE = '导入长时间没有进展，已中断，请重新导入'
const DAY = 86400

const now = () => Math.floor(Date.now() / 1000)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Waits until check() resolves truthy, or fails after timeoutMs. */
async function until(what, check, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > end) throw new Error(`still not ${what} after ${timeoutMs} ms`)
    await sleep(200)
  }
}

/** Another `gonghui serve` over srv's database, as a second server would run. */
async function serveBeside(srv, db, dataDir) {
  const child = spawn(
    gonghuiBin(),
    ['serve', '--listen', '127.0.0.1:0', '--threads', '1', '--db', srv.dbUrl, '--secret-key-file', srv.keyFile,
      '--data-dir', dataDir, '--sweep-seconds', '1', '--password-iterations', '1000'],
    { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let log = ''
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)))
  await new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (d) => {
      log += d
      if (/listening on http/.test(log)) resolve()
    })
    child.on('exit', () => reject(new Error(`second server (${db}) exited:\n${log}`)))
  })
  return { child, exited, log: () => log }
}

for (const db of dbKinds()) {
  describe(`import jobs left behind (${db})`, () => {
    let srv, tmp, orgId
    const q = (stmt) => sql(srv, db, stmt)
    const row = async (id) => {
      const [status, message, file] = (await q(`SELECT status || '|' || message || '|' || file_path FROM import_jobs WHERE id = ${id}`)).split('|')
      return { status, message, file }
    }
    /** A job in status held by runner, last alive at beat, with an upload on disk. */
    async function job(name, status, runner, beat) {
      const file = path.join(tmp, `${name}.upload`)
      await writeFile(file, HEADER + '\n')
      const id = await q(
        `INSERT INTO import_jobs (kind, org_id, file_name, file_hash, file_path, pending_key, status, runner, heartbeat_at, created_at, updated_at) ` +
          `VALUES ('members', ${orgId}, '${name}.csv', '${name}', '${file}', 'members:${orgId}:${name}', '${status}', '${runner}', ${beat}, ${beat}, ${beat}) RETURNING id`,
      )
      return { id: Number(id), file }
    }

    before(async () => {
      srv = await startServer({ db, demo: true, args: ['--sweep-seconds', '1'] })
      tmp = await mkdtemp(path.join(os.tmpdir(), 'gonghui-sweep-'))
      orgId = await q("SELECT id FROM orgs WHERE seed_key = 'demo:1'")
    })
    after(async () => {
      await srv?.stop()
      if (tmp) await rm(tmp, { recursive: true, force: true })
    })

    test("another host's job with a fresh heartbeat stays; an old heartbeat or a gone runner on this host fails it", async () => {
      const t = now()
      const dead = spawnSync('true').pid
      const alive = await job('elsewhere-fresh', 'committing', 'elsewhere.example:4242', t)
      const old = await job('elsewhere-old', 'validating', 'elsewhere.example:4243', t - 3600)
      const gone = await job('here-gone', 'committing', `${os.hostname()}:${dead}`, t)
      await until('swept', async () => (await row(old.id)).status === 'failed' && (await row(gone.id)).status === 'failed')
      assert.deepEqual(await row(old.id), { status: 'failed', message: STALE, file: old.file })
      assert.deepEqual(await row(gone.id), { status: 'failed', message: RESTART, file: gone.file })
      assert.ok(!existsSync(old.file) && !existsSync(gone.file), 'the uploads of failed jobs are removed')
      assert.equal(await q(`SELECT COUNT(*) FROM import_jobs WHERE id IN (${old.id}, ${gone.id}) AND pending_key IS NULL`), '2')
      // a second server starting over the same database leaves it too
      const second = await serveBeside(srv, db, path.join(tmp, 'data'))
      try {
        await sleep(2500)
        assert.equal((await row(alive.id)).status, 'committing')
        assert.ok(existsSync(alive.file))
      } finally {
        second.child.kill('SIGKILL')
        await second.exited
      }
    })

    test('servers on one host: each leaves the jobs of a live other; a killed one’s jobs fail at once', async () => {
      const other = await serveBeside(srv, db, path.join(tmp, 'data'))
      let killed = false
      try {
        const runner = `${os.hostname()}:${other.child.pid}`
        // its own job, and one an earlier process with its pid left behind
        const mine = await job('other-live', 'committing', runner, now())
        const before = await job('other-earlier', 'validating', runner, now() - 120)
        await until('failed by its own server', async () => (await row(before.id)).status === 'failed')
        assert.equal((await row(before.id)).message, RESTART)
        await sleep(2500)
        assert.equal((await row(mine.id)).status, 'committing', 'a live server on this host keeps its job')
        other.child.kill('SIGKILL')
        assert.equal(await other.exited, 'SIGKILL')
        killed = true
        await until('failed after the kill', async () => (await row(mine.id)).status === 'failed', 10_000)
        assert.equal((await row(mine.id)).message, RESTART)
        assert.ok(!existsSync(mine.file))
      } finally {
        if (!killed) {
          other.child.kill('SIGKILL')
          await other.exited
        }
      }
    })
  })

  describe(`old import reports (${db})`, () => {
    let srv, xian, orgId
    const q = (stmt) => sql(srv, db, stmt)

    /** Uploads rows that all fail validation: a failed job with a report. */
    async function failedJob(seq) {
      const bad = idCard('610103', '19900101', String(100 + seq)).slice(0, 17) + 'Z'
      const body = Buffer.from(`${HEADER}\n报告${seq},${bad},,,,,,,,,2020-05-01,\n`, 'utf8')
      const res = await fetch(`${srv.url}/api/v1/imports/members?org_id=${orgId}`, {
        method: 'POST',
        headers: { Cookie: xian.cookie, 'X-CSRF-Token': xian.csrf, 'Content-Type': 'application/octet-stream' },
        body,
      })
      const up = await res.json()
      assert.equal(res.status, 202, JSON.stringify(up))
      let j
      await until('validated', async () => {
        j = (await xian.get(`/imports/${up.id}`)).body
        return j.status !== 'validating'
      })
      assert.equal(j.status, 'failed', JSON.stringify(j))
      assert.equal(j.has_report, true)
      return { id: up.id, report: await q(`SELECT report_path FROM import_jobs WHERE id = ${up.id}`) }
    }

    before(async () => {
      srv = await startServer({ db, demo: true, args: ['--sweep-seconds', '1'] })
      xian = await login(srv, 'demo-xian')
      orgId = await q("SELECT id FROM orgs WHERE seed_key = 'demo:1'")
    })
    after(async () => {
      await srv?.stop()
    })

    test('a report older than --import-keep-days is removed and its download says why', async () => {
      const old = await failedJob(1)
      const recent = await failedJob(2)
      assert.ok(existsSync(old.report) && existsSync(recent.report))
      assert.equal((await xian.get(`/imports/${old.id}/report`)).status, 200)
      // a finished job that kept its upload (its server died at the last moment)
      const leftover = path.join(path.dirname(old.report), 'leftover.upload')
      await writeFile(leftover, HEADER + '\n')
      const done = await q(
        `INSERT INTO import_jobs (kind, org_id, file_name, file_hash, file_path, status, created_at, updated_at) ` +
          `VALUES ('members', ${orgId}, 'x.csv', 'leftover', '${leftover}', 'done', 0, ${now() - 8 * DAY}) RETURNING id`,
      )
      await q(`UPDATE import_jobs SET updated_at = updated_at - ${8 * DAY} WHERE id = ${old.id}`)
      await q(`UPDATE import_jobs SET updated_at = updated_at - ${6 * DAY} WHERE id = ${recent.id}`)

      await until('purged', async () => (await q(`SELECT COUNT(*) FROM import_jobs WHERE id = ${old.id} AND report_path IS NULL`)) === '1')
      assert.ok(!existsSync(old.report), 'the old report is removed')
      const job = (await xian.get(`/imports/${old.id}`)).body
      assert.equal(job.has_report, false)
      assert.equal(job.report_expired, true)
      assert.equal(job.status, 'failed')
      const dl = await xian.get(`/imports/${old.id}/report`)
      assert.equal(dl.status, 404)
      assert.equal(dl.body.error.code, 'report_expired')
      assert.equal(dl.body.error.message, '错误报告已超过保留期（7 天）被清理，请重新上传校验')

      await until('leftover removed', async () => !existsSync(leftover))
      assert.equal(await q(`SELECT file_path || '|' || COALESCE(report_purged_at, 0) FROM import_jobs WHERE id = ${done}`), '|0')

      // six days is within the limit
      assert.ok(existsSync(recent.report))
      const kept = (await xian.get(`/imports/${recent.id}`)).body
      assert.equal(kept.has_report, true)
      assert.equal(kept.report_expired, false)
      assert.equal((await xian.get(`/imports/${recent.id}/report`)).status, 200)
    })
  })
}
