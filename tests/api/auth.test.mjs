// Registration, login, sessions, CSRF, password change, lockout, rate limit and
// two-factor (docs/api/accounts.md, "Sessions and CSRF"), on both databases.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { Client, idCard, login, newPerson, registerWorker, smsCode, totpCode } from '../lib/client.mjs'
import { dbKinds, startServer } from '../lib/server.mjs'

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const maskedPhone = (p) => p.slice(0, 3) + '****' + p.slice(7)
const maskedCard = (c) => c.slice(0, 4) + '*'.repeat(10) + c.slice(14)

/** A client that carries `c`'s cookie but no CSRF token, like a cross-site form post. */
function withoutCsrf(c) {
  const bare = new Client(c.base)
  bare.cookie = c.cookie
  return bare
}

/** A client on a fixed cookie value, whatever the server answers. */
function onCookie(base, cookie) {
  const c = new Client(base)
  c.cookie = cookie
  return c
}

/** A 6-digit code that is none of the codes valid around now (±1 step, as the server allows). */
function wrongTotp(secret) {
  const now = Math.floor(Date.now() / 1000)
  const valid = new Set([-60, -30, 0, 30, 60].map((d) => totpCode(secret, now + d)))
  for (let i = 0; ; i++) {
    const c = String((Number(totpCode(secret, now)) + 1 + i * 7919) % 1_000_000).padStart(6, '0')
    if (!valid.has(c)) return c
  }
}

/** Waits, if needed, so that the next few seconds fall in one fixed window of the server's rate limits. */
async function freshWindow(seconds = 60, margin = 8) {
  const s = (Date.now() / 1000) % seconds
  if (s > seconds - margin) await sleep((seconds - s + 0.3) * 1000)
}

/** Logs in with a password and finishes the TOTP step; returns the client. */
async function loginWithTotp(srv, username, password, secret) {
  const c = new Client(srv.url)
  const first = await c.post('/auth/login', { username, password })
  assert.equal(first.status, 200, JSON.stringify(first.body))
  assert.equal(first.body.mfa_required, true)
  const done = await c.post('/auth/mfa', { code: totpCode(secret) })
  assert.equal(done.status, 200, JSON.stringify(done.body))
  return c
}

/** Registers a worker and turns on an authenticator for it; returns {…worker, secret}. */
async function workerWithTotp(srv) {
  const w = await registerWorker(srv)
  const start = await w.client.post('/me/totp', { password: w.password })
  assert.equal(start.status, 200, JSON.stringify(start.body))
  const secret = start.body.secret
  // confirm with the previous step's code (still accepted), so the current one is fresh for a login
  const ok = await w.client.post('/me/totp/confirm', { code: totpCode(secret, Math.floor(Date.now() / 1000) - 30) })
  assert.equal(ok.status, 200, JSON.stringify(ok.body))
  return { ...w, secret }
}

