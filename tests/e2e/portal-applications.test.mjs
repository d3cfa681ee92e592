// A worker applies to join the union on a phone (docs/api/applications.md): 我要入会 with the
// account's own name and 身份证号, the employer's union found by name (a wrong 统一社会信用代码 on
// the "我的单位还没有工会" path is refused under its field), the application in 我的申请 with
// its deadline; the union's cadre sends it back (API), the worker edits and hands it in again,
// the cadre approves (API); the worker sees the unread badge on 消息, opens the message, marks
// all read and shows the new 电子会员证. A second 入会 while one is open is answered clearly.
// Needs the demo data (`gonghui seed --demo`: demo-base / Demo@2026 reviews for
// 西安长安精密仪器有限公司工会).
// Run: node --test tests/e2e/portal-applications.test.mjs   (needs build/test/gonghui and web/dist)

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { dbKinds, startServer } from '../lib/server.mjs'
import { PHONE, launchBrowser, screenshot } from '../lib/browser.mjs'
import { login, registerWorker } from '../lib/client.mjs'

const VISIBLE = { state: 'visible', timeout: 10_000 }
const GONE = { state: 'hidden', timeout: 10_000 }
const BASE_ORG = '西安长安精密仪器有限公司工会'
const EMPLOYER = '西安长安精密仪器有限公司'
const WORKER_NAME = '李建国'
const RETURN_COMMENT = '学历填写有误，请按毕业证上的学历重新填写。'

/** A 统一社会信用代码 (GB 32100) with a wrong check character. */
function badCreditCode() {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY'
  const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
  const body = '91610103MA6U12345'
  let sum = 0
  for (let i = 0; i < 17; i++) sum += chars.indexOf(body[i]) * w[i]
  const good = chars[(31 - (sum % 31)) % 31]
  return body + (good === '0' ? '1' : '0')
}

/** Log in on the portal's 登录 page and land on `then`. */
async function portalLogin(page, url, username, password, then = '/me') {
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
  assert.equal(await page.locator(`.van-field[data-field="${field}"] input`).inputValue(), name)
}

/** Search the employer picker and choose the result for EMPLOYER. */
async function pickUnion(page, q) {
  const picker = page.getByTestId('employer-picker')
  await picker.locator('input[type="search"]').fill(q)
  await picker.getByTestId('employer-search-go').tap()
  const results = picker.getByTestId('employer-results')
  await results.waitFor(VISIBLE)
  await results.locator('button', { hasText: BASE_ORG }).first().tap()
  await picker.getByTestId('employer-chosen').waitFor(VISIBLE)
}

/** The errors under the van-field holding [name=…]. */
const fieldError = (page, name) =>
  page.locator('.van-field', { has: page.locator(`[name="${name}"]`) }).locator('.van-field__error-message')

