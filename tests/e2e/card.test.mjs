// A member sees their 会员信息 on 我的, shows the 电子会员证 with its QR code, and a
// scanner with no login checks it (GET /me/member, /me/card, /cards/verify); a worker who
// is not a member is told so. Against a real `gonghui serve` with the demo data.
// Run: node --test tests/e2e/card.test.mjs   (needs build/test/gonghui and web/dist, see Makefile)

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { dbKinds, startServer } from '../lib/server.mjs'
import { PHONE, launchBrowser, screenshot } from '../lib/browser.mjs'
import { makeIdCard, maskPhone, randomPhone, waitForSmsCode } from '../lib/people.mjs'

const VISIBLE = { state: 'visible', timeout: 10_000 }

const DEMO_PASSWORD = 'Demo@2026'
const MEMBER_PHONE = '13800000004' // demo-member, 演示会员
const MEMBER_NAME = '演示会员'
const MEMBER_ORG = '西安长安精密仪器有限公司工会'

/** POST a JSON body; resolves {status, body, cookie}. */
async function postJson(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  const text = await res.text()
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  return { status: res.status, body: text ? JSON.parse(text) : null, cookie }
}

/** Log in on the portal's 登录 page (reached from 我的) and land on 我的. */
async function loginThroughPage(page, url, username, password) {
  await page.goto(url + '/me')
  await page.getByTestId('auth-card').waitFor(VISIBLE)
  await page.getByTestId('to-login').tap()
  await page.waitForURL(/\/login/)
  await page.locator('input[name="username"]').fill(username)
  await page.locator('input[name="password"]').fill(password)
  await page.getByRole('button', { name: '登录', exact: true }).tap()
  await page.waitForURL(url + '/me')
}

/** The text of the row data-field=key inside a locator. */
async function rowText(scope, key) {
  return (await scope.locator(`[data-field="${key}"] dd`).innerText()).trim()
}

/** The same token with one character of its signature changed. */
function tamper(token) {
  const i = token.lastIndexOf('.') + 3
  const c = token[i] === 'A' ? 'B' : 'A'
  return token.slice(0, i) + c + token.slice(i + 1)
}