for (const db of dbKinds()) {
  describe(`auth (${db})`, () => {
    let srv
    before(async () => {
      // the limits are tested on a server of their own below
      srv = await startServer({
        db,
        demo: true,
        args: ['--login-rate-per-minute', '1000', '--register-rate-per-hour', '1000'],
      })
    })
    after(async () => {
      await srv?.stop()
    })

    test('the 个人信息保护告知 has a version, a title and a text', async () => {
      const res = await new Client(srv.url).get('/auth/notice')
      assert.equal(res.status, 200)
      assert.match(res.body.version, /\S/)
      assert.equal(res.body.title, '个人信息保护告知')
      assert.match(res.body.text, /身份证号/)
    })

    test('a worker registers end to end and is logged in at once', async () => {
      const { phone, idCard: card } = newPerson()
      const c = new Client(srv.url)
      const sent = await c.post('/auth/sms-code', { phone, purpose: 'register' })
      assert.equal(sent.status, 202, JSON.stringify(sent.body))
      assert.deepEqual(sent.body, { expires_in: 300, resend_after: 60 })
      const code = await smsCode(srv, phone)
      const notice = await c.get('/auth/notice')

      const res = await c.post('/auth/register', {
        phone,
        real_name: '张建国',
        id_card: card,
        password: 'Worker2026',
        sms_code: code,
        notice_version: notice.body.version,
      })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      assert.match(res.body.csrf_token, /^\S{16,}$/)
      const a = res.body.account
      assert.equal(a.real_name, '张建国')
      assert.equal(a.kind, 'worker')
      assert.equal(a.phone, maskedPhone(phone))
      assert.match(a.phone, /^137\*{4}\d{4}$/)
      assert.equal(a.id_card, maskedCard(card))
      assert.equal(a.must_change_password, false)
      assert.equal(a.totp_enabled, false)
      // neither the full phone nor the full 身份证号 comes back, or goes to the log
      assert.ok(!JSON.stringify(res.body).includes(phone))
      assert.ok(!JSON.stringify(res.body).includes(card))
      assert.ok(!srv.logs().includes(phone), 'full phone number in the server log')
      assert.ok(!srv.logs().includes(card), 'full 身份证号 in the server log')

      const cookie = res.headers.get('set-cookie')
      assert.match(cookie, /gh_session=[^;]{43}/)
      assert.match(cookie, /HttpOnly/i)
      assert.match(cookie, /SameSite=Lax/i)
      assert.match(cookie, /Path=\//)

      const me = await c.get('/me')
      assert.equal(me.status, 200, JSON.stringify(me.body))
      assert.equal(me.body.account.id, a.id)
      assert.equal(me.body.account.phone, maskedPhone(phone))
      assert.equal(me.body.member, null)
      assert.deepEqual(me.body.bindings, [])
      assert.deepEqual(me.body.permissions, [])
    })

    test('register names the field that is wrong', async () => {
      const c = new Client(srv.url)
      const version = (await c.get('/auth/notice')).body.version
      const { phone, idCard: card } = newPerson()
      const base = { phone, real_name: '李卫东', id_card: card, password: 'Worker2026', sms_code: '000000', notice_version: version }

      // a 身份证号 with a wrong check character
      const last = card[17]
      const wrongCheck = card.slice(0, 17) + ('10X98765432'.split('').find((ch) => ch !== last && ch !== 'X'))
      let res = await c.post('/auth/register', { ...base, id_card: wrongCheck })
      assert.equal(res.status, 400)
      assert.equal(res.body.error.field, 'id_card')
      assert.match(res.body.error.message, /校验位/)

      for (const bad of ['1380013800', '12345678901', '1380013800x']) {
        res = await c.post('/auth/register', { ...base, phone: bad })
        assert.equal(res.status, 400, bad)
        assert.equal(res.body.error.field, 'phone', bad)
      }

      res = await c.post('/auth/register', { ...base, notice_version: '2000-01' })
      assert.equal(res.status, 400)
      assert.equal(res.body.error.field, 'notice_version')

      // a wrong SMS code, then the right one: one wrong guess does not spend the code
      const sent = await c.post('/auth/sms-code', { phone, purpose: 'register' })
      assert.equal(sent.status, 202)
      const code = await smsCode(srv, phone)
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0')
      res = await c.post('/auth/register', { ...base, sms_code: wrong })
      assert.equal(res.status, 400)
      assert.equal(res.body.error.field, 'sms_code')
      assert.equal(c.cookie, null, 'no session for a refused registration')

      res = await c.post('/auth/register', { ...base, sms_code: code })
      assert.equal(res.status, 201, JSON.stringify(res.body))
    })

    test('a phone or 身份证号 already registered is 409 already_registered', async () => {
      const w = await registerWorker(srv)
      const c = new Client(srv.url)
      let res = await c.post('/auth/sms-code', { phone: w.phone, purpose: 'register' })
      assert.equal(res.status, 409)
      assert.equal(res.body.error.code, 'already_registered')
      assert.equal(res.body.error.field, 'phone')

      // a new phone with a right code, but someone's 身份证号
      const { phone } = newPerson()
      assert.equal((await c.post('/auth/sms-code', { phone, purpose: 'register' })).status, 202)
      const code = await smsCode(srv, phone)
      const version = (await c.get('/auth/notice')).body.version
      res = await c.post('/auth/register', {
        phone,
        real_name: '王小明',
        id_card: w.idCard,
        password: 'Worker2026',
        sms_code: code,
        notice_version: version,
      })
      assert.equal(res.status, 409)
      assert.equal(res.body.error.code, 'already_registered')
      assert.equal(res.body.error.field, 'id_card')
    })

    test('register does not tell a stranger whether a 身份证号 is registered before the SMS code is right', async () => {
      // demo-member's 身份证号 (idCard()'s default); a phone that never got a code
      const c = new Client(srv.url)
      const version = (await c.get('/auth/notice')).body.version
      const { phone } = newPerson()
      const res = await c.post('/auth/register', {
        phone,
        real_name: '某某',
        id_card: idCard(),
        password: 'Worker2026',
        sms_code: '123456',
        notice_version: version,
      })
      assert.equal(res.status, 400, `answered ${res.status} ${JSON.stringify(res.body)}: the 身份证号 is disclosed as registered`)
      assert.equal(res.body.error.field, 'sms_code')
    })

    test('login by phone, by 身份证号 and by account name', async () => {
      const w = await registerWorker(srv)
      for (const username of [w.phone, w.idCard]) {
        const c = new Client(srv.url)
        const res = await c.post('/auth/login', { username, password: w.password })
        assert.equal(res.status, 200, `${username}: ${JSON.stringify(res.body)}`)
        assert.equal(res.body.mfa_required, false)
        assert.equal(res.body.account.id, w.account.id)
        assert.match(res.body.csrf_token, /\S{16,}/)
        assert.equal((await c.get('/me')).body.account.id, w.account.id)
      }
      const x = new Client(srv.url)
      const res = await x.post('/auth/login', { username: 'demo-xian', password: 'Demo@2026' })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal(res.body.account.username, 'demo-xian')
      assert.equal(res.body.account.kind, 'cadre')
      assert.equal((await x.get('/me')).body.account.username, 'demo-xian')
    })

    test('a wrong password and an unknown account get the same answer, which states the lockout rule', async () => {
      const w = await registerWorker(srv)
      const c = new Client(srv.url)
      const wrong = await c.post('/auth/login', { username: w.phone, password: 'Wrong-2026' })
      assert.equal(wrong.status, 401)
      assert.equal(wrong.body.error.code, 'bad_credentials')
      assert.match(wrong.body.error.message, /连续输错 5 次，账号将锁定 15 分钟/)
      assert.equal(c.cookie, null)
      const unknown = await new Client(srv.url).post('/auth/login', { username: 'nobody-here', password: 'Wrong-2026' })
      assert.equal(unknown.status, 401)
      assert.deepEqual({ ...unknown.body.error, request_id: '' }, { ...wrong.body.error, request_id: '' }, 'the answer tells nobody who has an account')
      // a good login starts the count again: four more wrong ones do not lock
      assert.equal((await c.post('/auth/login', { username: w.phone, password: w.password })).status, 200)
      for (let i = 0; i < 4; i++) assert.equal((await new Client(srv.url).post('/auth/login', { username: w.phone, password: 'Wrong-2026' })).body.error.code, 'bad_credentials')
    })

    test('five wrong passwords in a row lock the account; the right one is refused until unlocked', async () => {
      const w = await registerWorker(srv)
      const c = new Client(srv.url)
      for (let i = 1; i <= 4; i++) {
        const res = await c.post('/auth/login', { username: w.phone, password: `Wrong-${i}-x` })
        assert.equal(res.status, 401)
        assert.equal(res.body.error.code, 'bad_credentials', `try ${i}`)
      }
      let res = await c.post('/auth/login', { username: w.phone, password: 'Wrong-5-x' })
      assert.equal(res.status, 401)
      assert.equal(res.body.error.code, 'account_locked')

      res = await c.post('/auth/login', { username: w.phone, password: w.password })
      assert.equal(res.status, 401)
      assert.equal(res.body.error.code, 'account_locked')
      assert.equal(c.cookie, null)
      res = await c.post('/auth/login', { username: w.idCard, password: w.password })
      assert.equal(res.status, 401, 'locked by phone, locked by 身份证号 too')
      // the security admin unlocks it
      const sec = await login(srv, 'demo-secadmin')
      const un = await sec.post(`/accounts/${w.account.id}/unlock`)
      assert.equal(un.status, 200, JSON.stringify(un.body))
      res = await c.post('/auth/login', { username: w.phone, password: w.password })
      assert.equal(res.status, 200, JSON.stringify(res.body))
    })

    test('logout ends the session: the old cookie gets 401', async () => {
      const w = await registerWorker(srv)
      const c = await login(srv, w.phone, w.password)
      const cookie = c.cookie
      assert.equal((await c.get('/me')).status, 200)
      const res = await c.post('/auth/logout')
      assert.equal(res.status, 200)
      assert.deepEqual(res.body, {})
      assert.match(res.headers.get('set-cookie'), /gh_session=;.*Max-Age=0/)
      const old = await onCookie(srv.url, cookie).get('/me')
      assert.equal(old.status, 401)
      // the registration's own session is untouched
      assert.equal((await w.client.get('/me')).status, 200)
    })

    test('a tampered or missing session cookie gets 401', async () => {
      const w = await registerWorker(srv)
      const token = w.client.cookie.slice('gh_session='.length)
      const flip = (ch) => (ch === 'A' ? 'B' : 'A')
      for (const bad of [
        token.slice(0, 20) + flip(token[20]) + token.slice(21),
        token.slice(0, -1) + flip(token.at(-1)),
        token.slice(0, -1),
        token + 'A',
        '',
      ]) {
        const res = await onCookie(srv.url, `gh_session=${bad}`).get('/me')
        assert.equal(res.status, 401, `cookie ${bad}`)
        assert.equal(res.body.account, undefined)
      }
      const none = await new Client(srv.url).get('/me')
      assert.equal(none.status, 401)
      assert.equal(none.body.error.code, 'unauthenticated')
      assert.equal((await w.client.get('/me')).status, 200)
    })

    test('a cookie-authenticated write without the CSRF token is 403 csrf_required and does nothing', async () => {
      const w = await registerWorker(srv)
      const other = await login(srv, w.phone, w.password)
      const bare = withoutCsrf(w.client)
      let res = await bare.post('/auth/logout')
      assert.equal(res.status, 403)
      assert.equal(res.body.error.code, 'csrf_required')
      res = await bare.post('/auth/password', { old_password: w.password, new_password: 'Changed2026x' })
      assert.equal(res.status, 403)
      assert.equal(res.body.error.code, 'csrf_required')
      // another session's token is no good either
      res = await bare.post('/auth/logout', {}, { 'X-CSRF-Token': other.csrf })
      assert.equal(res.status, 403)
      assert.equal(res.body.error.code, 'csrf_required')
      // still logged in, password unchanged
      assert.equal((await w.client.get('/me')).status, 200)
      assert.equal((await new Client(srv.url).post('/auth/login', { username: w.phone, password: w.password })).status, 200)
    })

    test('my sessions: two logins, one current; revoking the other signs it out; another account’s session is 404', async () => {
      const w = await registerWorker(srv)
      assert.equal((await w.client.post('/auth/logout')).status, 200)
      const a = await login(srv, w.phone, w.password)
      const b = await login(srv, w.phone, w.password)

      const list = await a.get('/me/sessions')
      assert.equal(list.status, 200)
      assert.equal(list.body.items.length, 2, JSON.stringify(list.body))
      const current = list.body.items.filter((s) => s.current)
      assert.equal(current.length, 1)
      for (const s of list.body.items) {
        assert.equal(s.ip, '127.0.0.1')
        assert.equal(typeof s.user_agent, 'string')
        assert.ok(s.created_at > 0 && s.last_seen_at >= s.created_at)
      }
      const bList = await b.get('/me/sessions')
      const bCurrent = bList.body.items.find((s) => s.current)
      assert.notEqual(bCurrent.id, current[0].id)

      const res = await a.del(`/me/sessions/${bCurrent.id}`)
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal((await b.get('/me')).status, 401)
      assert.equal((await a.get('/me')).status, 200)
      assert.deepEqual((await a.get('/me/sessions')).body.items.map((s) => s.id), [current[0].id])

      const m = await login(srv, 'demo-member')
      const mine = (await m.get('/me/sessions')).body.items.find((s) => s.current)
      const theirs = await a.del(`/me/sessions/${mine.id}`)
      assert.equal(theirs.status, 404)
      assert.equal((await m.get('/me')).status, 200, 'the other account is still logged in')
      assert.equal((await a.del('/me/sessions/999999')).status, 404)
    })

    test('password change: wrong old password, weak new cadre password, and success signs out the other sessions', async () => {
      const a = await login(srv, 'demo-base')
      const b = await login(srv, 'demo-base')
      let res = await a.post('/auth/password', { old_password: 'Not-the-one1', new_password: 'Strong#Pass2026' })
      assert.equal(res.status, 400)
      assert.equal(res.body.error.field, 'old_password')

      // two kinds of character are enough for a worker, not for a cadre
      for (const weak of ['abcdefgh12', 'Short1!', 'xDemo-Base#2026']) {
        res = await a.post('/auth/password', { old_password: 'Demo@2026', new_password: weak })
        assert.equal(res.status, 400, weak)
        assert.equal(res.body.error.field, 'new_password', weak)
      }
      assert.equal((await b.get('/me')).status, 200, 'refused changes sign nobody out')

      res = await a.post('/auth/password', { old_password: 'Demo@2026', new_password: 'Strong#Pass2026' })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal((await b.get('/me')).status, 401, 'the other session is revoked')
      assert.equal((await a.get('/me')).status, 200, 'the session that changed it stays')
      res = await new Client(srv.url).post('/auth/login', { username: 'demo-base', password: 'Demo@2026' })
      assert.equal(res.status, 401)
      await login(srv, 'demo-base', 'Strong#Pass2026')

      const w = await registerWorker(srv)
      res = await w.client.post('/auth/password', { old_password: w.password, new_password: 'abcdefgh12' })
      assert.equal(res.status, 200, `a worker may use two kinds: ${JSON.stringify(res.body)}`)
    })

    test('two-factor with an authenticator: enrol, then a login needs the code', async () => {
      const w = await registerWorker(srv)
      const start = await w.client.post('/me/totp', { password: w.password })
      assert.equal(start.status, 200, JSON.stringify(start.body))
      const { secret, otpauth_uri: uri } = start.body
      assert.match(secret, /^[A-Z2-7]{32}$/)
      assert.match(uri, /^otpauth:\/\/totp\//)
      assert.ok(uri.includes(`secret=${secret}`), uri)
      assert.match(uri, /[?&]issuer=/)

      let res = await w.client.post('/me/totp/confirm', { code: wrongTotp(secret) })
      assert.equal(res.status, 400)
      assert.equal(res.body.error.field, 'code')
      assert.equal((await w.client.get('/me')).body.account.totp_enabled, false)
      res = await w.client.post('/me/totp/confirm', { code: totpCode(secret, Math.floor(Date.now() / 1000) - 30) })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal((await w.client.get('/me')).body.account.totp_enabled, true)

      const c = new Client(srv.url)
      res = await c.post('/auth/login', { username: w.phone, password: w.password })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal(res.body.mfa_required, true)
      assert.ok(res.body.mfa_methods.includes('totp'), JSON.stringify(res.body))
      assert.equal(res.body.account, undefined)
      for (const path of ['/me', '/me/sessions']) {
        const half = await c.get(path)
        assert.equal(half.status, 401, path)
        assert.equal(half.body.error.code, 'mfa_required', path)
      }
      assert.equal((await c.post('/me/totp')).status, 401, 'no re-enrolment half logged in')

      res = await c.post('/auth/mfa', { code: wrongTotp(secret) })
      assert.equal(res.status, 400)
      assert.equal(res.body.error.field, 'code')
      assert.equal((await c.get('/me')).status, 401)

      res = await c.post('/auth/mfa', { code: totpCode(secret) })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal(res.body.mfa_required, false)
      assert.equal(res.body.account.id, w.account.id)
      const me = await c.get('/me')
      assert.equal(me.status, 200)
      assert.equal(me.body.account.totp_enabled, true)
    })

    test('a half-logged-in session gets five code guesses, then 429', async () => {
      const w = await workerWithTotp(srv)
      const c = new Client(srv.url)
      assert.equal((await c.post('/auth/login', { username: w.phone, password: w.password })).body.mfa_required, true)
      await freshWindow(600, 5) // the guesses are counted per ten minutes
      for (let i = 0; i < 5; i++) assert.equal((await c.post('/auth/mfa', { code: wrongTotp(w.secret) })).status, 400)
      const res = await c.post('/auth/mfa', { code: totpCode(w.secret) })
      assert.equal(res.status, 429, JSON.stringify(res.body))
      assert.match(res.headers.get('retry-after') ?? '', /^\d+$/)
      assert.equal((await c.get('/me')).status, 401)
    })

    test('a TOTP code is good for one login only (RFC 6238 §5.2: no replay)', async () => {
      const w = await workerWithTotp(srv)
      const code = totpCode(w.secret)
      const first = new Client(srv.url)
      await first.post('/auth/login', { username: w.phone, password: w.password })
      assert.equal((await first.post('/auth/mfa', { code })).status, 200)
      const second = new Client(srv.url)
      await second.post('/auth/login', { username: w.phone, password: w.password })
      const res = await second.post('/auth/mfa', { code })
      assert.equal(res.status, 400, 'the same code was accepted a second time')
    })

    test('starting a new authenticator enrolment does not switch two-factor off', async () => {
      const w = await workerWithTotp(srv)
      const c = await loginWithTotp(srv, w.phone, w.password, w.secret)
      // e.g. someone with a stolen session cookie
      await c.post('/me/totp')
      const res = await new Client(srv.url).post('/auth/login', { username: w.phone, password: w.password })
      assert.equal(res.status, 200)
      assert.equal(res.body.mfa_required, true, 'password alone logged in: POST /me/totp turned two-factor off unconfirmed')
    })
  })

  describe(`login rate limit (${db})`, () => {
    let srv
    before(async () => {
      srv = await startServer({ db, demo: true, args: ['--login-rate-per-minute', '3'] })
    })
    after(async () => {
      await srv?.stop()
    })

    test('the 4th login attempt within a minute is 429 with Retry-After', async () => {
      await freshWindow()
      for (let i = 1; i <= 3; i++) {
        const res = await new Client(srv.url).post('/auth/login', { username: `nobody-${i}`, password: 'Whatever-1' })
        assert.equal(res.status, 401, `attempt ${i}`)
      }
      const c = new Client(srv.url)
      const res = await c.post('/auth/login', { username: 'demo-province', password: 'Demo@2026' })
      assert.equal(res.status, 429, JSON.stringify(res.body))
      assert.equal(res.body.error.code, 'rate_limited')
      const retry = Number(res.headers.get('retry-after'))
      assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After ${res.headers.get('retry-after')}`)
      assert.equal(c.cookie, null, 'no session even with the right password')
    })
  })
}
