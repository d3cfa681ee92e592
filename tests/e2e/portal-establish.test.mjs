// A worker applies on a phone to found the union of an employer that has none
// (建会, type "establish" in docs/api/applications.md): 服务 → 建会 opens the form; a missing
// field and a short credit code are pointed out under their fields before anything is sent;
// a wrong check character comes back from the server under the code; the code of an employer
// that already has a union (西安长安精密仪器有限公司) gets a clear alert with the way to 入会
// instead; a valid new code in 雁塔区 goes to 雁塔区总工会, whose cadre (demo-xian, API)
// approves (meanwhile 我要建会 points to the open one); the worker reads the message and the application says the union is founded, with
// the way to the console, which then opens for them.
// Needs the demo data (`gonghui seed --demo`).
// Run: node --test tests/e2e/portal-establish.test.mjs   (needs build/test/gonghui and web/dist)

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { dbKinds, startServer } from '../lib/server.mjs'
import { PHONE, launchBrowser, screenshot } from '../lib/browser.mjs'
import { login, registerWorker } from '../lib/client.mjs'

const VISIBLE = { state: 'visible', timeout: 10_000 }
const GONE = { state: 'hidden', timeout: 10_000 }
const TAKEN_CODE = '91610103MA6TX1A274'
const TAKEN_UNION = '西安长安精密仪器有限公司工会'
const COUNTY_UNION = '雁塔区总工会'
const EMPLOYER = '西安雁塔秦川云数据科技有限公司'
const WORKER_NAME = '赵红梅'

const CREDIT_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

/** A GB 11714 组织机构代码: 8 characters and their check character. */
function orgCode(body8) {
  const w = [3, 7, 9, 10, 5, 8, 4, 2]
  let sum = 0
  for (let i = 0; i < 8; i++) {
    const c = body8[i]
    sum += (c >= '0' && c <= '9' ? Number(c) : c.charCodeAt(0) - 55) * w[i]
  }
  const check = 11 - (sum % 11)
  return body8 + (check === 10 ? 'X' : check === 11 ? '0' : String(check))
}

/** The GB 32100 check character of 17 characters. */
function creditCheck(body17) {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += CREDIT_CHARS.indexOf(body17[i]) * CREDIT_WEIGHTS[i]
  return CREDIT_CHARS[(31 - (sum % 31)) % 31]
}

/** A valid 统一社会信用代码 of a 雁塔区 company (登记管理部门 9, 企业 1), its chars 9–17 an 组织机构代码. */
function newCreditCode() {
  const body = '91610113' + orgCode('MA6W' + String(Date.now() % 10000).padStart(4, '0'))
  return body + creditCheck(body)
}

/** The same code with a wrong check character. */
function wrongCheck(code) {
  return code.slice(0, 17) + (code[17] === '0' ? '1' : '0')
}

/** Log in on the portal's 登录 page and land on `then`. */
async function portalLogin(page, url, username, password, then) {
  await page.goto(url + '/login?redirect=' + encodeURIComponent(then))
  await page.getByTestId('login-form').waitFor(VISIBLE)
  await page.locator('input[name="username"]').fill(username)
  await page.locator('input[name="password"]').fill(password)
  await page.getByRole('button', { name: '登录', exact: true }).tap()
  await page.waitForURL(url + then)
}

/** Open a CodeField's picker and choose `name`. */
async function pickCode(page, field, name) {
  await page.locator(`.van-field[data-field="${field}"]`).tap()
  const popup = page.locator('.van-popup:visible', { has: page.locator('.van-picker') })
  await popup.waitFor(VISIBLE)
  await popup.locator('.van-picker-column__item', { hasText: name }).first().click()
  await page.waitForTimeout(400) // the column's scroll settles
  await popup.locator('.van-picker__confirm').click()
  await popup.waitFor(GONE)
  assert.equal(await page.locator(`.van-field[data-field="${field}"]`).locator('input, textarea').inputValue(), name)
}

/** Choose 市 → 县（区） in the DivisionField's cascader. */
async function pickCounty(page, city, county) {
  await page.locator('.van-field[data-field="division_code"]').tap()
  const cascader = page.getByTestId('division-cascader')
  await cascader.waitFor(VISIBLE)
  await cascader.locator('.van-cascader__option', { hasText: city }).first().tap()
  await cascader.locator('.van-cascader__option', { hasText: county }).first().tap()
  await cascader.waitFor(GONE)
  assert.match(await page.locator('.van-field[data-field="division_code"] input').inputValue(), new RegExp(`${city}\\s*${county}`))
}

