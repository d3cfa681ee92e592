// SIGTERM: stop accepting, finish the request in flight, exit 0.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'

import { rawConnect } from '../lib/raw.mjs'
import { gonghuiBin, repoRoot } from '../lib/server.mjs'

function run(args) {
  return new Promise((resolve) => {
    const child = spawn(gonghuiBin(), args, { cwd: repoRoot })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('close', (code) => resolve({ code, out }))
  })
}

test('SIGTERM lets the request in flight finish, then exits 0', async () => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'gonghui-stop-'))
  try {
    const db = `sqlite:${tmp}/g.db`
    assert.equal((await run(['migrate', '--db', db])).code, 0)
    const child = spawn(gonghuiBin(), ['serve', '--listen', '127.0.0.1:0', '--db', db, '--secret-key-file', `${tmp}/key`], { cwd: repoRoot })
    let log = ''
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)))
    const url = await new Promise((resolve, reject) => {
      child.stderr.on('data', (d) => {
        log += d
        const m = /listening on (http:\/\/\S+)/.exec(log)
        if (m) resolve(m[1])
      })
      child.on('exit', () => reject(new Error(log)))
    })
    const body = JSON.stringify({ message: '关机时仍在上传' })
    const { sock, closed } = await rawConnect(url)
    sock.write(`POST /api/v1/client-errors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 3)}`)
    await new Promise((r) => setTimeout(r, 200))
    child.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 300))
    // new connections are refused now
    await assert.rejects(fetch(`${url}/api/v1/healthz`))
    sock.write(body.slice(3))
    const res = await closed
    assert.equal(res.status, 202)
    assert.equal(await exited, 0)
    assert.match(log, /SIGTERM received/)
    assert.match(log, /stopped/)
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
})

test('serve refuses a database newer than itself, and bad options, with a clear message', async () => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'gonghui-new-'))
  try {
    const db = `sqlite:${tmp}/g.db`
    assert.equal((await run(['migrate', '--db', db])).code, 0)
    const sqlite = spawn('sqlite3', [`${tmp}/g.db`, "INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 0)"])
    assert.equal(await new Promise((r) => sqlite.on('close', r)), 0)
    const r = await run(['serve', '--listen', '127.0.0.1:0', '--db', db, '--secret-key-file', `${tmp}/key`])
    assert.equal(r.code, 1)
    assert.match(r.out, /数据库结构版本 9999/)
    const bad = await run(['serve', '--threads', 'lots'])
    assert.equal(bad.code, 2)
    assert.match(bad.out, /--threads/)
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
})
