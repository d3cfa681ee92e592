// Bad input gets one clear error body, and the server keeps serving.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { rawConnect, rawRequest } from '../lib/raw.mjs'
import { dbKinds, startServer } from '../lib/server.mjs'

function assertErrorBody(body, code, status) {
  assert.equal(typeof body.error, 'object', `error body for ${status}`)
  assert.equal(body.error.code, code)
  assert.equal(typeof body.error.message, 'string')
  assert.match(body.error.message, /[\u4e00-\u9fff]/, 'message is Chinese, for people')
  assert.match(body.error.request_id, /\S/)
  assert.ok('field' in body.error)
}

const post = (url, body, headers = {}) =>
  fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body })

for (const db of dbKinds()) {
  describe(`errors (${db})`, () => {
    let srv
    before(async () => {
      srv = await startServer({ db })
    })
    after(async () => {
      await srv?.stop()
    })

    test('unknown API path is 404 with the error body', async () => {
      const res = await fetch(`${srv.url}/api/v1/no-such-thing`)
      assert.equal(res.status, 404)
      assert.match(res.headers.get('content-type'), /^application\/json/)
      const body = await res.json()
      assertErrorBody(body, 'not_found', 404)
      assert.equal(body.error.request_id, res.headers.get('x-request-id'))
    })

    test('wrong method is 405 with Allow', async () => {
      const res = await fetch(`${srv.url}/api/v1/healthz`, { method: 'DELETE' })
      assert.equal(res.status, 405)
      assert.equal(res.headers.get('allow'), 'GET')
      assertErrorBody(await res.json(), 'method_not_allowed', 405)
      const page = await fetch(`${srv.url}/admin/`, { method: 'POST', body: 'x' })
      assert.equal(page.status, 405)
      assert.equal(page.headers.get('allow'), 'GET, HEAD')
    })

    test('a well-formed body is accepted', async () => {
      const res = await post(`${srv.url}/api/v1/client-errors`, JSON.stringify({ message: '页面加载失败', page: '/admin/' }))
      assert.equal(res.status, 202)
      const body = await res.json()
      assert.equal(body.request_id, res.headers.get('x-request-id'))
    })

    test('malformed JSON is 400 invalid_json, saying where', async () => {
      const res = await post(`${srv.url}/api/v1/client-errors`, '{"message": "a",\n "page": }')
      assert.equal(res.status, 400)
      const body = await res.json()
      assertErrorBody(body, 'invalid_json', 400)
      assert.match(body.error.message, /第 2 行/)
    })

    test('non-UTF-8 JSON is 400', async () => {
      const bytes = Buffer.concat([Buffer.from('{"message":"'), Buffer.from([0xb9, 0xa4, 0xbb, 0xe1]), Buffer.from('"}')])
      const res = await post(`${srv.url}/api/v1/client-errors`, bytes)
      assert.equal(res.status, 400)
      assertErrorBody(await res.json(), 'invalid_json', 400)
    })

    test('a field of the wrong type or missing names the field', async () => {
      let res = await post(`${srv.url}/api/v1/client-errors`, JSON.stringify({ message: 42 }))
      assert.equal(res.status, 400)
      let body = await res.json()
      assertErrorBody(body, 'invalid_message', 400)
      assert.equal(body.error.field, 'message')
      res = await post(`${srv.url}/api/v1/client-errors`, JSON.stringify({ page: '/' }))
      body = await res.json()
      assert.equal(body.error.field, 'message')
      res = await post(`${srv.url}/api/v1/client-errors`, JSON.stringify(['message']))
      assert.equal(res.status, 400)
      assertErrorBody(await res.json(), 'invalid_body', 400)
      res = await post(`${srv.url}/api/v1/client-errors`, JSON.stringify({ message: '长'.repeat(501) }))
      body = await res.json()
      assert.equal(body.error.field, 'message')
      assert.match(body.error.message, /500/)
    })

    test('a body over the limit is 413 before it is read', async () => {
      // announce 2 GB, send nothing of it: the answer must come at once
      const res = await rawRequest(
        srv.url,
        'POST /api/v1/client-errors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2147483648\r\n\r\n',
      )
      assert.equal(res.status, 413)
      assertErrorBody(JSON.parse(res.body.slice(res.body.indexOf('{'), res.body.lastIndexOf('}') + 1)), 'payload_too_large', 413)
    })

    test('a chunked body that grows over the limit is 413', async () => {
      const chunk = 'x'.repeat(64 * 1024)
      let text = 'POST /api/v1/client-errors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'
      for (let i = 0; i < 20; i++) text += chunk.length.toString(16) + '\r\n' + chunk + '\r\n'
      text += '0\r\n\r\n'
      const res = await rawRequest(srv.url, text)
      assert.equal(res.status, 413)
    })

    test('the server keeps serving after all of that', async () => {
      const res = await fetch(`${srv.url}/api/v1/healthz`)
      assert.equal(res.status, 200)
    })

    test('a half-sent body still gets its answer when the rest arrives', async () => {
      const body = JSON.stringify({ message: '分两次发送' })
      const { sock, closed } = await rawConnect(srv.url)
      sock.write(`POST /api/v1/client-errors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`)
      sock.write(body.slice(0, 5))
      await new Promise((r) => setTimeout(r, 100))
      sock.write(body.slice(5))
      const res = await closed
      assert.equal(res.status, 202)
    })
  })
}
