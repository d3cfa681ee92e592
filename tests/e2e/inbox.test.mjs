// 待办 and 申请详情 in the console (docs/api/applications.md). The demo seed leaves join
// applications pending at 西安长安精密仪器有限公司工会, whose cadre is demo-base. The cadre
// sees them under 待办 with the count on the menu, finds one overdue application under
// 已超期 in red, approves one (the person is then a member), returns one with a reason,
// is told "已被他人处理" in a second tab when the first tab approved the same one, and
// approves the rest together, one of which someone else dealt with meanwhile (the
// per-item results say which and why). A second server sweeps overdue applications every
// second: the cadre's message bell then counts the notice, and the notice opens the
// application, now with the upper union. A join the county union holds (the employer has no
// union) is approved by 西安's cadre naming the base union that takes the member.
// 节假日设置 adds a day off and saves the year.
// Run: node --test tests/e2e/inbox.test.mjs   (needs build/test/gonghui and web/dist)

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { dbKinds, startServer } from '../lib/server.mjs'
import { DESKTOP, consoleLogin, launchBrowser, screenshot } from '../lib/browser.mjs'
import { login, registerWorker } from '../lib/client.mjs'
import { sql } from '../lib/sql.mjs'

const VISIBLE = { state: 'visible', timeout: 10_000 }
const GONE = { state: 'hidden', timeout: 10_000 }
const DEMO_PASSWORD = 'Demo@2026'
const BASE_USER = 'demo-base'
const BASE_NAME = '基层干部'
const BASE_ORG = '西安长安精密仪器有限公司工会'
const UPPER_ORG = '碑林区总工会'
const RED = 'rgb(200, 22, 29)'
// one to approve, one to return, one overdue, one for the two tabs, at least two for the batch
const NEEDED = 6
const EXTRA_NAMES = ['杜晓峰', '孟凡华', '韩雪梅', '郭志强', '宋佳怡', '罗建军']

/** The pending applications in demo-base's inbox, over the API (every page). */
async function pendingOf(cadre) {
  let items = []
  let cursor = null
  for (;;) {
    const r = await cadre.get('/applications/inbox?limit=50' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''))
    assert.equal(r.status, 200, JSON.stringify(r.body))
    items = items.concat(r.body.items)
    cursor = r.body.next_cursor
    if (!cursor) return items
  }
}

/** New workers apply to join the base union until its inbox holds `n` applications with distinct names. */
async function topUp(srv, cadre, n) {
  let pending = await pendingOf(cadre)
  const names = new Set(pending.map((a) => a.applicant_name))
  if (new Set(pending.map((a) => a.applicant_name)).size >= n) return pending
  const found = await cadre.get('/employers?q=' + encodeURIComponent('长安精密仪器'))
  assert.equal(found.status, 200, JSON.stringify(found.body))
  const union = found.body.items.find((o) => o.name === BASE_ORG)
  assert.ok(union, `${BASE_ORG} is found by its employer's name`)
  for (const name of EXTRA_NAMES) {
    if (names.size >= n) break
    if (names.has(name)) continue
    const w = await registerWorker(srv, { realName: name })
    const r = await w.client.post('/applications', {
      type: 'join',
      employer: union.employer_name,
      org_id: union.org_id,
      political: '13',
      education: '21',
      reason: '本人自愿加入工会，遵守工会章程。',
    })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    names.add(name)
  }
  pending = await pendingOf(cadre)
  return pending
}

/** Applications with names no other pending one shares (rows are found by name). */
function distinct(pending) {
  const count = new Map()
  for (const a of pending) count.set(a.applicant_name, (count.get(a.applicant_name) || 0) + 1)
  return pending.filter((a) => count.get(a.applicant_name) === 1)
}

