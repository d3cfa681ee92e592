// The whole membership flow through both apps (docs/api/applications.md): a worker
// registers on a phone and applies to join 西安长安精密仪器有限公司工会; its cadre (demo-base)
// approves in the console; the worker reads the approval message and opens the
// 电子会员证. Then the worker applies to transfer to 宝鸡渭滨新材钛业有限公司工会 (another
// city): demo-base releases the member in the console, and a 宝鸡 cadre (an account
// demo-province opens for that union) accepts; the worker's card shows the new union.
// Needs the demo data (`gonghui seed --demo`).
// Run: node --test tests/e2e/membership-flow.test.mjs   (needs build/test/gonghui and web/dist)

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { dbKinds, startServer } from '../lib/server.mjs'
import { DESKTOP, PHONE, consoleLogin, launchBrowser, screenshot } from '../lib/browser.mjs'
import { Client, login } from '../lib/client.mjs'
import { makeIdCard, randomPhone, waitForSmsCode } from '../lib/people.mjs'

const VISIBLE = { state: 'visible', timeout: 10_000 }
const GONE = { state: 'hidden', timeout: 10_000 }
const DEMO_PASSWORD = 'Demo@2026'
const OLD_ORG = '西安长安精密仪器有限公司工会'
const NEW_ORG = '宝鸡渭滨新材钛业有限公司工会'
const WORKER = '马志远'
const BAOJI_USER = 'baoji-base'
const BAOJI_PASSWORD = 'Baoji#Ok2026'