/** Fill the whole form; `chair` '' leaves the 筹备负责人 out. */
async function fillForm(page, { code, chair = '孙建军' }) {
  await page.locator('input[name="employer_name"]').fill(EMPLOYER)
  await page.locator('input[name="employer_credit_code"]').fill(code)
  await pickCounty(page, '西安市', '雁塔区')
  await pickCode(page, 'industry', '信息传输、软件和信息技术服务业')
  await pickCode(page, 'unit_type', '私营')
  await page.locator('input[name="address"]').fill('西安市雁塔区科技路 48 号')
  await page.locator('input[name="staff_count"]').fill('36')
  await page.locator('input[name="female_count"]').fill('14')
  await page.locator('input[name="migrant_count"]').fill('5')
  await page.locator('input[name="chair_name"]').fill(chair)
  await page.locator('input[name="chair_phone"]').fill('13709281234')
  await page.locator('input[name="contact_name"]').fill(WORKER_NAME)
  await page.locator('input[name="contact_phone"]').fill('13709285678')
  await page.getByTestId('reason-sample').tap()
  assert.match(await page.locator('textarea[name="reason"]').inputValue(), /现有职工 36 人/)
}

/** The errors under the van-field holding [name=…]. */
const fieldError = (page, name) =>
  page.locator('.van-field', { has: page.locator(`[name="${name}"]`) }).locator('.van-field__error-message')

/** Wait for a toast to finish, so that a screenshot shows the page under it. */
const toastGone = (page) => page.locator('.van-toast').waitFor({ state: 'hidden', timeout: 10_000 })

const isPost = (r) => r.url().endsWith('/api/v1/applications') && r.request().method() === 'POST'

