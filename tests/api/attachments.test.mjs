// Attachments: uploads sniffed by content (PDF, PNG, docx/xlsx accepted; an
// executable renamed .pdf, a plain ZIP and unknown binary refused with
// nothing stored), the same content stored once on disk, the upload limit,
// and downloads only by the uploader while unlinked.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'

import { Client, login, registerWorker } from '../lib/client.mjs'
import { rawRequest } from '../lib/raw.mjs'
import { dbKinds, repoRoot, startServer } from '../lib/server.mjs'
import { zip } from '../lib/xlsx.mjs'

/** A one-page PDF with a correct cross-reference table. */
function tinyPdf(text = 'gonghui') {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] /Contents 4 0 R >>`,
    `<< /Length ${text.length + 4} >>\nstream\n% ${text}\nendstream`,
  ]
  let out = '%PDF-1.4\n'
  const offsets = []
  objs.forEach((o, i) => {
    offsets.push(out.length)
    out += `${i + 1} 0 obj\n${o}\nendobj\n`
  })
  const xref = out.length
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, 'latin1')
}

// a 1×1 PNG
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
)
const ELF = Buffer.concat([Buffer.from('7f454c46020101000000000000000000', 'hex'), Buffer.alloc(64, 1)])

const docx = () =>
  zip(
    new Map([
      ['[Content_Types].xml', Buffer.from('<?xml version="1.0"?><Types/>')],
      ['word/document.xml', Buffer.from('<?xml version="1.0"?><w:document/>')],
    ]),
  )

/** Runs one SQL query on a database and returns the first column of each row. */
function sqlOn(dbUrl, query) {
  const out = dbUrl.startsWith('sqlite:')
    ? execFileSync('sqlite3', [dbUrl.slice(7), query], { encoding: 'utf8' })
    : execFileSync('psql', [dbUrl, '-XAt', '-c', query], { encoding: 'utf8' })
  return out.trim().split('\n').filter(Boolean)
}

/** Every stored file under the server's data-dir/files. */
function storedFiles(srv) {
  const root = path.join(path.dirname(srv.keyFile), 'data', 'files')
  if (!existsSync(root)) return []
  const out = []
  for (const d of readdirSync(root)) for (const f of readdirSync(path.join(root, d))) out.push(path.join(root, d, f))
  return out
}

async function send(c, method, p, body, headers = {}) {
  const h = { ...headers }
  if (c.cookie) h.Cookie = c.cookie
  if (c.csrf && method !== 'GET') h['X-CSRF-Token'] = c.csrf
  const res = await fetch(c.base + '/api/v1' + p, { method, headers: h, body, duplex: 'half' })
  const buf = Buffer.from(await res.arrayBuffer())
  let json = null
  try {
    json = JSON.parse(buf.toString('utf8'))
  } catch {
    /* a file */
  }
  return { status: res.status, body: json, buf, headers: res.headers }
}

function upload(c, content, name, headers = {}) {
  const q = name === undefined ? '' : `?name=${encodeURIComponent(name)}`
  return send(c, 'POST', '/attachments' + q, content, { 'Content-Type': 'application/octet-stream', ...headers })
}

for (const db of dbKinds()) {
  describe(`attachments (${db})`, () => {
    let srv, member, other
    before(async () => {
      srv = await startServer({ db, demo: true })
      member = await login(srv, 'demo-member')
      other = (await registerWorker(srv)).client
    })
    after(async () => {
      await srv?.stop()
    })

    test('a PDF and a PNG are stored with their sniffed types and SM3 hashes', async () => {
      const pdf = tinyPdf('first')
      const res = await upload(member, pdf, '入会申请书.pdf')
      assert.equal(res.status, 201, JSON.stringify(res.body))
      assert.ok(res.body.id > 0)
      assert.equal(res.body.name, '入会申请书.pdf')
      assert.equal(res.body.size, pdf.length)
      assert.equal(res.body.type, 'application/pdf')
      assert.match(res.body.hash, /^[0-9a-f]{64}$/)
      const file = storedFiles(srv).find((f) => path.basename(f) === res.body.hash)
      assert.ok(file, 'stored under files/<2 hex>/<hash>')
      assert.equal(path.basename(path.dirname(file)), res.body.hash.slice(0, 2))
      assert.deepEqual(readFileSync(file), pdf)

      // a PNG named .pdf is a PNG: the name says nothing
      const png = await upload(member, PNG, 'photo.pdf')
      assert.equal(png.status, 201, JSON.stringify(png.body))
      assert.equal(png.body.type, 'image/png')
      assert.equal(png.body.size, PNG.length)
    })

    test('the same bytes twice are two attachments and one file on disk', async () => {
      const pdf = tinyPdf('twice')
      const before = storedFiles(srv).length
      const a = await upload(member, pdf, 'a.pdf')
      const b = await upload(other, pdf, 'b.pdf')
      assert.equal(a.status, 201)
      assert.equal(b.status, 201)
      assert.notEqual(a.body.id, b.body.id)
      assert.equal(a.body.hash, b.body.hash)
      assert.equal(storedFiles(srv).length, before + 1)
      assert.deepEqual(sqlOn(srv.dbUrl, `SELECT file_name FROM attachments WHERE hash = '${a.body.hash}' ORDER BY id`), ['a.pdf', 'b.pdf'])
      // each keeps its own name and uploader
      assert.match((await send(other, 'GET', `/attachments/${b.body.id}`)).headers.get('content-disposition'), /b\.pdf/)
      assert.equal((await send(other, 'GET', `/attachments/${a.body.id}`)).status, 404)
    })

    test('an executable renamed .pdf is refused with 422 on the field file, and nothing is stored', async () => {
      const files = storedFiles(srv).length
      const rows = sqlOn(srv.dbUrl, 'SELECT COUNT(*) FROM attachments')[0]
      for (const [bytes, name] of [
        [ELF, 'x.pdf'],
        [Buffer.from('MZ\x90\x00\x03\x00\x00\x00' + 'PE'.padEnd(60, '\0'), 'latin1'), '通知.pdf'],
        [Buffer.from('#!/bin/sh\nrm -rf /\n'), 'readme.txt'],
      ]) {
        const res = await upload(member, bytes, name)
        assert.equal(res.status, 422, `${name}: ${JSON.stringify(res.body)}`)
        assert.equal(res.body.error.code, 'unsupported_file')
        assert.equal(res.body.error.field, 'file')
        assert.match(res.body.error.message, /可执行文件/)
      }
      assert.equal(storedFiles(srv).length, files)
      assert.equal(sqlOn(srv.dbUrl, 'SELECT COUNT(*) FROM attachments')[0], rows)
    })

    test('a ZIP is accepted only as a Word or Excel document', async () => {
      const plain = zip(new Map([['notes.txt', Buffer.from('hello')]]))
      const res = await upload(member, plain, 'report.docx')
      assert.equal(res.status, 422, JSON.stringify(res.body))
      assert.equal(res.body.error.field, 'file')
      const macro = zip(
        new Map([
          ['[Content_Types].xml', Buffer.from('<Types/>')],
          ['word/document.xml', Buffer.from('<w:document/>')],
          ['word/vbaProject.bin', Buffer.from('macro')],
        ]),
      )
      assert.equal((await upload(member, macro, 'x.docx')).status, 422)
      const d = await upload(member, docx(), '材料.docx')
      assert.equal(d.status, 201, JSON.stringify(d.body))
      assert.equal(d.body.type, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document')
      const xlsx = readFileSync(path.join(repoRoot, 'tests/fixtures/members-libreoffice.xlsx'))
      const x = await upload(member, xlsx, 'list.xlsx')
      assert.equal(x.status, 201, JSON.stringify(x.body))
      assert.equal(x.body.type, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    })

    test('UTF-8 text is accepted, other binary and empty files are not', async () => {
      const t = await upload(member, Buffer.from('工会会员名单\n张三\n'), 'list.txt')
      assert.equal(t.status, 201, JSON.stringify(t.body))
      assert.equal(t.body.type, 'text/plain; charset=utf-8')
      const gbk = await upload(member, Buffer.from([0xb9, 0xa4, 0xbb, 0xe1, 0x0a]), 'gbk.txt')
      assert.equal(gbk.status, 422)
      const bin = await upload(member, Buffer.from([1, 2, 3, 0, 4, 5]), 'x.bin')
      assert.equal(bin.status, 422)
      const empty = await upload(member, Buffer.alloc(0), 'empty.pdf')
      assert.equal(empty.status, 400)
      assert.equal(empty.body.error.field, 'file')
    })

    test('the name comes from ?name= or Content-Disposition, cleaned, or a default', async () => {
      const cd = await upload(member, tinyPdf('cd'), undefined, {
        'Content-Disposition': `attachment; filename="fallback.pdf"; filename*=UTF-8''${encodeURIComponent('营业执照.pdf')}`,
      })
      assert.equal(cd.status, 201, JSON.stringify(cd.body))
      assert.equal(cd.body.name, '营业执照.pdf')
      const plain = await upload(member, tinyPdf('plain'), undefined, { 'Content-Disposition': 'attachment; filename="a \\"b\\".pdf"' })
      assert.equal(plain.body.name, 'a _b_.pdf')
      const folders = await upload(member, tinyPdf('dirs'), '../../etc/passwd\u0001.pdf')
      assert.equal(folders.body.name, 'passwd_.pdf')
      const none = await upload(member, PNG)
      assert.equal(none.body.name, '附件.png')
    })

    test('the uploader downloads the bytes with the original name; others get 404, anonymous 401', async () => {
      const pdf = tinyPdf('download')
      const up = await upload(member, pdf, '证明材料.pdf')
      assert.equal(up.status, 201)
      const res = await send(member, 'GET', `/attachments/${up.body.id}`)
      assert.equal(res.status, 200)
      assert.deepEqual(res.buf, pdf)
      assert.equal(res.headers.get('content-type'), 'application/pdf')
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
      const disp = res.headers.get('content-disposition')
      assert.match(disp, /^attachment;/)
      assert.ok(disp.includes(`filename*=UTF-8''${encodeURIComponent('证明材料.pdf')}`), disp)
      const theirs = await send(other, 'GET', `/attachments/${up.body.id}`)
      assert.equal(theirs.status, 404)
      assert.equal(theirs.body.error.code, 'not_found')
      assert.equal((await send(other, 'GET', '/attachments/99999999')).status, 404)
      const cadre = await login(srv, 'demo-province')
      assert.equal((await send(cadre, 'GET', `/attachments/${up.body.id}`)).status, 404)
      const anon = new Client(srv.url)
      assert.equal((await send(anon, 'GET', `/attachments/${up.body.id}`)).status, 401)
      assert.equal((await upload(anon, pdf, 'a.pdf')).status, 401)
    })

    test('an upload is audited', async () => {
      const up = await upload(member, tinyPdf('audit'), '审计.pdf')
      assert.equal(up.status, 201)
      const rows = sqlOn(srv.dbUrl, `SELECT action FROM audit_log WHERE target = 'attachment:${up.body.id}'`)
      assert.deepEqual(rows, ['attachments.upload'])
    })
  })

  describe(`attachment upload limit (${db})`, () => {
    let srv
    before(async () => {
      srv = await startServer({ db, demo: true, args: ['--upload-limit-mb', '1'] })
    })
    after(async () => {
      await srv?.stop()
    })

    test('a file over --upload-limit-mb is refused with 413, and nothing is stored', async () => {
      const c = await login(srv, 'demo-member')
      const res = await rawRequest(
        srv.url,
        `POST /api/v1/attachments?name=big.pdf HTTP/1.1\r\nHost: x\r\nCookie: ${c.cookie}\r\nX-CSRF-Token: ${c.csrf}\r\n` +
          `Content-Type: application/pdf\r\nContent-Length: ${2 * 1024 * 1024}\r\nConnection: close\r\n\r\n`,
      )
      assert.equal(res.status, 413)
      // chunked, so the server only learns the size while reading
      const big = Buffer.concat([tinyPdf('big'), Buffer.alloc(1024 * 1024 + 10, 0x20)])
      const chunked = await upload(c, new Blob([big]).stream(), 'big.pdf', {}).catch((e) => e)
      if (!(chunked instanceof Error)) assert.equal(chunked.status, 413)
      assert.equal(storedFiles(srv).length, 0)
      const small = await upload(c, tinyPdf('small'), 'small.pdf')
      assert.equal(small.status, 201, JSON.stringify(small.body))
      assert.equal(storedFiles(srv).length, 1)
      assert.ok(statSync(storedFiles(srv)[0]).size < 1024)
    })
  })
}
