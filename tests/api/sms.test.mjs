// The production SMS driver: codes go to the configured HTTP gateway as the
// JSON template says, and a gateway failure is a clear 503, not a lost code.
import assert from 'node:assert/strict'
import http from 'node:http'
import { after, before, describe, test } from 'node:test'

import { Client } from '../lib/client.mjs'
import { startServer } from '../lib/server.mjs'

describe('SMS through an HTTP gateway', () => {
  let gateway, received, failNext, srv
  before(async () => {
    received = []
    failNext = false
    gateway = http.createServer((req, res) => {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => {
        received.push({ type: req.headers['content-type'], body: JSON.parse(body) })
        res.statusCode = failNext ? 500 : 200
        res.end('{}')
      })
    })
    await new Promise((r) => gateway.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${gateway.address().port}/send`
    srv = await startServer({
      args: ['--sms-driver', 'http', '--sms-http-url', url, '--sms-http-template', '{"mobile":"{phone}","content":"{text}","sign":"陕西网上工会"}'],
    })
  })
  after(async () => {
    await srv?.stop()
    gateway?.close()
  })

  test('a registration code is posted to the gateway with the template filled in', async () => {
    const c = new Client(srv.url)
    const res = await c.post('/auth/sms-code', { phone: '13912345678', purpose: 'register' })
    assert.equal(res.status, 202)
    assert.equal(received.length, 1)
    assert.match(received[0].type, /application\/json/)
    assert.equal(received[0].body.mobile, '13912345678')
    assert.equal(received[0].body.sign, '陕西网上工会')
    assert.match(received[0].body.content, /验证码是 \d{6}，5 分钟内有效/)
    // the code never reaches the log when a real gateway is used
    assert.doesNotMatch(srv.logs(), /code \d{6}/)
  })

  test('a failing gateway answers 503 with a message people understand', async () => {
    failNext = true
    const res = await new Client(srv.url).post('/auth/sms-code', { phone: '13912345679', purpose: 'register' })
    assert.equal(res.status, 503)
    assert.equal(res.body.error.code, 'sms_unavailable')
    assert.match(res.body.error.message, /短信发送失败/)
    // nothing was sent, so asking again at once is allowed
    failNext = false
    const again = await new Client(srv.url).post('/auth/sms-code', { phone: '13912345679', purpose: 'register' })
    assert.equal(again.status, 202)
  })
})
