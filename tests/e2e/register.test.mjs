// A worker registers on a phone, sees their login devices, logs out and in again
// (docs/api/accounts.md), against a real `gonghui serve`.
// Run: node --test tests/e2e/   (needs build/test/gonghui and web/dist, see Makefile)

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { dbKinds, startServer } from '../lib/server.mjs'
import { PHONE, launchBrowser, screenshot } from '../lib/browser.mjs'
import { makeIdCard, randomPhone, waitForSmsCode, withWrongCheckDigit } from '../lib/people.mjs'

const VISIBLE = { state: 'visible', timeout: 10_000 }
const GONE = { state: 'hidden', timeout: 10_000 }

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄']
const GIVEN = ['建国', '秀英', '卫东', '丽华', '志强', '桂兰', '海峰', '春梅']

for (const db of dbKinds()) {
  describe(`portal registration (${db})`, () => {
    let server = null
    let browser = null

    before(async () => {
      server = await startServer({ db })
      browser = await launchBrowser()
    })

    after(async () => {
      try {
        await browser?.close()
      } finally {
        await server?.stop()
      }
    })

    /** The van-field that holds input[name=…]. */
    const field = (page, name) => page.locator('.van-field', { has: page.locator(`[name="${name}"]`) })

    test('a worker registers, sees this device, logs out and logs in again', async () => {
      const context = await browser.newContext(PHONE)
      const page = await context.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      try {
        const phone = randomPhone()
        const idCard = makeIdCard()
        const name = SURNAMES[randomInt(0, SURNAMES.length)] + GIVEN[randomInt(0, GIVEN.length)]
        const password = `Gh-${randomInt(100000, 999999)}-pw`

        // 我的 (logged out) → 注册
        await page.goto(server.url + '/me')
        await page.getByTestId('auth-card').waitFor(VISIBLE)
        await page.getByTestId('to-register').tap()
        await page.waitForURL(/\/register/)
        await page.getByTestId('register-form').waitFor(VISIBLE)

        await page.locator('input[name="phone"]').fill(phone)
        const logBefore = server.logs().length
        await page.getByRole('button', { name: '获取验证码' }).tap()
        const code = await waitForSmsCode(server, phone, 'register', { since: logBefore })
        await page.getByRole('button', { name: /\d+ 秒后重发/ }).waitFor(VISIBLE)

        await page.locator('input[name="sms_code"]').fill(code)
        await page.locator('input[name="real_name"]').fill(name)
        // First a 身份证号 with a wrong check digit: only the server knows it is wrong.
        await page.locator('input[name="id_card"]').fill(withWrongCheckDigit(idCard))
        await page.locator('input[name="password"]').fill(password)
        await page.locator('input[name="password2"]').fill(password)

        // The notice opens in a popup, and agreeing there ticks the box.
        await page.getByTestId('notice-link').tap()
        const popup = page.locator('.gh-notice')
        await popup.waitFor(VISIBLE)
        await popup.locator('.gh-notice__text').filter({ hasText: /\S{10,}/ }).waitFor(VISIBLE)
        await screenshot(page, `portal-register-notice-${db}`)
        await popup.getByRole('button', { name: '我已阅读并同意' }).tap()
        await popup.waitFor(GONE)
        await page.locator('.gh-agree .van-checkbox__icon--checked').waitFor(VISIBLE)

        await page.getByRole('button', { name: '注册', exact: true }).tap()
        const idError = field(page, 'id_card').locator('.van-field__error-message')
        await idError.waitFor(VISIBLE)
        const idMessage = (await idError.innerText()).trim()
        assert.match(idMessage, /身份证/, 'the server says what is wrong with the 身份证号')
        assert.notEqual(idMessage, '身份证号应为 18 位', 'the message is the server’s, not the length check')
        assert.equal(new URL(page.url()).pathname, '/register', 'still on the form')
        await screenshot(page, `portal-register-bad-id-${db}`)

        // Corrected, the registration goes through and lands on 我的, logged in.
        await page.locator('input[name="id_card"]').fill(idCard)
        await idError.waitFor(GONE)
        await page.getByRole('button', { name: '注册', exact: true }).tap()
        await page.waitForURL(server.url + '/me')
        await page.getByTestId('me-name').getByText(name, { exact: true }).waitFor(VISIBLE)
        const profile = page.getByTestId('profile')
        await profile.getByText(`${phone.slice(0, 3)}****${phone.slice(7)}`).waitFor(VISIBLE)
        assert.ok(!(await profile.innerText()).includes(idCard), 'the 身份证号 is shown masked')
        const sessions = page.getByTestId('sessions')
        await sessions.locator('.gh-session[data-current="yes"]').getByText('本机', { exact: true }).waitFor(VISIBLE)
        await screenshot(page, `portal-me-logged-in-${db}`)

        // The session survives a reload (cookie + CSRF token kept for this tab).
        await page.reload()
        await page.getByTestId('me-name').getByText(name, { exact: true }).waitFor(VISIBLE)

        // 退出登录, with a confirmation.
        await page.getByTestId('logout').tap()
        await page.locator('.van-dialog').getByRole('button', { name: '退出登录' }).tap()
        await page.getByText('您还未登录').waitFor(VISIBLE)
        await page.getByTestId('auth-card').waitFor(VISIBLE)

        // 登录 with the phone number: first a wrong password, whose message the server words.
        await page.getByTestId('to-login').tap()
        await page.waitForURL(/\/login/)
        await page.locator('input[name="username"]').fill(phone)
        await page.locator('input[name="password"]').fill(password + 'x')
        await page.getByRole('button', { name: '登录', exact: true }).tap()
        const formError = page.getByTestId('form-error')
        await formError.waitFor(VISIBLE)
        assert.ok((await formError.innerText()).trim().length > 0)
        await screenshot(page, `portal-login-error-${db}`)

        await page.locator('input[name="password"]').fill(password)
        await page.getByRole('button', { name: '登录', exact: true }).tap()
        await page.waitForURL(server.url + '/me')
        await page.getByTestId('me-name').getByText(name, { exact: true }).waitFor(VISIBLE)
        await sessions.getByText('本机', { exact: true }).waitFor(VISIBLE)
        await screenshot(page, `portal-me-again-${db}`)

        assert.deepEqual(errors, [])
      } finally {
        await context.close()
      }
    })
  })
}
