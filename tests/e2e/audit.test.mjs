// The 审计管理员 reads the audit log in the console (docs/api/accounts.md, "Audit"):
// sees only 审计日志 in the menu, finds their own login and a failed one, filters by
// 结果 and checks the hash chain. Needs the demo data (`gonghui seed --demo`).
// Run: node --test tests/e2e/   (needs build/test/gonghui and web/dist, see Makefile)

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { dbKinds, startServer } from '../lib/server.mjs'
import { DESKTOP, launchBrowser, screenshot, consoleLogin } from '../lib/browser.mjs'

const VISIBLE = { state: 'visible', timeout: 10_000 }
const DEMO_PASSWORD = 'Demo@2026'

for (const db of dbKinds()) {
  describe(`console audit log (${db})`, () => {
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

    test('the audit admin finds logins, filters failures and verifies the chain', async () => {
      const context = await browser.newContext(DESKTOP)
      const page = await context.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      try {
        // 1. Someone mistypes demo-province's password on the login page.
        await page.goto(server.url + '/admin/login')
        await consoleLogin(page, 'demo-province', 'Wrong@2026')
        const refused = page.getByTestId('login-error')
        await refused.waitFor(VISIBLE)
        assert.match(await refused.innerText(), /账号或密码不正确/)
        await screenshot(page, `audit-wrong-password-${db}`)

        // 2. The audit admin logs in: the menu holds 审计日志 and nothing that changes accounts.
        await consoleLogin(page, 'demo-auditor', DEMO_PASSWORD)
        await page.waitForURL(server.url + '/admin/')
        await page.getByTestId('current-user').getByText('审计管理员').waitFor(VISIBLE)
        const menu = page.locator('.el-menu')
        for (const item of ['工作台', '审计日志']) {
          assert.equal(await menu.getByText(item, { exact: true }).isVisible(), true, item)
        }
        for (const item of ['账号管理', '接口密钥', '角色权限', '组织管理']) {
          assert.equal(await menu.getByText(item, { exact: true }).count(), 0, `${item} is not for the auditor`)
        }
        await screenshot(page, `audit-dashboard-${db}`)

        // 3. 审计日志: newest first, so the auditor's own login is on top.
        await menu.getByText('审计日志', { exact: true }).click()
        await page.waitForURL(server.url + '/admin/audit')
        const table = page.getByTestId('audit-table')
        const rows = table.locator('.el-table__body .el-table__row')
        await rows.first().waitFor(VISIBLE)
        const top = rows.first()
        await top.getByText('审计管理员', { exact: true }).waitFor(VISIBLE)
        await top.getByText('登录', { exact: true }).waitFor(VISIBLE)
        await top.getByText('127.0.0.1', { exact: true }).waitFor(VISIBLE)
        await top.getByText('成功', { exact: true }).waitFor(VISIBLE)
        // the failed attempt is further down, with its reason in words
        const failed = rows.filter({ hasText: '陕省干部' }).filter({ hasText: '失败原因：密码错误' })
        await failed.first().waitFor(VISIBLE)
        await screenshot(page, `audit-log-${db}`)

        // 4. 结果 = 失败: only failures are left, the mistyped password among them.
        await page.getByTestId('filter-success').click()
        await page.locator('.el-select-dropdown__item:visible', { hasText: '失败' }).click()
        await page.getByRole('button', { name: '查询' }).click()
        await table.locator('.el-table__row', { hasText: '陕省干部' }).first().waitFor(VISIBLE)
        await page.waitForFunction(() => {
          const cells = [...document.querySelectorAll('[data-testid="audit-table"] .el-table__body .el-table__row')]
          return cells.length > 0 && cells.every((r) => r.innerText.includes('失败') && !r.innerText.includes('成功'))
        })
        const failures = await rows.allInnerTexts()
        assert.ok(failures.length >= 1, 'at least the failed login')
        assert.ok(
          failures.some((t) => t.includes('陕省干部') && t.includes('登录') && t.includes('密码错误')),
          'the wrong password is listed',
        )
        assert.ok(!failures.some((t) => t.includes('审计管理员')), 'the auditor’s successful login is filtered out')
        await screenshot(page, `audit-failures-${db}`)

        // 5. 操作 = 登录 with 结果 back to 全部: logins only.
        await page.getByRole('button', { name: '重置' }).click()
        await page.getByTestId('filter-action').click()
        await page.locator('.el-select-dropdown__item:visible', { hasText: /^登录$/ }).click()
        await page.getByRole('button', { name: '查询' }).click()
        await page.waitForFunction(() => {
          const cells = [...document.querySelectorAll('[data-testid="audit-table"] .el-table__body .el-table__row')]
          return cells.length >= 2 && cells.every((r) => r.innerText.includes('auth.login'))
        })

        // 6. 校验日志链: the chain is whole, with the number of rows.
        await page.getByTestId('verify').click()
        const verdict = page.getByTestId('verify-result')
        await verdict.waitFor(VISIBLE)
        const text = await verdict.innerText()
        const m = /日志链完整，共 (\d+) 条/.exec(text)
        assert.ok(m, `verify says the chain is whole: ${text}`)
        assert.ok(Number(m[1]) >= 3, `rows counted: ${m[1]}`)
        await screenshot(page, `audit-verify-${db}`)

        assert.deepEqual(errors, [])
      } finally {
        await context.close()
      }
    })
  })
}