for (const db of dbKinds()) {
  describe(`portal member card (${db})`, () => {
    let server = null
    let browser = null

    before(async () => {
      server = await startServer({ db, demo: true })
      browser = await launchBrowser()
    })

    after(async () => {
      try {
        await browser?.close()
      } finally {
        await server?.stop()
      }
    })

    test('a member sees their data and card, and a scanner without login checks it', async () => {
      const context = await browser.newContext(PHONE)
      const page = await context.newPage()
      const scanner = await browser.newContext(PHONE)
      const scan = await scanner.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      scan.on('pageerror', (e) => errors.push(e.message))
      try {
        await loginThroughPage(page, server.url, MEMBER_PHONE, DEMO_PASSWORD)

        // 我的 → 我的会员信息, code names from GET /codes, numbers masked by the server.
        const member = page.getByTestId('member')
        await member.getByTestId('member-info').waitFor(VISIBLE)
        assert.equal(await member.getAttribute('data-state'), 'ok')
        const info = member.getByTestId('member-info')
        assert.equal(await rowText(info, 'name'), MEMBER_NAME)
        const idCard = await rowText(info, 'id_card')
        assert.match(idCard, /^\d{4}\*{10}\d{3}[\dX]$/, `身份证号 masked: ${idCard}`)
        assert.equal(await rowText(info, 'phone'), maskPhone(MEMBER_PHONE))
        assert.equal(await rowText(info, 'gender'), '男')
        assert.match(await rowText(info, 'birth_date'), /^\d{4}-\d{2}-\d{2}$/)
        assert.equal(await rowText(info, 'ethnicity'), '汉族')
        assert.equal(await rowText(info, 'political'), '中共党员')
        assert.equal(await rowText(info, 'education'), '大学专科')
        assert.equal(await rowText(info, 'employer'), '西安长安精密仪器有限公司')
        assert.equal(await rowText(info, 'org_name'), MEMBER_ORG)
        assert.match(await rowText(info, 'joined_on'), /^\d{4}-\d{2}-\d{2}$/)
        assert.match(await rowText(info, 'card_no'), /^\d{14}$/)
        assert.equal(await rowText(info, 'status'), '正常')
        assert.equal(await page.getByTestId('not-member').count(), 0)
        assert.equal(await page.getByTestId('member-lapsed').count(), 0)
        await screenshot(page, `portal-me-member-${db}`)

        // 电子会员证: the card with its QR code, an <svg> from the server.
        await page.getByTestId('to-card').tap()
        await page.waitForURL(server.url + '/card/mine')
        const card = page.getByTestId('member-card')
        await card.waitFor(VISIBLE)
        await card.getByTestId('card-qr').locator('svg').waitFor(VISIBLE)
        assert.equal((await card.getByTestId('card-name').innerText()).trim(), MEMBER_NAME)
        assert.equal(await rowText(card, 'org_name'), MEMBER_ORG)
        assert.equal(await rowText(card, 'status'), '正常')
        assert.equal(await card.getAttribute('data-current'), 'yes')
        await card.getByText('二维码 24 小时内有效，出示给工作人员扫码核验').waitFor(VISIBLE)
        assert.equal(await page.getByTestId('card-lapsed').count(), 0)
        const box = await card.getByTestId('card-qr').boundingBox()
        assert.ok(box && box.width >= 200 && box.height >= 200, `the QR code is large enough to scan: ${JSON.stringify(box)}`)
        await screenshot(page, `portal-card-mine-${db}`)

        const verifyUrl = await card.getAttribute('data-verify-url')
        assert.ok(verifyUrl.startsWith(server.url + '/card?t='), `verify URL on this host: ${verifyUrl}`)
        // the same as the server's answer to the page's session
        const api = await page.request.get(server.url + '/api/v1/me/card')
        assert.equal(api.status(), 200)
        const answer = await api.json()
        assert.equal(new URL(answer.verify_url).pathname, '/card')
        assert.equal(answer.name, MEMBER_NAME)

        // 刷新 asks for a new code.
        const again = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/card') && r.status() === 200)
        await page.getByTestId('card-refresh').tap()
        await again
        await page.locator('.van-toast').getByText('二维码已刷新').waitFor(VISIBLE)
        await card.getByTestId('card-qr').locator('svg').waitFor(VISIBLE)

        // A scanner with no login opens the URL in the QR code.
        await scan.goto(verifyUrl)
        const result = scan.getByTestId('verify-result')
        await result.waitFor(VISIBLE)
        assert.equal((await scan.getByTestId('verify-verdict').innerText()).trim(), '有效会员证')
        assert.equal(await result.getAttribute('data-valid'), 'yes')
        const details = scan.getByTestId('verify-details')
        assert.equal(await rowText(details, 'name'), '演*员')
        assert.equal(await rowText(details, 'org_name'), MEMBER_ORG)
        assert.equal(await rowText(details, 'status'), '正常')
        assert.match(await rowText(details, 'checked_at'), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
        const scanText = await scan.locator('body').innerText()
        assert.ok(!scanText.includes(MEMBER_NAME), 'the scanner sees the masked name only')
        assert.ok(!scanText.includes(idCard.slice(0, 4) + '*'), 'and no 身份证号')
        await screenshot(scan, `portal-card-verify-ok-${db}`)

        // An altered token is not ours.
        const token = new URL(verifyUrl).searchParams.get('t')
        const forged = new URL(verifyUrl)
        forged.searchParams.set('t', tamper(token))
        await scan.goto(forged.toString())
        await scan.getByTestId('verify-result').waitFor(VISIBLE)
        assert.equal((await scan.getByTestId('verify-verdict').innerText()).trim(), '无效')
        assert.equal(await scan.getByTestId('verify-result').getAttribute('data-valid'), 'no')
        assert.ok((await scan.getByTestId('verify-reason').innerText()).trim().length > 0, 'the server’s reason is shown')
        assert.equal(await scan.getByTestId('verify-details').count(), 0)
        await screenshot(scan, `portal-card-verify-bad-${db}`)

        assert.deepEqual(errors, [])
      } finally {
        await scanner.close()
        await context.close()
      }
    })

    test('a card whose membership has ended says so, and checks as 无效', async () => {
      // A cadre of the member's union records that the member has left (工会章程: 退会).
      const cadre = await postJson(server.url + '/api/v1/auth/login', { username: 'demo-base', password: DEMO_PASSWORD })
      assert.equal(cadre.status, 200)
      const headers = { cookie: cadre.cookie, Accept: 'application/json' }
      const list = await fetch(server.url + '/api/v1/members?q=' + encodeURIComponent(MEMBER_NAME), { headers })
      assert.equal(list.status, 200)
      const record = (await list.json()).items.find((m) => m.name === MEMBER_NAME)
      assert.ok(record, 'the demo member is in the cadre’s list')
      const patched = await fetch(server.url + '/api/v1/members/' + record.id, {
        method: 'PATCH',
        headers: { ...headers, 'Content-Type': 'application/json', 'X-CSRF-Token': cadre.body.csrf_token },
        body: JSON.stringify({ status: 'left', version: record.version }),
      })
      assert.equal(patched.status, 200, await patched.clone().text())

      const context = await browser.newContext(PHONE)
      const page = await context.newPage()
      const scanner = await browser.newContext(PHONE)
      const scan = await scanner.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      scan.on('pageerror', (e) => errors.push(e.message))
      try {
        await loginThroughPage(page, server.url, MEMBER_PHONE, DEMO_PASSWORD)
        const info = page.getByTestId('member-info')
        await info.waitFor(VISIBLE)
        assert.equal(await rowText(info, 'status'), '已退会')
        await page.getByTestId('member-lapsed').waitFor(VISIBLE)

        await page.getByTestId('to-card').tap()
        await page.waitForURL(server.url + '/card/mine')
        const card = page.getByTestId('member-card')
        await card.waitFor(VISIBLE)
        assert.equal(await card.getAttribute('data-current'), 'no')
        const notice = page.getByTestId('card-lapsed')
        await notice.waitFor(VISIBLE)
        assert.match(await notice.innerText(), /已退会.*不是有效会员/s)
        await screenshot(page, `portal-card-lapsed-${db}`)

        await scan.goto(await card.getAttribute('data-verify-url'))
        await scan.getByTestId('verify-result').waitFor(VISIBLE)
        assert.equal((await scan.getByTestId('verify-verdict').innerText()).trim(), '无效')
        assert.match(await scan.getByTestId('verify-reason').innerText(), /会籍/)
        const details = scan.getByTestId('verify-details')
        assert.equal(await rowText(details, 'name'), '演*员')
        assert.equal(await rowText(details, 'status'), '已退会')
        await screenshot(scan, `portal-card-verify-lapsed-${db}`)

        assert.deepEqual(errors, [])
      } finally {
        await scanner.close()
        await context.close()
        // put the demo member back
        const back = await fetch(server.url + '/api/v1/members/' + record.id, { headers })
        const now = await back.json()
        await fetch(server.url + '/api/v1/members/' + record.id, {
          method: 'PATCH',
          headers: { ...headers, 'Content-Type': 'application/json', 'X-CSRF-Token': cadre.body.csrf_token },
          body: JSON.stringify({ status: 'normal', version: now.version }),
        })
      }
    })

    test('a logged-in worker who is not a member is told so', async () => {
      // A fresh worker registers (through the API; the page flow is register.test.mjs's)…
      const phone = randomPhone()
      const password = `Gh-${randomInt(100000, 999999)}-pw`
      const since = server.logs().length
      const sent = await postJson(server.url + '/api/v1/auth/sms-code', { phone, purpose: 'register' })
      assert.equal(sent.status, 202, JSON.stringify(sent.body))
      const code = await waitForSmsCode(server, phone, 'register', { since })
      const notice = await (await fetch(server.url + '/api/v1/auth/notice')).json()
      const reg = await postJson(server.url + '/api/v1/auth/register', {
        phone,
        real_name: '赵卫东',
        id_card: makeIdCard(),
        password,
        sms_code: code,
        notice_version: notice.version,
      })
      assert.equal(reg.status, 201, JSON.stringify(reg.body))

      // …and logs in on the portal.
      const context = await browser.newContext(PHONE)
      const page = await context.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      try {
        await loginThroughPage(page, server.url, phone, password)
        const none = page.getByTestId('not-member')
        await none.waitFor(VISIBLE)
        await none.getByText('您还不是工会会员', { exact: true }).waitFor(VISIBLE)
        // the server's message (its 您还不是工会会员 is the card's headline)
        await none.getByText('可以在“我要入会”中申请').waitFor(VISIBLE)
        await none.getByTestId('to-join').waitFor(VISIBLE)
        assert.equal(await page.getByTestId('member').getAttribute('data-state'), 'not_member')
        assert.equal(await page.getByTestId('to-card').count(), 0)
        // the account's own data is still there
        await page.getByTestId('profile').getByText(maskPhone(phone)).waitFor(VISIBLE)
        await screenshot(page, `portal-me-not-member-${db}`)

        await none.getByTestId('to-join').tap()
        await page.waitForURL(server.url + '/apply/join')
        await page.getByTestId('join-form').waitFor(VISIBLE)

        // 电子会员证 from the list says the same.
        await page.goto(server.url + '/card/mine')
        const none2 = page.getByTestId('not-member')
        await none2.getByText('您还不是工会会员', { exact: true }).waitFor(VISIBLE)
        await none2.getByText('可以在“我要入会”中申请').waitFor(VISIBLE)
        await none2.getByTestId('to-join').waitFor(VISIBLE)
        await screenshot(page, `portal-card-not-member-${db}`)

        assert.deepEqual(errors, [])
      } finally {
        await context.close()
      }
    })
  })
}