for (const db of dbKinds()) {
  describe(`portal 建会 (${db})`, () => {
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

    test('a worker applies to found a union, the county union approves, the worker runs it', async () => {
      const worker = await registerWorker(server, { realName: WORKER_NAME })
      const county = await login(server, 'demo-xian')
      const code = newCreditCode()
      const context = await browser.newContext(PHONE)
      const page = await context.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      const posts = []
      page.on('request', (r) => r.url().endsWith('/api/v1/applications') && r.method() === 'POST' && posts.push(r))
      try {
        await portalLogin(page, server.url, worker.phone, worker.password, '/services')

        // 服务 → 建会 (with its one-line description) opens the form.
        const entry = page.locator('[data-service="establish"]')
        assert.match(await entry.innerText(), /建会[\s\S]*单位还没有工会/)
        await entry.tap()
        await page.waitForURL(server.url + '/apply/establish')
        await page.getByTestId('establish-form').waitFor(VISIBLE)
        assert.match(await page.getByTestId('credit-code-hint').innerText(), /营业执照/)
        await screenshot(page, `portal-establish-form-${db}`)

        // A short code and no 筹备负责人: said under each field, nothing sent.
        await fillForm(page, { code: code.slice(0, 17), chair: '' })
        await page.getByTestId('submit').tap()
        await fieldError(page, 'chair_name').waitFor(VISIBLE)
        assert.match(await fieldError(page, 'chair_name').innerText(), /筹备负责人/)
        assert.match(await fieldError(page, 'employer_credit_code').innerText(), /18 位，现在是 17 位/)
        assert.equal(posts.length, 0, 'nothing is sent while the form has errors')
        await screenshot(page, `portal-establish-missing-${db}`)

        // A wrong check character: the server's word, under the code.
        await page.locator('input[name="chair_name"]').fill('孙建军')
        await page.locator('input[name="employer_credit_code"]').fill(wrongCheck(code))
        let answer = page.waitForResponse(isPost)
        await page.getByTestId('submit').tap()
        let res = await answer
        assert.equal(res.status(), 400)
        assert.equal((await res.json()).error.field, 'employer_credit_code')
        await fieldError(page, 'employer_credit_code').getByText('校验位').waitFor(VISIBLE)
        assert.equal(await fieldError(page, 'chair_name').count(), 0)

        // An employer that has a union already: a clear alert, with the way to 入会 there.
        await page.locator('input[name="employer_credit_code"]').fill(TAKEN_CODE)
        answer = page.waitForResponse(isPost)
        await page.getByTestId('submit').tap()
        res = await answer
        assert.equal(res.status(), 409)
        assert.equal((await res.json()).error.code, 'employer_taken')
        const alert = page.getByTestId('conflict-taken')
        await alert.waitFor(VISIBLE)
        const said = await alert.innerText()
        assert.match(said, /已经有工会/)
        assert.match(said, new RegExp(TAKEN_UNION))
        assert.match(said, /加入这个工会/)
        assert.match(await fieldError(page, 'employer_credit_code').innerText(), /已经建有工会/)
        await toastGone(page)
        await screenshot(page, `portal-establish-taken-${db}`)
        await alert.getByTestId('go-join').tap()
        await page.waitForURL(server.url + '/apply/join')
        await page.getByTestId('join-form').waitFor(VISIBLE)

        // Back, and this time the employer's own new code.
        await page.goBack()
        await page.waitForURL(server.url + '/apply/establish')
        await page.getByTestId('establish-form').waitFor(VISIBLE)
        await fillForm(page, { code: code.toLowerCase() })
        await screenshot(page, `portal-establish-filled-${db}`)
        answer = page.waitForResponse(isPost)
        await page.getByTestId('submit').tap()
        res = await answer
        assert.equal(res.status(), 201, JSON.stringify(await res.json()))

        // → the application: 待审批 at 雁塔区总工会, what was asked in words.
        await page.waitForURL(/\/applications\/\d+$/)
        const id = page.url().split('/').pop()
        const head = page.getByTestId('app-head')
        await head.waitFor(VISIBLE)
        assert.equal(await head.getAttribute('data-state'), 'pending')
        assert.match(await head.innerText(), /建会申请/)
        assert.match(await page.getByTestId('app-now').innerText(), new RegExp(COUNTY_UNION))
        await page.getByTestId('app-deadline').waitFor(VISIBLE)
        const asked = page.getByTestId('app-form')
        const row = (f) => asked.locator(`[data-field="${f}"] dd`).innerText()
        assert.equal(await row('union_name'), EMPLOYER + '工会')
        assert.equal(await row('employer_credit_code'), code)
        assert.equal(await row('industry'), '信息传输、软件和信息技术服务业')
        assert.equal(await row('unit_type'), '私营')
        assert.equal(await row('staff_count'), '36 人')
        assert.equal(await row('chair_name'), '孙建军')
        await asked.locator('[data-field="division_code"] dd', { hasText: '雁塔区' }).waitFor(VISIBLE)
        for (const dt of await asked.locator('dt').allInnerTexts()) assert.match(dt, /^[\u4e00-\u9fff]+$/, `a Chinese label: ${dt}`)
        await toastGone(page)
        assert.match(await page.getByTestId('establish-next').innerText(), /管理员/)
        await screenshot(page, `portal-establish-pending-${db}`)

        // One 建会 at a time: the form now points to this one.
        await page.goto(server.url + '/apply/establish')
        await page.getByTestId('has-open').waitFor(VISIBLE)
        await screenshot(page, `portal-establish-has-open-${db}`)
        await page.getByTestId('go-open').tap()
        await page.waitForURL(server.url + '/applications/' + id)
        await page.getByTestId('app-now').waitFor(VISIBLE)

        // 雁塔区总工会 (demo-xian covers 西安市) approves.
        const seen = await county.get('/applications/' + id)
        assert.equal(seen.status, 200, JSON.stringify(seen.body))
        const approved = await county.post(`/applications/${id}/actions`, { action: 'approve', version: seen.body.version })
        assert.equal(approved.status, 200, JSON.stringify(approved.body))
        assert.equal(approved.body.state, 'approved')
        assert.ok(approved.body.result && approved.body.result.org_id, JSON.stringify(approved.body.result))

        // 消息: the approval, saying the union is founded; tapping it opens the application.
        await page.goto(server.url + '/messages')
        const messages = await worker.client.get('/me/messages')
        const top = messages.body.items[0]
        assert.ok(top && top.application_id === Number(id) && /已成立/.test(top.body), JSON.stringify(top))
        const card = page.getByTestId('msgs').locator(`[data-testid="msg"][data-id="${top.id}"]`)
        await card.waitFor(VISIBLE)
        assert.match(await card.innerText(), /已成立/)
        await screenshot(page, `portal-establish-message-${db}`)
        await card.tap()
        await page.waitForURL(server.url + '/applications/' + id)

        // The application: 已通过, the union founded, the way to the console.
        const founded = page.getByTestId('app-founded')
        await founded.waitFor(VISIBLE)
        assert.equal((await page.getByTestId('app-state').innerText()).trim(), '已通过')
        assert.match(await founded.innerText(), new RegExp(`${EMPLOYER}工会[\\s\\S]*已经成立`))
        assert.match(await founded.innerText(), /管理员/)
        assert.equal((await page.getByTestId('admin-url').innerText()).trim(), server.url + '/admin/')
        assert.equal(await page.getByTestId('to-card').count(), 0, 'no 会员证 button for 建会')
        await screenshot(page, `portal-establish-approved-${db}`)

        // The console opens for the new cadre, with the same session.
        await page.getByTestId('to-admin').tap()
        await page.waitForURL(server.url + '/admin/**')
        await page.getByTestId('current-user').waitFor(VISIBLE)
        assert.match(await page.getByTestId('current-user').innerText(), new RegExp(WORKER_NAME))

        // 我的 lists 建会 too.
        await page.goto(server.url + '/me')
        await page.getByTestId('list-establish').tap()
        await page.waitForURL(server.url + '/apply/establish')

        assert.deepEqual(errors, [])
      } finally {
        await context.close()
      }
    })
  })
}