for (const db of dbKinds()) {
  describe(`portal applications (${db})`, () => {
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

    test('a worker applies to join, the union returns it, the worker resubmits, it is approved', async () => {
      const worker = await registerWorker(server, { realName: WORKER_NAME })
      const cadre = await login(server, 'demo-base')
      const context = await browser.newContext(PHONE)
      const page = await context.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      try {
        await portalLogin(page, server.url, worker.phone, worker.password, '/services')

        // 服务 → 入会 opens the form; who applies comes from the account.
        await page.locator('[data-service="join"]').tap()
        await page.waitForURL(server.url + '/apply/join')
        const form = page.getByTestId('join-form')
        await form.waitFor(VISIBLE)
        assert.equal(await page.locator('[data-field="name"] input').inputValue(), WORKER_NAME)
        const shownId = await page.locator('[data-field="id_card"] input').inputValue()
        assert.match(shownId, /^\d{4}\*+\d{3}[\dX]$/, `身份证号 masked: ${shownId}`)
        assert.notEqual(shownId, worker.idCard)
        await screenshot(page, `portal-join-form-${db}`)

        // Submitting with no employer says what is missing, under the employer.
        await page.getByTestId('submit').tap()
        await page.getByTestId('employer-error').waitFor(VISIBLE)

        // "我的单位还没有工会": the employer's name, a wrong credit code, the county by cascader.
        await page.getByTestId('no-union').tap()
        await page.getByTestId('no-union-form').waitFor(VISIBLE)
        await page.locator('input[name="employer"]').fill('西安某某建筑劳务有限公司')
        await page.locator('input[name="employer_credit_code"]').fill(badCreditCode())
        await page.locator('.van-field[data-field="division_code"]').tap()
        const cascader = page.getByTestId('division-cascader')
        await cascader.waitFor(VISIBLE)
        await cascader.locator('.van-cascader__option', { hasText: '西安市' }).first().tap()
        await cascader.locator('.van-cascader__option', { hasText: '碑林区' }).first().tap()
        await cascader.waitFor(GONE)
        assert.match(await page.locator('.van-field[data-field="division_code"] input').inputValue(), /西安市\s*碑林区/)
        await pickCode(page, 'education', '初中')
        await page.getByTestId('reason-sample').tap()
        const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/applications') && r.request().method() === 'POST')
        await page.getByTestId('submit').tap()
        const answer = await refused
        assert.equal(answer.status(), 400, 'a wrong 统一社会信用代码 is refused')
        assert.equal((await answer.json()).error.field, 'employer_credit_code')
        const under = fieldError(page, 'employer_credit_code')
        await under.waitFor(VISIBLE)
        assert.ok((await under.innerText()).trim().length > 0)
        await screenshot(page, `portal-join-no-union-error-${db}`)

        // Back to the search: the employer's union by a part of its name.
        await page.getByTestId('back-to-search').tap()
        await pickUnion(page, '长安精密')
        assert.match(await page.getByTestId('employer-chosen').innerText(), new RegExp(BASE_ORG))
        await page.locator('[data-field="migrant"] .van-radio', { hasText: '是' }).tap()
        await screenshot(page, `portal-join-filled-${db}`)
        await page.getByTestId('submit').tap()

        // → the application's page: 待审批 at the union, with its deadline.
        await page.waitForURL(/\/applications\/\d+$/)
        const id = page.url().split('/').pop()
        const head = page.getByTestId('app-head')
        await head.waitFor(VISIBLE)
        assert.equal(await head.getAttribute('data-state'), 'pending')
        assert.equal((await page.getByTestId('app-state').innerText()).trim(), '待审批')
        assert.match(await page.getByTestId('app-now').innerText(), new RegExp(BASE_ORG))
        const due = (await page.getByTestId('app-deadline').innerText()).trim()
        assert.match(due, /办结期限\s*\d{4}年\d{1,2}月\d{1,2}日前（还剩 \d+ 天）/)
        await page.getByTestId('app-timeline').locator('[data-action="submit"]').waitFor(VISIBLE)
        assert.equal(await page.getByTestId('app-form').locator('[data-field="education"] dd').innerText(), '初中')
        assert.equal(await page.getByTestId('app-form').locator('[data-field="migrant"] dd').innerText(), '是')
        await screenshot(page, `portal-application-pending-${db}`)

        // The server's deadline is the one shown.
        const mine = await worker.client.get('/applications/mine')
        assert.equal(mine.status, 200)
        const listed = mine.body.items.find((a) => String(a.id) === id)
        assert.ok(listed && listed.state === 'pending' && listed.due_at, JSON.stringify(listed))

        // 我的 → 我的申请 lists it with the deadline.
        await page.goto(server.url + '/me')
        await page.getByTestId('list-applications').tap()
        await page.waitForURL(server.url + '/applications')
        const item = page.locator(`[data-testid="app-item"][data-id="${id}"]`)
        await item.waitFor(VISIBLE)
        assert.equal((await item.getByTestId('app-state').innerText()).trim(), '待审批')
        assert.equal(
          (await item.getByTestId('app-deadline').innerText()).replace(/\s+/g, ''),
          due.replace(/\s+/g, ''),
          'the list shows the same deadline',
        )
        await screenshot(page, `portal-applications-list-${db}`)

        // Going to 我要入会 again says one is open, with the way to it.
        await page.goto(server.url + '/apply/join')
        await page.getByTestId('has-open').waitFor(VISIBLE)
        await page.getByTestId('go-open').tap()
        await page.waitForURL(server.url + '/applications/' + id)

        // The union's cadre sends it back.
        const seen = await cadre.get('/applications/' + id)
        assert.equal(seen.status, 200, JSON.stringify(seen.body))
        const returned = await cadre.post(`/applications/${id}/actions`, {
          action: 'return',
          comment: RETURN_COMMENT,
          version: seen.body.version,
        })
        assert.equal(returned.status, 200, JSON.stringify(returned.body))
        assert.equal(returned.body.state, 'returned')

        // The worker sees why, and edits the form again.
        await page.reload()
        await page.getByTestId('app-returned').waitFor(VISIBLE)
        assert.match(await page.getByTestId('app-returned').innerText(), new RegExp(RETURN_COMMENT))
        assert.equal((await page.getByTestId('app-state').innerText()).trim(), '退回修改')
        await page.getByTestId('withdraw').waitFor(VISIBLE)
        await screenshot(page, `portal-application-returned-${db}`)
        await page.getByTestId('resubmit').tap()
        await page.waitForURL(new RegExp(`/apply/join\\?resubmit=${id}$`))
        await page.getByTestId('join-form').waitFor(VISIBLE)
        await page.getByTestId('return-comment').getByText(RETURN_COMMENT).waitFor(VISIBLE)
        assert.match(await page.getByTestId('employer-chosen').innerText(), new RegExp(BASE_ORG), 'the union is kept')
        assert.equal(await page.locator('.van-field[data-field="education"] input').inputValue(), '初中')
        await pickCode(page, 'education', '普通高中')
        await screenshot(page, `portal-join-resubmit-${db}`)
        await page.getByTestId('submit').tap()
        await page.waitForURL(server.url + '/applications/' + id)
        await page.getByTestId('app-now').waitFor(VISIBLE)
        assert.equal((await page.getByTestId('app-state').innerText()).trim(), '待审批')
        assert.equal(await page.getByTestId('app-form').locator('[data-field="education"] dd').innerText(), '普通高中')

        // The cadre approves.
        const again = await cadre.get('/applications/' + id)
        const approved = await cadre.post(`/applications/${id}/actions`, { action: 'approve', comment: '', version: again.body.version })
        assert.equal(approved.status, 200, JSON.stringify(approved.body))
        assert.equal(approved.body.state, 'approved')
        assert.ok(approved.body.result && approved.body.result.card_no, JSON.stringify(approved.body.result))

        // The 消息 tab carries the unread count.
        const unread = await worker.client.get('/me/messages/unread')
        assert.equal(unread.status, 200)
        assert.ok(unread.body.unread >= 1, JSON.stringify(unread.body))
        await page.goto(server.url + '/')
        const badge = page.getByTestId('tab-messages').locator('.van-badge')
        await badge.waitFor(VISIBLE)
        assert.equal((await badge.innerText()).trim(), String(unread.body.unread))
        await screenshot(page, `portal-home-badge-${db}`)

        // 消息: the approval on top, unread; tapping it marks it read and opens the application.
        await page.locator('.van-tabbar').getByText('消息', { exact: true }).tap()
        await page.waitForURL(server.url + '/messages')
        const list = page.getByTestId('msgs')
        await list.waitFor(VISIBLE)
        const messages = await worker.client.get('/me/messages')
        assert.equal(messages.status, 200)
        const top = messages.body.items[0]
        assert.ok(top && !top.read && /通过/.test(top.title + top.body), JSON.stringify(top))
        const card = list.locator(`[data-testid="msg"][data-id="${top.id}"]`)
        await card.waitFor(VISIBLE)
        assert.equal(await card.getAttribute('data-read'), 'no')
        await page.getByTestId('read-all').waitFor(VISIBLE)
        await screenshot(page, `portal-messages-${db}`)
        const marked = page.waitForResponse((r) => r.url().endsWith(`/api/v1/me/messages/${top.id}/read`))
        await card.tap()
        assert.equal((await marked).status(), 200)
        await page.waitForURL((u) => u.pathname !== '/messages')
        const afterRead = await worker.client.get('/me/messages')
        assert.equal(afterRead.body.items.find((m) => m.id === top.id).read, true)
        assert.equal(afterRead.body.unread, unread.body.unread - 1)

        // 全部已读 clears the rest and the badge.
        await page.goto(server.url + '/messages')
        await list.waitFor(VISIBLE)
        if (afterRead.body.unread > 0) {
          await page.getByTestId('read-all').tap()
          await page.locator('.van-toast').getByText('已全部标为已读').waitFor(VISIBLE)
        }
        await badge.waitFor(GONE)
        assert.equal(await list.locator('[data-read="no"]').count(), 0)
        assert.equal((await worker.client.get('/me/messages/unread')).body.unread, 0)

        // The application says 已通过, with the new 会员证号 and the way to the card.
        await page.goto(server.url + '/applications/' + id)
        await page.getByTestId('app-approved').waitFor(VISIBLE)
        assert.match(await page.getByTestId('app-approved').innerText(), new RegExp(approved.body.result.card_no))
        await screenshot(page, `portal-application-approved-${db}`)
        await page.getByTestId('to-card').tap()
        await page.waitForURL(server.url + '/card/mine')
        const memberCard = page.getByTestId('member-card')
        await memberCard.waitFor(VISIBLE)
        assert.equal((await memberCard.getByTestId('card-name').innerText()).trim(), WORKER_NAME)
        assert.equal((await memberCard.locator('[data-field="org_name"] dd').innerText()).trim(), BASE_ORG)
        assert.equal(await memberCard.getAttribute('data-current'), 'yes')
        await screenshot(page, `portal-card-after-join-${db}`)

        // Now a member: 我要入会 points to 转会; 会籍变更 offers 保留会籍 and 退会 only.
        await page.goto(server.url + '/apply/join')
        await page.getByTestId('already-member').waitFor(VISIBLE)
        await page.getByTestId('go-transfer').waitFor(VISIBLE)
        await page.goto(server.url + '/apply/membership')
        const types = page.getByTestId('membership-types')
        await types.waitFor(VISIBLE)
        assert.deepEqual(await types.locator('[data-type]').evaluateAll((els) => els.map((e) => e.dataset.type)), ['retain', 'leave'])
        await screenshot(page, `portal-membership-${db}`)

        // 我要转会: from the member's union to another employer's; two steps, then withdrawn.
        await page.goto(server.url + '/apply/transfer')
        const transfer = page.getByTestId('transfer-form')
        await transfer.waitFor(VISIBLE)
        assert.equal(await page.locator('[data-field="current_org"] input').inputValue(), BASE_ORG)
        const picker = page.getByTestId('employer-picker')
        await picker.locator('input[type="search"]').fill('书苑')
        await picker.getByTestId('employer-search-go').tap()
        await picker.getByTestId('employer-results').locator('button').first().tap()
        await picker.getByTestId('employer-chosen').waitFor(VISIBLE)
        assert.ok((await page.locator('input[name="employer"]').inputValue()).length > 0, 'the new employer is filled in')
        await page.locator('textarea[name="reason"]').fill('已从原单位离职，到新单位工作。')
        await screenshot(page, `portal-transfer-form-${db}`)
        await page.getByTestId('submit').tap()
        await page.waitForURL(/\/applications\/\d+$/)
        await page.locator('[data-testid="app-head"][data-state="pending"]').waitFor(VISIBLE)
        const steps = await page.getByTestId('app-steps').innerText()
        assert.match(steps, /转出工会审核[\s\S]*转入工会审核/)
        assert.match(await page.getByTestId('app-now').innerText(), new RegExp(BASE_ORG), 'the member’s union checks first')
        await screenshot(page, `portal-transfer-pending-${db}`)
        await page.getByTestId('withdraw').tap()
        await page.locator('.van-dialog').getByRole('button', { name: '确定撤回' }).tap()
        await page.locator('[data-testid="app-head"][data-state="withdrawn"]').waitFor(VISIBLE)

        // 保留会籍 with its reason.
        await page.goto(server.url + '/apply/membership?type=retain')
        await page.getByTestId('membership-form').waitFor(VISIBLE)
        await page.getByTestId('submit').tap()
        await page.locator('.gh-apply__err').getByText('请选择保留会籍的原因').waitFor(VISIBLE)
        await page.locator('[data-reason="retired"]').tap()
        await page.locator('textarea[name="comment"]').fill('今年 5 月退休。')
        await page.getByTestId('submit').tap()
        await page.waitForURL(/\/applications\/\d+$/)
        await page.locator('[data-testid="app-head"][data-state="pending"]').waitFor(VISIBLE)
        assert.equal(await page.getByTestId('app-form').locator('[data-field="reason"] dd').innerText(), '退休')
        await screenshot(page, `portal-retain-pending-${db}`)

        assert.deepEqual(errors, [])
      } finally {
        await context.close()
      }
    })

    test('a second 入会 while one is open is answered with the way to the open one', async () => {
      const worker = await registerWorker(server, { realName: '王秀英' })
      const context = await browser.newContext(PHONE)
      const page = await context.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      try {
        await portalLogin(page, server.url, worker.phone, worker.password, '/apply/join')
        await page.getByTestId('join-form').waitFor(VISIBLE)

        // Meanwhile the same worker applied from another device.
        const found = await worker.client.get('/employers?q=' + encodeURIComponent('长安精密'))
        assert.equal(found.status, 200, JSON.stringify(found.body))
        const union = found.body.items.find((i) => i.name === BASE_ORG)
        assert.ok(union, JSON.stringify(found.body))
        const first = await worker.client.post('/applications', { type: 'join', org_id: union.org_id, employer: EMPLOYER })
        assert.equal(first.status, 201, JSON.stringify(first.body))

        await pickUnion(page, '长安精密')
        const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/applications') && r.request().method() === 'POST')
        await page.getByTestId('submit').tap()
        const answer = await refused
        assert.equal(answer.status(), 409)
        assert.equal((await answer.json()).error.code, 'application_open')
        const alert = page.getByTestId('conflict-open')
        await alert.waitFor(VISIBLE)
        assert.ok((await alert.innerText()).trim().length > 4)
        await screenshot(page, `portal-join-409-open-${db}`)
        await alert.getByTestId('conflict-open-link').tap()
        await page.waitForURL(server.url + '/applications/' + first.body.id)
        await page.getByTestId('app-head').waitFor(VISIBLE)

        // The worker withdraws it.
        await page.getByTestId('withdraw').tap()
        await page.locator('.van-dialog').getByRole('button', { name: '确定撤回' }).tap()
        await page.locator('[data-testid="app-head"][data-state="withdrawn"]').waitFor(VISIBLE)
        assert.equal(await page.getByTestId('withdraw').count(), 0)
        await screenshot(page, `portal-application-withdrawn-${db}`)
        assert.deepEqual(errors, [])
      } finally {
        await context.close()
      }
    })
  })
}