for (const db of dbKinds()) {
  describe(`console approvals (${db})`, () => {
    let server = null
    let browser = null
    let context = null
    let page = null
    let cadre = null
    let pending = []
    const errors = []
    /** the applications each step works on */
    const pick = {}

    before(async () => {
      // a sweep an hour at most: the overdue application stays with its union meanwhile
      server = await startServer({
        db,
        demo: true,
        args: ['--sweep-seconds', '3600', '--register-rate-per-hour', '1000', '--login-rate-per-minute', '1000'],
      })
      browser = await launchBrowser()
      context = await browser.newContext(DESKTOP)
      page = await context.newPage()
      page.on('pageerror', (e) => errors.push(e.message))
      cadre = await login(server, BASE_USER, DEMO_PASSWORD)
      pending = await topUp(server, cadre, NEEDED)
      const usable = distinct(pending).filter((a) => a.type === 'join')
      assert.ok(usable.length >= NEEDED, `at least ${NEEDED} join applications with distinct names: ${usable.length}`)
      ;[pick.approve, pick.ret, pick.overdue, pick.twice] = usable
    })

    after(async () => {
      try {
        await browser?.close()
      } finally {
        await server?.stop()
      }
      assert.deepEqual(errors, [], 'no errors on the page')
    })

    const table = () => page.getByTestId('inbox-table')
    const rows = () => table().locator('.el-table__body .el-table__row')
    const row = (name) => rows().filter({ has: page.getByTestId('inbox-applicant').getByText(name, { exact: true }) })

    /** Wait until the table has settled and lists exactly `names` (in any order). */
    async function expectListed(names) {
      await page.waitForFunction(
        (want) => {
          if (document.querySelector('[data-testid="inbox-table"] .el-loading-mask:not([style*="display: none"])')) return false
          const got = [...document.querySelectorAll('[data-testid="inbox-table"] .el-table__body [data-testid="inbox-applicant"]')].map((e) =>
            e.textContent.trim(),
          )
          return got.length === want.length && want.every((n) => got.includes(n))
        },
        names,
        { timeout: 10_000 },
      )
    }

    async function openInbox() {
      await page.locator('.el-menu').getByText('待办', { exact: true }).click()
      await page.waitForURL(server.url + '/admin/inbox')
    }

    test('待办 lists the pending applications, with their count on the menu', async () => {
      await page.goto(server.url + '/admin/')
      await page.waitForURL(/\/admin\/login/)
      await consoleLogin(page, BASE_USER, DEMO_PASSWORD)
      await page.waitForURL(server.url + '/admin/')
      const badge = page.getByTestId('menu-badge-inbox')
      await badge.waitFor(VISIBLE)
      assert.equal((await badge.innerText()).trim(), String(pending.length))

      await openInbox()
      await expectListed(pending.map((a) => a.applicant_name))
      const text = await row(pick.approve.applicant_name).innerText()
      assert.match(text, /入会申请/)
      assert.match(text, new RegExp(BASE_ORG))
      for (const d of await table().getByTestId('inbox-deadline').allInnerTexts()) {
        assert.match(d.trim(), /^(剩\d+个工作日|今天到期)$/, `deadline "${d}"`)
      }
      await page.getByTestId('tab-all').getByText(`（${pending.length}）`).waitFor(VISIBLE)
      await screenshot(page, `inbox-list-${db}`)

      // the search box narrows the list to one applicant
      await page.getByTestId('inbox-search').fill(pick.ret.applicant_name)
      await page.getByTestId('inbox-search-button').click()
      await expectListed([pick.ret.applicant_name])
      await page.getByRole('button', { name: '清空条件' }).click()
      await expectListed(pending.map((a) => a.applicant_name))
    })

    test('an application past its deadline shows under 已超期, in red', async () => {
      // two days late, less a few minutes
      const due = Math.floor(Date.now() / 1000) - 2 * 86400 + 600
      await sql(server, db, `UPDATE applications SET due_at = ${due} WHERE id = ${pick.overdue.id}`)
      await page.getByTestId('inbox-refresh').click()
      await page.getByTestId('tab-overdue').getByText('（1）').waitFor(VISIBLE)
      // soonest deadline first: the late one heads 全部待办
      await page.waitForFunction(
        (name) => document.querySelector('[data-testid="inbox-table"] .el-table__body [data-testid="inbox-applicant"]')?.textContent.trim() === name,
        pick.overdue.applicant_name,
      )
      await page.getByTestId('tab-overdue').click()
      await expectListed([pick.overdue.applicant_name])
      const late = row(pick.overdue.applicant_name).getByTestId('inbox-deadline')
      assert.equal((await late.innerText()).trim(), '已超期2天')
      assert.equal(await late.evaluate((e) => getComputedStyle(e).color), RED)
      assert.equal(await page.getByTestId('menu-badge-inbox').evaluate((e) => e.querySelector('.el-badge__content--danger') !== null), true)
      await screenshot(page, `inbox-overdue-${db}`)
      await page.getByTestId('tab-all').click()
      await expectListed(pending.map((a) => a.applicant_name))
    })

    test('the cadre opens an application and approves it: the person is a member', async () => {
      const a = pick.approve
      await row(a.applicant_name).click()
      await page.waitForURL(server.url + `/admin/applications/${a.id}`)
      await page.getByTestId('app-title').getByText(`入会申请 · ${a.applicant_name}`).waitFor(VISIBLE)
      assert.equal((await page.getByTestId('app-state').innerText()).trim(), '待审批')
      assert.equal((await page.getByTestId('app-org').innerText()).trim(), BASE_ORG)
      const form = page.getByTestId('app-form')
      await form.getByText('工作单位', { exact: true }).waitFor(VISIBLE)
      // codes read as names, never as the codes themselves
      for (const [field, code] of Object.entries(a.form || {})) {
        if (!['political', 'education', 'ethnicity', 'hukou', 'employment'].includes(field) || !code) continue
        const shown = (await page.getByTestId(`form-${field}`).innerText()).trim()
        assert.notEqual(shown, String(code), `${field} is shown by name`)
      }
      const timeline = page.getByTestId('app-timeline')
      await timeline.getByText('提交申请').waitFor(VISIBLE)
      await page.getByTestId('app-deadline').waitFor(VISIBLE)
      for (const label of ['通过', '不通过', '退回修改']) {
        await page.getByTestId('app-actions').getByRole('button', { name: label, exact: true }).waitFor(VISIBLE)
      }
      await screenshot(page, `application-detail-${db}`)

      await page.getByTestId('action-approve').click()
      const dialog = page.getByTestId('action-dialog')
      await dialog.getByText('通过后，申请人即登记为本工会会员').waitFor(VISIBLE)
      await dialog.getByTestId('action-comment').fill('同意入会')
      await dialog.getByTestId('action-confirm').click()
      await dialog.waitFor(GONE)
      await page.getByTestId('app-state').getByText('已通过').waitFor(VISIBLE)
      await page.getByTestId('app-done').waitFor(VISIBLE)
      await page.getByTestId('app-card-no').waitFor(VISIBLE)
      assert.equal(await page.getByTestId('app-actions').count(), 0, 'nothing left to do')
      const entry = timeline.locator('.el-timeline-item', { hasText: '意见：同意入会' })
      await entry.waitFor(VISIBLE)
      await entry.getByText(BASE_NAME).waitFor(VISIBLE)
      await timeline.scrollIntoViewIfNeeded()
      await screenshot(page, `application-approved-${db}`)

      const xian = await login(server, 'demo-xian', DEMO_PASSWORD)
      const found = await xian.get('/members?q=' + encodeURIComponent(a.applicant_name))
      assert.equal(found.status, 200, JSON.stringify(found.body))
      assert.ok(
        found.body.items.some((m) => m.name === a.applicant_name && m.org_name === BASE_ORG),
        `${a.applicant_name} is a member of ${BASE_ORG}`,
      )
    })

    test('退回修改 needs a reason, and the reason is on the timeline', async () => {
      const a = pick.ret
      await page.getByTestId('app-back').click()
      await page.waitForURL(server.url + '/admin/inbox')
      await row(a.applicant_name).getByTestId('inbox-open').click()
      await page.waitForURL(server.url + `/admin/applications/${a.id}`)
      await page.getByTestId('action-return').click()
      const dialog = page.getByTestId('action-dialog')
      await dialog.waitFor(VISIBLE)
      await dialog.getByTestId('action-confirm').click()
      await dialog.getByText('请填写需要修改或补充的内容').waitFor(VISIBLE)
      await screenshot(page, `application-return-reason-${db}`)
      await dialog.getByTestId('action-comment').fill('请补充工作单位的全称')
      await dialog.getByTestId('action-confirm').click()
      await dialog.waitFor(GONE)
      await page.getByTestId('app-state').getByText('退回修改').waitFor(VISIBLE)
      await page.getByTestId('app-timeline').getByText('意见：请补充工作单位的全称').waitFor(VISIBLE)
      const now = await cadre.get(`/applications/${a.id}`)
      assert.equal(now.body.state, 'returned')
    })

    test('two tabs approve the same application: the second is told 已被他人处理', async () => {
      const a = pick.twice
      const second = await context.newPage()
      second.on('pageerror', (e) => errors.push(e.message))
      try {
        await page.goto(server.url + `/admin/applications/${a.id}`)
        await second.goto(server.url + `/admin/applications/${a.id}`)
        await page.getByTestId('action-approve').waitFor(VISIBLE)
        await second.getByTestId('action-approve').waitFor(VISIBLE)

        await page.getByTestId('action-approve').click()
        await page.getByTestId('action-dialog').getByTestId('action-confirm').click()
        await page.getByTestId('app-state').getByText('已通过').waitFor(VISIBLE)

        await second.getByTestId('action-approve').click()
        await second.getByTestId('action-dialog').getByTestId('action-confirm').click()
        const taken = second.getByTestId('app-taken')
        await taken.waitFor(VISIBLE)
        await taken.getByText('已被他人处理', { exact: true }).waitFor(VISIBLE)
        await taken.getByText(/现在的状态是「已通过」/).waitFor(VISIBLE)
        await second.getByTestId('app-state').getByText('已通过').waitFor(VISIBLE)
        assert.equal(await second.getByTestId('app-actions').count(), 0, 'the buttons are gone')
        // the fresh timeline shows the first tab's approval
        await second.getByTestId('app-timeline').getByText(BASE_NAME).first().waitFor(VISIBLE)
        await screenshot(second, `application-taken-${db}`)
      } finally {
        await second.close()
      }
    })

    test('批量通过 the rest; the one someone else dealt with meanwhile is listed with its reason', async () => {
      const rest = pending.filter((a) => ![pick.approve.id, pick.ret.id, pick.twice.id].includes(a.id))
      await page.goto(server.url + '/admin/inbox')
      await expectListed(rest.map((a) => a.applicant_name))
      await table().locator('.el-table__header .el-checkbox').click()
      await page.getByTestId('inbox-picked').getByText(String(rest.length)).waitFor(VISIBLE)
      await page.getByTestId('batch-approve').click()
      const dialog = page.getByTestId('batch-dialog')
      await dialog.waitFor(VISIBLE)
      await screenshot(page, `inbox-batch-confirm-${db}`)

      // meanwhile someone refuses one of them
      const gone = rest.find((a) => a.id !== pick.overdue.id) || rest[0]
      const refused = await cadre.post(`/applications/${gone.id}/actions`, { action: 'reject', comment: '不属于本单位职工' })
      assert.equal(refused.status, 200, JSON.stringify(refused.body))

      await dialog.getByTestId('batch-confirm').click()
      const results = page.getByTestId('batch-results')
      await results.waitFor(VISIBLE)
      await results.getByTestId('batch-summary').getByText(`成功 ${rest.length - 1} 份，有 1 份没有处理成功`).waitFor(VISIBLE)
      const failed = results.locator('.el-table__row', { has: page.getByTestId('batch-failed') })
      assert.equal(await failed.count(), 1)
      assert.match(await failed.innerText(), new RegExp(gone.applicant_name))
      assert.equal(await results.getByTestId('batch-ok').count(), rest.length - 1)
      await screenshot(page, `inbox-batch-results-${db}`)
      await results.getByTestId('batch-results-close').click()
      await results.waitFor(GONE)

      await table().getByText('没有需要您处理的申请').waitFor(VISIBLE)
      await page.getByTestId('menu-badge-inbox').waitFor(GONE)
      for (const a of rest) {
        const r = await cadre.get(`/applications/${a.id}`)
        assert.equal(r.body.state, a.id === gone.id ? 'rejected' : 'approved', a.applicant_name)
      }
      await screenshot(page, `inbox-empty-${db}`)
    })
  })

  describe(`console messages and holidays (${db})`, () => {
    let server = null
    let browser = null
    let page = null
    const errors = []

    before(async () => {
      server = await startServer({ db, demo: true, args: ['--sweep-seconds', '1', '--register-rate-per-hour', '1000'] })
      browser = await launchBrowser()
      page = await (await browser.newContext(DESKTOP)).newPage()
      page.on('pageerror', (e) => errors.push(e.message))
    })

    after(async () => {
      try {
        await browser?.close()
      } finally {
        await server?.stop()
      }
      assert.deepEqual(errors, [], 'no errors on the page')
    })

    test('an overdue application goes up a level; the bell counts the notice, which opens it', async () => {
      const cadre = await login(server, BASE_USER, DEMO_PASSWORD)
      const pending = await pendingOf(cadre)
      assert.ok(pending.length > 0, 'the demo seed leaves applications pending')
      const late = pending[0]
      const before = (await cadre.get('/me/messages/unread')).body.unread
      await sql(server, db, `UPDATE applications SET due_at = ${Math.floor(Date.now() / 1000) - 3600} WHERE id = ${late.id}`)
      let unread = before
      for (let i = 0; i < 100 && unread === before; i++) {
        await new Promise((r) => setTimeout(r, 200))
        unread = (await cadre.get('/me/messages/unread')).body.unread
      }
      assert.ok(unread > before, 'the cadre is told that the application went up')

      await page.goto(server.url + '/admin/')
      await page.waitForURL(/\/admin\/login/)
      await consoleLogin(page, BASE_USER, DEMO_PASSWORD)
      await page.waitForURL(server.url + '/admin/')
      const count = page.getByTestId('message-unread').locator('.el-badge__content')
      await count.getByText(String(unread), { exact: true }).waitFor(VISIBLE)
      await screenshot(page, `messages-bell-${db}`)

      await page.getByTestId('message-bell').click()
      const drawer = page.getByTestId('messages-drawer')
      await drawer.waitFor(VISIBLE)
      const list = await cadre.get('/me/messages')
      const notice = list.body.items.find((m) => m.application_id === late.id && !m.read)
      assert.ok(notice, JSON.stringify(list.body.items))
      const item = drawer.getByTestId('message').filter({ hasText: notice.title }).first()
      await item.waitFor(VISIBLE)
      await screenshot(page, `messages-drawer-${db}`)
      await item.click()
      await page.waitForURL(server.url + `/admin/applications/${late.id}`)
      await page.getByTestId('app-org').getByText(UPPER_ORG).waitFor(VISIBLE)
      await page.getByTestId('app-no-actions').waitFor(VISIBLE)
      await page.getByTestId('app-timeline').getByText(/超期/).first().waitFor(VISIBLE)
      await page.waitForFunction(
        (n) => {
          const el = document.querySelector('[data-testid="message-unread"] .el-badge__content')
          const shown = el && el.style.display !== 'none' ? Number(el.textContent.trim()) : 0
          return shown === n
        },
        unread - 1,
      )
      assert.equal((await cadre.get('/me/messages/unread')).body.unread, unread - 1)
      await screenshot(page, `messages-opened-${db}`)
    })

    test('a join held by the county union: approving names the base union that takes the member', async () => {
      const w = await registerWorker(server, { realName: '冯建华' })
      const sent = await w.client.post('/applications', {
        type: 'join',
        employer: '西安碑林某某商贸有限公司',
        division_code: '610103',
        reason: '单位还没有工会，申请入会。',
      })
      assert.equal(sent.status, 201, JSON.stringify(sent.body))
      assert.equal(sent.body.org_name, UPPER_ORG, 'the county union reviews')

      await page.goto(server.url + '/admin/')
      await page.getByTestId('logout').click()
      await page.locator('.el-message-box').getByRole('button', { name: '退出' }).click()
      await page.waitForURL(/\/admin\/login/)
      await consoleLogin(page, 'demo-xian', DEMO_PASSWORD)
      await page.waitForURL(server.url + '/admin/')
      await page.goto(server.url + `/admin/applications/${sent.body.id}`)
      await page.getByTestId('app-org').getByText(UPPER_ORG).waitFor(VISIBLE)
      await page.getByTestId('form-division_code').getByText('西安市 碑林区（610103）').waitFor(VISIBLE)
      await page.getByTestId('action-approve').click()
      const dialog = page.getByTestId('action-dialog')
      const field = dialog.getByTestId('approve-base-org')
      await field.waitFor(VISIBLE)
      await dialog.getByTestId('action-confirm').click()
      await field.getByText('请选择接收该会员的基层工会').waitFor(VISIBLE)

      await field.locator('.el-select__wrapper').click()
      const dropdown = page.locator('.el-popper.gh-org-select:visible')
      const node = (name) => dropdown.locator('.el-tree-node__content', { has: page.getByText(name, { exact: true }) })
      await node('西安市总工会').waitFor(VISIBLE)
      if (!(await node(UPPER_ORG).isVisible())) await node('西安市总工会').locator('.el-tree-node__expand-icon').click()
      await node(UPPER_ORG).locator('.el-tree-node__expand-icon').click()
      await node(BASE_ORG).getByText(BASE_ORG, { exact: true }).click()
      await field.getByText(BASE_ORG).waitFor(VISIBLE)
      await field.getByText('请选择接收该会员的基层工会').waitFor(GONE)
      await screenshot(page, `application-approve-base-${db}`)
      await dialog.getByTestId('action-confirm').click()
      await dialog.waitFor(GONE)
      await page.getByTestId('app-state').getByText('已通过').waitFor(VISIBLE)
      await page.getByTestId('app-card-no').waitFor(VISIBLE)

      const xian = await login(server, 'demo-xian', DEMO_PASSWORD)
      const found = await xian.get('/members?q=' + encodeURIComponent('冯建华'))
      assert.ok(found.body.items.some((m) => m.name === '冯建华' && m.org_name === BASE_ORG), JSON.stringify(found.body))
    })

    test('节假日设置: a day off is added and the year saved', async () => {
      const year = new Date().getFullYear() + 1
      const date = `${year}-03-11`
      const admin = await login(server, 'demo-sysadmin', DEMO_PASSWORD)
      const beforeDays = (await admin.get(`/holidays?year=${year}`)).body.days

      await page.goto(server.url + '/admin/')
      await page.getByTestId('logout').click()
      await page.locator('.el-message-box').getByRole('button', { name: '退出' }).click()
      await page.waitForURL(/\/admin\/login/)
      await consoleLogin(page, 'demo-sysadmin', DEMO_PASSWORD)
      await page.waitForURL(server.url + '/admin/')
      await page.locator('.el-menu').getByText('节假日设置', { exact: true }).click()
      await page.waitForURL(server.url + '/admin/holidays')
      await page.getByTestId(`year-${year}`).click()
      await page.getByTestId('holiday-counts').waitFor(VISIBLE)

      const picker = page.getByTestId('holiday-add').locator('input').first()
      await picker.fill(date)
      await picker.press('Enter')
      await page.getByTestId('holiday-name').fill('测试放假')
      await page.getByTestId('holiday-add-button').click()
      const added = page.getByTestId('holiday-table').locator('.el-table__row', { hasText: date })
      await added.getByText('放假', { exact: true }).waitFor(VISIBLE)
      await added.getByText('测试放假').waitFor(VISIBLE)
      await page.getByTestId('holiday-dirty').waitFor(VISIBLE)
      await screenshot(page, `holidays-edit-${db}`)
      await page.getByTestId('holiday-save').click()
      await page.getByTestId('holiday-dirty').waitFor(GONE)

      const after = (await admin.get(`/holidays?year=${year}`)).body
      assert.equal(after.year, year)
      assert.deepEqual(
        after.days.find((d) => d.date === date),
        { date, kind: 'off', name: '测试放假' },
      )
      assert.equal(after.days.length, beforeDays.length + 1)

      // removed again
      await page.getByTestId(`holiday-remove-${date}`).click()
      await page.getByTestId('holiday-save').click()
      await page.getByTestId('holiday-dirty').waitFor(GONE)
      assert.equal((await admin.get(`/holidays?year=${year}`)).body.days.length, beforeDays.length)
    })
  })
}
