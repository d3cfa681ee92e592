// Account security in the console (docs/api/accounts.md, "Accounts, roles, bindings"):
// the 安全管理员 sees the cadre accounts read-only, locks demo-base from a second tab (which
// must be able to write without logging in again: GET /me hands it the CSRF token), sees
// demo-base refused at login, and unlocks it again from the first tab after logging in
// anew elsewhere. Then the 西安 cadre gives demo-base an extra role through 分配角色 and
// removes it with the tag's ×.
// Needs the demo data (`gonghui seed --demo`).
// Run: node --test tests/e2e/   (needs build/test/gonghui and web/dist, see Makefile)

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { dbKinds, startServer } from '../lib/server.mjs'
import { DESKTOP, launchBrowser, screenshot, consoleLogin } from '../lib/browser.mjs'

const VISIBLE = { state: 'visible', timeout: 10_000 }
const GONE = { state: 'hidden', timeout: 10_000 }
const DEMO_PASSWORD = 'Demo@2026'
// demo-base: 基层干部, bound at this union with 基层工作部 and 本级工会管理员 (see `gonghui seed --demo`)
const BASE_USER = 'demo-base'
const BASE_NAME = '基层干部'
const BASE_ORG = '西安长安精密仪器有限公司工会'

/** POST /auth/login; resolves {status, body}. */
async function tryLogin(url, username, password) {
  const res = await fetch(url + '/api/v1/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  return { status: res.status, body: await res.json() }
}

for (const db of dbKinds()) {
  describe(`console account security (${db})`, () => {
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

    /** Open a console page and log in on the way. */
    async function openAs(page, username, path) {
      await page.goto(server.url + '/admin' + path)
      await page.waitForURL(/\/admin\/login/)
      await consoleLogin(page, username, DEMO_PASSWORD)
      await page.waitForURL(server.url + '/admin' + path)
      await page.getByTestId('current-user').waitFor(VISIBLE)
    }

    /** Search 账号管理 for text; resolves the row locator. */
    async function findAccount(page, text) {
      const table = page.getByTestId('accounts-table')
      await table.waitFor(VISIBLE)
      await page.getByPlaceholder('输入姓名、账号或手机号查找').fill(text)
      await page.getByRole('button', { name: '搜索' }).click()
      const row = table.locator('.el-table__body .el-table__row', { hasText: text })
      await row.waitFor(VISIBLE)
      await page.waitForFunction(
        (t) => {
          const rows = [...document.querySelectorAll('[data-testid="accounts-table"] .el-table__body .el-table__row')]
          return rows.length === 1 && rows[0].innerText.includes(t)
        },
        text,
      )
      return row
    }

    test('the security admin locks and unlocks demo-base', async () => {
      const context = await browser.newContext(DESKTOP)
      const page = await context.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      try {
        // 1. The security admin: 账号管理 only to read, lock and unlock.
        await openAs(page, 'demo-secadmin', '/')
        const menu = page.locator('.el-menu')
        for (const item of ['工作台', '组织管理', '账号管理']) {
          assert.equal(await menu.getByText(item, { exact: true }).isVisible(), true, item)
        }
        for (const item of ['角色权限', '接口密钥', '审计日志']) {
          assert.equal(await menu.getByText(item, { exact: true }).count(), 0, `${item} is not the security admin's`)
        }
        await menu.getByText('账号管理', { exact: true }).click()
        await page.waitForURL(server.url + '/admin/accounts')
        await page.getByTestId('accounts-hint').getByText(/锁定或解锁/).waitFor(VISIBLE)
        assert.equal(await page.getByTestId('new-account').count(), 0, 'no 新建干部账号 without accounts.manage')

        // Their own row offers no 锁定.
        const own = await findAccount(page, 'demo-secadmin')
        assert.equal(await own.getByRole('button', { name: '锁定' }).count(), 0, 'no locking oneself')

        const row = await findAccount(page, BASE_USER)
        await row.getByText(BASE_ORG, { exact: false }).first().waitFor(VISIBLE)
        await row.getByText('正常', { exact: true }).waitFor(VISIBLE)
        assert.equal(await row.getByRole('button', { name: '分配角色' }).count(), 0, 'no 分配角色 without accounts.manage')
        assert.equal(await row.locator('.el-tag__close').count(), 0, 'roles cannot be removed without accounts.manage')
        assert.equal(await row.getByRole('button', { name: '解锁' }).count(), 0, '解锁 only on locked accounts')
        await screenshot(page, `security-accounts-${db}`)

        // 2. 锁定, in a second tab of the same browser: it has no CSRF token of its own
        // until GET /me hands it one.
        const tab = await context.newPage()
        tab.on('pageerror', (e) => errors.push(e.message))
        await tab.goto(server.url + '/admin/accounts')
        await tab.getByTestId('current-user').getByText('安全管理员').waitFor(VISIBLE)
        const tabRow = await findAccount(tab, BASE_USER)
        await tabRow.getByRole('button', { name: '锁定' }).click()
        const box = tab.locator('.el-message-box', { hasText: '锁定后该账号不能登录' })
        await box.waitFor(VISIBLE)
        await box.getByText(BASE_NAME).waitFor(VISIBLE)
        await screenshot(tab, `security-lock-confirm-${db}`)
        await box.getByRole('button', { name: '锁定' }).click()
        await box.waitFor(GONE)
        await tabRow.locator('.el-tag', { hasText: '已锁定' }).waitFor(VISIBLE)
        await tabRow.getByRole('button', { name: '解锁' }).waitFor(VISIBLE)
        assert.equal(await tabRow.getByRole('button', { name: '锁定' }).count(), 0, '锁定 only on unlocked accounts')
        assert.equal(new URL(tab.url()).pathname, '/admin/accounts', 'the second tab stayed logged in')
        await screenshot(tab, `security-locked-${db}`)
        await tab.close()

        // 3. demo-base cannot log in: on the login page and over the API.
        const other = await browser.newContext(DESKTOP)
        try {
          const p = await other.newPage()
          p.on('pageerror', (e) => errors.push(e.message))
          await p.goto(server.url + '/admin/login')
          await consoleLogin(p, BASE_USER, DEMO_PASSWORD)
          const refused = p.getByTestId('login-error')
          await refused.waitFor(VISIBLE)
          assert.match(await refused.innerText(), /锁定/)
          await screenshot(p, `security-login-locked-${db}`)
        } finally {
          await other.close()
        }
        const locked = await tryLogin(server.url, BASE_USER, DEMO_PASSWORD)
        assert.equal(locked.status, 401)
        assert.equal(locked.body.error.code, 'account_locked')

        // 4. The security admin logs in once more in another tab: a new session, whose
        // CSRF token the first tab does not have. 解锁 there still works (the console asks
        // GET /me for the current token when the server refuses the old one).
        const relogin = await context.newPage()
        relogin.on('pageerror', (e) => errors.push(e.message))
        await relogin.goto(server.url + '/admin/login')
        await consoleLogin(relogin, 'demo-secadmin', DEMO_PASSWORD)
        await relogin.waitForURL(server.url + '/admin/')
        await relogin.close()

        const again = await findAccount(page, BASE_USER)
        await again.locator('.el-tag', { hasText: '已锁定' }).waitFor(VISIBLE)
        await again.getByRole('button', { name: '解锁' }).click()
        const unbox = page.locator('.el-message-box', { hasText: '解锁' })
        await unbox.waitFor(VISIBLE)
        await unbox.getByRole('button', { name: '解锁' }).click()
        await unbox.waitFor(GONE)
        await again.getByText('正常', { exact: true }).waitFor(VISIBLE)
        await again.getByRole('button', { name: '锁定' }).waitFor(VISIBLE)
        await again.locator('.el-tag', { hasText: '已锁定' }).waitFor(GONE)
        assert.equal(new URL(page.url()).pathname, '/admin/accounts', 'no new login was asked for')
        await screenshot(page, `security-unlocked-${db}`)

        // 5. demo-base is in again, through the login page.
        const back = await browser.newContext(DESKTOP)
        try {
          const p = await back.newPage()
          p.on('pageerror', (e) => errors.push(e.message))
          await openAs(p, BASE_USER, '/')
          await p.getByTestId('current-user').getByText(BASE_NAME).waitFor(VISIBLE)
        } finally {
          await back.close()
        }

        // 6. Too many wrong passwords lock demo-province for a while: the list says so, and
        // 解锁 lets them in at once.
        let last = null
        for (let i = 0; i < 5; i++) last = await tryLogin(server.url, 'demo-province', 'Wrong@2026')
        assert.equal(last.status, 401)
        assert.equal(last.body.error.code, 'account_locked', JSON.stringify(last.body))
        const province = await findAccount(page, 'demo-province')
        await province.locator('.el-tag', { hasText: '已锁定' }).waitFor(VISIBLE)
        await province.getByText('密码错误次数过多').waitFor(VISIBLE)
        assert.equal(await province.getByRole('button', { name: '锁定' }).count(), 0)
        await screenshot(page, `security-lockout-${db}`)
        await province.getByRole('button', { name: '解锁' }).click()
        const box2 = page.locator('.el-message-box', { hasText: '解锁' })
        await box2.getByRole('button', { name: '解锁' }).click()
        await box2.waitFor(GONE)
        await province.locator('.el-tag', { hasText: '已锁定' }).waitFor(GONE)
        await province.getByText('正常', { exact: true }).waitFor(VISIBLE)
        assert.equal((await tryLogin(server.url, 'demo-province', DEMO_PASSWORD)).status, 200)

        assert.deepEqual(errors, [])
      } finally {
        await context.close()
      }
    })

    test('the 西安 cadre gives demo-base an extra role, then takes it away', async () => {
      const context = await browser.newContext(DESKTOP)
      const page = await context.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      try {
        await openAs(page, 'demo-xian', '/accounts')
        const row = await findAccount(page, BASE_USER)
        // demo-xian manages accounts but holds no security.manage: no 锁定 / 解锁
        assert.equal(await row.getByRole('button', { name: '锁定' }).count(), 0)
        assert.equal(await row.getByRole('button', { name: '解锁' }).count(), 0)
        const before = await row.locator('.gh-binding').count()

        await row.getByRole('button', { name: '分配角色' }).click()
        const dialog = page.locator('.el-dialog', { hasText: '增加一个角色' })
        await dialog.waitFor(VISIBLE)
        await dialog.getByText(BASE_NAME).waitFor(VISIBLE)
        // the org demo-base works at is already chosen
        await dialog.locator('.gh-org-select__input').getByText(BASE_ORG).waitFor(VISIBLE)

        // The list offers the roles demo-xian may hand out: not 权益保障部 (法律援助 is
        // not demo-xian's), nor the three admin roles.
        await dialog.locator('.el-select', { has: page.getByText('请选择角色') }).click()
        const options = page.locator('.el-select-dropdown__item:visible')
        await options.first().waitFor(VISIBLE)
        const offered = (await options.allInnerTexts()).join('\n')
        assert.match(offered, /网络中心/)
        for (const no of ['权益保障部', '系统管理员', '安全管理员', '审计管理员']) {
          assert.ok(!offered.includes(no), `${no} is not offered: ${offered}`)
        }
        await options.filter({ hasText: '网络中心' }).click()
        assert.equal(await dialog.locator('.el-radio.is-checked').innerText(), '仅本级')
        await screenshot(page, `security-bind-${db}`)
        await dialog.getByRole('button', { name: '确定分配' }).click()
        await dialog.waitFor(GONE)

        const tag = row.locator('.gh-binding', { hasText: `${BASE_ORG} · 网络中心 · 仅本级` })
        await tag.waitFor(VISIBLE)
        assert.equal(await row.locator('.gh-binding').count(), before + 1)
        await screenshot(page, `security-bound-${db}`)

        // × on the new tag, confirmed: the role is gone.
        await tag.locator('.el-tag__close').click()
        const box = page.locator('.el-message-box', { hasText: '移除后' })
        await box.waitFor(VISIBLE)
        await box.getByText('网络中心').waitFor(VISIBLE)
        await screenshot(page, `security-unbind-confirm-${db}`)
        await box.getByRole('button', { name: '移除', exact: true }).click()
        await box.waitFor(GONE)
        await tag.waitFor(GONE)
        assert.equal(await row.locator('.gh-binding').count(), before)
        await screenshot(page, `security-unbound-${db}`)

        assert.deepEqual(errors, [])
      } finally {
        await context.close()
      }
    })
  })
}