for (const db of dbKinds()) {
  describe(`membership flow: join and transfer through portal and console (${db})`, () => {
    let server = null
    let browser = null
    let phone = null
    let worker = null
    let cadre = null
    const errors = []
    const person = { phone: randomPhone(), idCard: makeIdCard(), password: `Gh-${randomInt(100000, 999999)}-pw` }

    before(async () => {
      server = await startServer({ db, demo: true, args: ['--login-rate-per-minute', '1000', '--register-rate-per-hour', '1000'] })
      browser = await launchBrowser()
      phone = await (await browser.newContext(PHONE)).newPage()
      phone.on('pageerror', (e) => errors.push(`portal: ${e.message}`))
      cadre = await browser.newContext(DESKTOP)
    })

    after(async () => {
      try {
        await browser?.close()
      } finally {
        await server?.stop()
      }
      assert.deepEqual(errors, [], 'no errors on the pages')
    })

    /** A console page on 待办, logging in as `username` when the context has no session yet. */
    async function consoleInbox(context, username, password) {
      const page = await context.newPage()
      page.on('pageerror', (e) => errors.push(`console: ${e.message}`))
      await page.goto(server.url + '/admin/inbox')
      await page.locator('[data-testid="login-card"], [data-testid="inbox-table"]').first().waitFor(VISIBLE)
      if (await page.getByTestId('login-card').isVisible()) {
        await consoleLogin(page, username, password)
        await page.waitForURL(server.url + '/admin/inbox')
      }
      await page.getByTestId('inbox-table').waitFor(VISIBLE)
      return page
    }

    /** In 待办, open the worker's application and approve it. */
    async function approveIn(page, typeName, shot) {
      const row = page
        .getByTestId('inbox-table')
        .locator('.el-table__body .el-table__row', { has: page.getByTestId('inbox-applicant').getByText(WORKER, { exact: true }) })
      await row.waitFor(VISIBLE)
      assert.match(await row.innerText(), new RegExp(typeName))
      await row.getByTestId('inbox-open').click()
      await page.waitForURL(/\/admin\/applications\/\d+$/)
      await page.getByTestId('app-title').getByText(`${typeName} · ${WORKER}`).waitFor(VISIBLE)
      await screenshot(page, `${shot}-detail-${db}`)
      await page.getByTestId('action-approve').click()
      const dialog = page.getByTestId('action-dialog')
      await dialog.waitFor(VISIBLE)
      await dialog.getByTestId('action-confirm').click()
      await dialog.waitFor(GONE)
      await page.getByTestId('app-done').waitFor(VISIBLE)
      return Number(page.url().split('/').pop())
    }

    test('a worker registers on the phone and applies to join', async () => {
      await phone.goto(server.url + '/me')
      await phone.getByTestId('auth-card').waitFor(VISIBLE)
      await phone.getByTestId('to-register').tap()
      await phone.getByTestId('register-form').waitFor(VISIBLE)
      await phone.locator('input[name="phone"]').fill(person.phone)
      const since = server.logs().length
      await phone.getByRole('button', { name: '获取验证码' }).tap()
      const code = await waitForSmsCode(server, person.phone, 'register', { since })
      await phone.locator('input[name="sms_code"]').fill(code)
      await phone.locator('input[name="real_name"]').fill(WORKER)
      await phone.locator('input[name="id_card"]').fill(person.idCard)
      await phone.locator('input[name="password"]').fill(person.password)
      await phone.locator('input[name="password2"]').fill(person.password)
      await phone.getByTestId('notice-link').tap()
      const notice = phone.locator('.gh-notice')
      await notice.waitFor(VISIBLE)
      await notice.getByRole('button', { name: '我已阅读并同意' }).tap()
      await notice.waitFor(GONE)
      await phone.getByRole('button', { name: '注册', exact: true }).tap()
      await phone.waitForURL(server.url + '/me')
      await phone.getByTestId('me-name').getByText(WORKER, { exact: true }).waitFor(VISIBLE)
      worker = await login(server, person.phone, person.password)

      // 服务 → 入会: the union found by a part of the employer's name
      await phone.goto(server.url + '/services')
      await phone.locator('[data-service="join"]').tap()
      await phone.waitForURL(server.url + '/apply/join')
      await phone.getByTestId('join-form').waitFor(VISIBLE)
      const picker = phone.getByTestId('employer-picker')
      await picker.locator('input[type="search"]').fill('长安精密')
      await picker.getByTestId('employer-search-go').tap()
      await picker.getByTestId('employer-results').locator('button', { hasText: OLD_ORG }).first().tap()
      await picker.getByTestId('employer-chosen').waitFor(VISIBLE)
      await phone.getByTestId('submit').tap()
      await phone.waitForURL(/\/applications\/\d+$/)
      await phone.locator('[data-testid="app-head"][data-state="pending"]').waitFor(VISIBLE)
      assert.match(await phone.getByTestId('app-now').innerText(), new RegExp(OLD_ORG))
      await screenshot(phone, `flow-join-pending-${db}`)
    })

    test('demo-base approves the join in the console; the worker reads the message and opens the card', async () => {
      const page = await consoleInbox(cadre, 'demo-base', DEMO_PASSWORD)
      await screenshot(page, `flow-join-inbox-${db}`)
      const id = await approveIn(page, '入会申请', 'flow-join')
      await page.getByTestId('app-card-no').waitFor(VISIBLE)
      const cardNo = (await page.getByTestId('app-card-no').innerText()).trim()
      await screenshot(page, `flow-join-approved-${db}`)

      // the worker: 消息 carries the approval; it opens the application
      await phone.goto(server.url + '/')
      await phone.getByTestId('tab-messages').locator('.van-badge').waitFor(VISIBLE)
      await phone.locator('.van-tabbar').getByText('消息', { exact: true }).tap()
      await phone.waitForURL(server.url + '/messages')
      const list = await worker.get('/me/messages')
      const news = list.body.items.find((m) => m.application_id === id && !m.read)
      assert.ok(news && /通过/.test(news.title + news.body), JSON.stringify(list.body.items))
      const msg = phone.locator(`[data-testid="msg"][data-id="${news.id}"]`)
      await msg.waitFor(VISIBLE)
      await screenshot(phone, `flow-join-message-${db}`)
      await msg.tap()
      await phone.waitForURL(server.url + `/applications/${id}`)
      await phone.getByTestId('app-approved').waitFor(VISIBLE)
      assert.match(await phone.getByTestId('app-approved').innerText(), new RegExp(cardNo))
      await phone.getByTestId('to-card').tap()
      await phone.waitForURL(server.url + '/card/mine')
      const card = phone.getByTestId('member-card')
      await card.waitFor(VISIBLE)
      assert.equal((await card.getByTestId('card-name').innerText()).trim(), WORKER)
      assert.equal((await card.locator('[data-field="org_name"] dd').innerText()).trim(), OLD_ORG)
      await screenshot(phone, `flow-card-${db}`)
      await page.close()
    })

    test('the worker applies to transfer to 宝鸡; demo-base releases, the 宝鸡 cadre accepts', async () => {
      // the new union's cadre: demo-province opens an account there
      const province = await login(server, 'demo-province', DEMO_PASSWORD)
      const found = await province.get('/employers?q=' + encodeURIComponent('渭滨新材'))
      assert.equal(found.status, 200, JSON.stringify(found.body))
      const target = found.body.items.find((o) => o.name === NEW_ORG)
      assert.ok(target, JSON.stringify(found.body))
      const made = await province.post('/accounts', {
        username: BAOJI_USER,
        real_name: '宝鸡干部',
        phone: '13700005678',
        org_id: target.org_id,
        role_code: 'base_work',
        scope: 'subtree',
      })
      assert.equal(made.status, 201, JSON.stringify(made.body))
      const first = new Client(server.url)
      assert.equal((await first.post('/auth/login', { username: BAOJI_USER, password: made.body.initial_password })).status, 200)
      const changed = await first.post('/auth/password', { old_password: made.body.initial_password, new_password: BAOJI_PASSWORD })
      assert.equal(changed.status, 200, JSON.stringify(changed.body))

      // the worker: 我要转会 to the 宝鸡 employer
      await phone.goto(server.url + '/apply/transfer')
      await phone.getByTestId('transfer-form').waitFor(VISIBLE)
      assert.equal(await phone.locator('[data-field="current_org"] input').inputValue(), OLD_ORG)
      const picker = phone.getByTestId('employer-picker')
      await picker.locator('input[type="search"]').fill('渭滨新材')
      await picker.getByTestId('employer-search-go').tap()
      await picker.getByTestId('employer-results').locator('button', { hasText: NEW_ORG }).first().tap()
      await picker.getByTestId('employer-chosen').waitFor(VISIBLE)
      await phone.locator('textarea[name="reason"]').fill('已调到宝鸡的新单位工作。')
      await phone.getByTestId('submit').tap()
      await phone.waitForURL(/\/applications\/\d+$/)
      await phone.locator('[data-testid="app-head"][data-state="pending"]').waitFor(VISIBLE)
      await screenshot(phone, `flow-transfer-pending-${db}`)

      // the old union releases
      const old = await consoleInbox(cadre, 'demo-base', DEMO_PASSWORD)
      const id = await approveIn(old, '转会申请', 'flow-transfer-out')
      await old.getByTestId('app-org').getByText(NEW_ORG).waitFor(VISIBLE)
      assert.equal((await old.getByTestId('app-state').innerText()).trim(), '待审批')
      await old.getByTestId('app-no-actions').waitFor(VISIBLE)
      await screenshot(old, `flow-transfer-released-${db}`)

      // the new union accepts, in a browser of its own
      const baoji = await consoleInbox(await browser.newContext(DESKTOP), BAOJI_USER, BAOJI_PASSWORD)
      assert.equal(await approveIn(baoji, '转会申请', 'flow-transfer-in'), id)
      await baoji.getByTestId('app-state').getByText('已通过').waitFor(VISIBLE)
      const timeline = baoji.getByTestId('app-timeline')
      await timeline.getByText(OLD_ORG).first().waitFor(VISIBLE)
      await timeline.getByText('宝鸡干部').first().waitFor(VISIBLE)
      await timeline.scrollIntoViewIfNeeded()
      await screenshot(baoji, `flow-transfer-accepted-${db}`)

      // the worker's record and card show the new union
      const member = await worker.get('/me/member')
      assert.equal(member.status, 200, JSON.stringify(member.body))
      assert.equal(member.body.org_name, NEW_ORG)
      await phone.goto(server.url + '/card/mine')
      const card = phone.getByTestId('member-card')
      await card.waitFor(VISIBLE)
      assert.equal((await card.locator('[data-field="org_name"] dd').innerText()).trim(), NEW_ORG)
      await screenshot(phone, `flow-card-after-transfer-${db}`)
      // the 宝鸡 cadre finds the member in 会员管理's data
      const b = await login(server, BAOJI_USER, BAOJI_PASSWORD)
      const listed = await b.get('/members?q=' + encodeURIComponent(WORKER))
      assert.ok(listed.body.items.some((m) => m.name === WORKER && m.org_name === NEW_ORG), JSON.stringify(listed.body))
    })
  })
}
