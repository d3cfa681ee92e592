// Test harness shared by the API tests (tests/api) and the browser tests (tests/e2e):
// starts a real `gonghui serve` on a free port over a database of its own.
//
//   import { startServer, dbKinds } from '../lib/server.mjs'
//   const srv = await startServer({ db: 'sqlite' })   // or 'postgresql'
//   await fetch(srv.url + '/api/v1/version')
//   await srv.stop()
//
// The binary is $GONGHUI_BIN or build/test/gonghui (the ASan/UBSan build), both
// relative to the repository root. PostgreSQL runs need $GONGHUI_TEST_PG, a URL of a
// server where the role may create databases (e.g. postgresql://gonghui@127.0.0.1:5433/postgres);
// each startServer() creates a fresh database there and stop() drops it.

import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

const READY_TIMEOUT_MS = 20_000
const MIGRATE_TIMEOUT_MS = 120_000
const STOP_GRACE_MS = 10_000
const PSQL_TIMEOUT_MS = 60_000

/** Servers still running, killed if the test process exits without stopping them. */
const live = new Set()
process.on('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL')
    } catch {
      /* already gone */
    }
  }
})

export function gonghuiBin() {
  const bin = process.env.GONGHUI_BIN || 'build/test/gonghui'
  return path.resolve(repoRoot, bin)
}

/** The database kinds to run against: PostgreSQL only when GONGHUI_TEST_PG is set. */
export function dbKinds() {
  if (process.env.GONGHUI_TEST_PG) return ['sqlite', 'postgresql']
  console.log('skipped: postgresql not available')
  return ['sqlite']
}

/**
 * Run a program to completion, collecting its output.
 * Resolves {code, signal, stdout, stderr}; rejects only if it cannot be started or times out.
 */
function run(cmd, args, { timeoutMs, cwd = repoRoot } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
    let timer = null
    if (timeoutMs) {
      timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`${path.basename(cmd)} ${args.join(' ')}: no exit after ${timeoutMs} ms\n${stderr}${stdout}`))
      }, timeoutMs)
    }
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(new Error(`cannot run ${cmd}: ${e.message}`))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

async function psql(baseUrl, sql) {
  const r = await run('psql', [baseUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
    timeoutMs: PSQL_TIMEOUT_MS,
  })
  if (r.code !== 0) throw new Error(`psql failed (${sql}): exit ${r.code ?? r.signal}\n${r.stderr}${r.stdout}`)
}

/** The URL of database `name` on the server that `baseUrl` points at (user, host, port and query kept). */
function withDatabase(baseUrl, name) {
  const u = new URL(baseUrl)
  u.pathname = '/' + name
  return u.toString()
}

/** Resolves when the child exits (immediately if it already has). */
function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

function sleep(ms) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms)
    t.unref?.()
  })
}

/**
 * Start `gonghui serve` on 127.0.0.1 with a free port and a fresh, migrated and seeded
 * database (the Shaanxi union tree; with demo: true also the demo unions and accounts,
 * password Demo@2026). args are extra `serve` options.
 * Returns {url, dbUrl, keyFile, stop, logs}: url like "http://127.0.0.1:PORT" (no trailing slash),
 * stop() ends the server and removes its database and temp dir (never throws for a
 * failing server: it asserts nothing), logs() is the server's stderr so far.
 */
export async function startServer({ db = 'sqlite', demo = false, args = [] } = {}) {
  const bin = gonghuiBin()
  if (!existsSync(bin)) {
    throw new Error(`gonghui binary not found: ${bin} (build it with \`make unit-build\`, or set GONGHUI_BIN)`)
  }

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'gonghui-test-'))
  let pgBase = null
  let pgName = null
  let dbUrl
  let child = null
  let stderr = ''
  let stdout = ''
  let stopped = null

  async function cleanup() {
    if (child) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const done = await Promise.race([exited(child).then(() => true), sleep(STOP_GRACE_MS).then(() => false)])
        if (!done) {
          child.kill('SIGKILL')
          await exited(child)
        }
      }
      live.delete(child)
    }
    if (pgName) {
      try {
        await psql(pgBase, `DROP DATABASE IF EXISTS "${pgName}" WITH (FORCE)`)
      } catch (e) {
        console.error(`warning: could not drop test database ${pgName}: ${e.message}`)
      }
    }
    await rm(tmp, { recursive: true, force: true })
  }

  try {
    if (db === 'sqlite') {
      dbUrl = `sqlite:${tmp}/gonghui.db`
    } else if (db === 'postgresql') {
      pgBase = process.env.GONGHUI_TEST_PG
      if (!pgBase) throw new Error('startServer({db: "postgresql"}) needs GONGHUI_TEST_PG')
      const name = 'gh_t_' + randomBytes(6).toString('hex')
      await psql(pgBase, `CREATE DATABASE "${name}"`)
      pgName = name
      dbUrl = withDatabase(pgBase, name)
    } else {
      throw new Error(`unknown db kind: ${db}`)
    }

    const m = await run(bin, ['migrate', '--db', dbUrl], { timeoutMs: MIGRATE_TIMEOUT_MS })
    if (m.code !== 0) {
      throw new Error(`gonghui migrate --db ${dbUrl} failed: exit ${m.code ?? m.signal}\n${m.stderr}${m.stdout}`)
    }
    // cheap password hashing keeps the ASan build quick; the algorithm is the same
    const common = ['--db', dbUrl, '--secret-key-file', `${tmp}/secret.key`, '--password-iterations', '1000', '--data-dir', `${tmp}/data`]
    const seeded = await run(bin, ['seed', ...(demo ? ['--demo'] : []), ...common], { timeoutMs: MIGRATE_TIMEOUT_MS })
    if (seeded.code !== 0) {
      throw new Error(`gonghui seed failed: exit ${seeded.code ?? seeded.signal}\n${seeded.stderr}${seeded.stdout}`)
    }

    child = spawn(
      bin,
      ['serve', '--listen', '127.0.0.1:0', '--web-root', 'web/dist', '--threads', '2', ...common, ...args],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    live.add(child)
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d))

    const url = await new Promise((resolve, reject) => {
      let settled = false
      const finish = (err, value) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (err) reject(err)
        else resolve(value)
      }
      const timer = setTimeout(
        () => finish(new Error(`gonghui serve printed no "listening on" within ${READY_TIMEOUT_MS} ms\n${stderr}${stdout}`)),
        READY_TIMEOUT_MS,
      )
      child.stderr.setEncoding('utf8').on('data', (d) => {
        stderr += d
        const hit = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(stderr)
        if (hit) finish(null, hit[1])
      })
      child.on('error', (e) => finish(new Error(`cannot run ${bin}: ${e.message}`)))
      child.on('exit', (code, signal) =>
        finish(new Error(`gonghui serve exited before it was ready: ${code ?? signal}\n${stderr}${stdout}`)),
      )
    })

    return {
      url,
      dbUrl,
      keyFile: `${tmp}/secret.key`,
      logs: () => stderr,
      stop: () => {
        stopped ??= cleanup()
        return stopped
      },
    }
  } catch (e) {
    await cleanup()
    throw e
  }
}
