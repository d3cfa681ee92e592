// A cadre of 西安市总工会 works in the console (docs/api/accounts.md): sees only their part
// of the union tree, opens an account for a 碑林区 cadre, and that cadre's first login
// forces a password change. Needs a server seeded with the demo data
// (`gonghui seed --demo`: demo-xian / Demo@2026, bound at 西安市总工会 with 本级及下级).
// Run: node --test tests/e2e/   (needs build/test/gonghui and web/dist, see Makefile)

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes, randomInt } from 'node:crypto'
import { dbKinds, startServer } from '../lib/server.mjs'
import { DESKTOP, launchBrowser, screenshot, consoleLogin } from '../lib/browser.mjs'
import { randomPhone, waitForSmsCode } from '../lib/people.mjs'
import { totpCode } from '../lib/totp.mjs'

const VISIBLE = { state: 'visible', timeout: 10_000 }
const GONE = { state: 'hidden', timeout: 10_000 }
const DEMO_USER = 'demo-xian'
const DEMO_PASSWORD = 'Demo@2026'
// demo-province: 陕省干部 at 陕西省总工会, phone 13800000001 (see `gonghui seed --demo`)
const PROVINCE_USER = 'demo-province'
const PROVINCE_PHONE = '13800000001'

/** Log in over the API; resolves {cookie, csrf} for further calls. */
async function apiLogin(url, username, password) {
  const res = await fetch(url + '/api/v1/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  assert.equal(res.status, 200, `login ${username}`)
  const body = await res.json()
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => c.startsWith('gh_session='))
  assert.ok(cookie, 'login sets gh_session')
  return { cookie, csrf: body.csrf_token }
}

async function apiPost(url, who, path, body) {
  const res = await fetch(url + '/api/v1' + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: who.cookie, 'X-CSRF-Token': who.csrf },
    body: JSON.stringify(body),
  })
  const text = await res.text()
  assert.ok(res.ok, `POST ${path}: ${res.status} ${text}`)
  return text ? JSON.parse(text) : null
}

for (const db of dbKinds()) {
  describe(`console cadre accounts (${db})`, () => {
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

    /** A node of an el-tree (the org tree or a picker's dropdown) by its org name. */
    const treeNode = (scope, name) =>
      scope.locator('.el-tree-node__content', { has: scope.page().getByText(name, { exact: true }) })

    test('西安 cadre creates a 碑林区 cadre, who must change the initial password', async () => {
      const context = await browser.newContext(DESKTOP)
      const page = await context.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      try {
        // Not logged in: the console sends us to its login page.
        await page.goto(server.url + '/admin/')
        await page.waitForURL(server.url + '/admin/login')
        await screenshot(page, `admin-login-${db}`)

        // 1. Log in as the 西安 demo cadre.
        await consoleLogin(page, DEMO_USER, DEMO_PASSWORD)
        await page.waitForURL(server.url + '/admin/')
        const user = page.getByTestId('current-user')
        await user.waitFor(VISIBLE)
        assert.ok((await user.innerText()).trim().length > 0, 'the top bar names the cadre')
        await page.getByTestId('status-card').getByText('运行正常', { exact: true }).waitFor(VISIBLE)
        const menu = page.locator('.el-menu')
        for (const item of ['工作台', '组织管理', '账号管理', '角色权限']) {
          assert.equal(await menu.getByText(item, { exact: true }).isVisible(), true, item)
        }
        for (const item of ['接口密钥', '审计日志']) {
          assert.equal(await menu.getByText(item, { exact: true }).count(), 0, `${item} needs a permission demo-xian lacks`)
        }
        await screenshot(page, `admin-dashboard-${db}`)

        // 2. 组织管理: 西安市总工会 is the only root; its children load when it opens.
        await menu.getByText('组织管理', { exact: true }).click()
        await page.waitForURL(server.url + '/admin/orgs')
        const tree = page.getByTestId('org-tree')
        await treeNode(tree, '西安市总工会').waitFor(VISIBLE)
        assert.equal(await tree.getByText('宝鸡市总工会', { exact: true }).count(), 0, '宝鸡 is outside 西安’s scope')
        assert.equal(await tree.getByText('陕西省总工会', { exact: true }).count(), 0, 'the province is above 西安')
        await treeNode(tree, '西安市总工会').click()
        await treeNode(tree, '碑林区总工会').waitFor(VISIBLE)
        const detail = page.getByTestId('org-detail')
        await detail.getByText('市级', { exact: true }).waitFor(VISIBLE)
        await detail.getByText('地方总工会', { exact: true }).waitFor(VISIBLE)
        await detail.getByText('610100').waitFor(VISIBLE)
        await screenshot(page, `admin-orgs-xian-${db}`)

        // 3. 账号管理 → 新建干部账号 at 碑林区总工会, 基层工作部, 本级及下级.
        await menu.getByText('账号管理', { exact: true }).click()
        await page.waitForURL(server.url + '/admin/accounts')
        await page.getByTestId('accounts-table').waitFor(VISIBLE)
        const username = `xian-cadre-${randomBytes(3).toString('hex')}`
        const realName = `碑林干部${randomInt(10, 99)}`
        await page.getByTestId('new-account').click()
        const dialog = page.locator('.el-dialog', { hasText: '新建干部账号' })
        await dialog.waitFor(VISIBLE)
        await dialog.locator('input[name="username"]').fill(username)
        await dialog.locator('input[name="real_name"]').fill(realName)
        await dialog.locator('input[name="phone"]').fill(randomPhone())

        await dialog.locator('.gh-org-select__input').click()
        const dropdown = page.locator('.el-popper.gh-org-select:visible')
        await treeNode(dropdown, '西安市总工会').waitFor(VISIBLE)
        await treeNode(dropdown, '西安市总工会').locator('.el-tree-node__expand-icon').click()
        await treeNode(dropdown, '碑林区总工会').waitFor(VISIBLE)
        await screenshot(page, `admin-org-picker-${db}`)
        await treeNode(dropdown, '碑林区总工会').getByText('碑林区总工会', { exact: true }).click()
        await dialog.locator('.gh-org-select__input').getByText('碑林区总工会').waitFor(VISIBLE)

        await dialog.locator('.el-select', { has: page.getByText('请选择角色') }).click()
        await page.locator('.el-select-dropdown__item:visible', { hasText: '基层工作部' }).click()
        await dialog.getByText('本级及下级', { exact: true }).click()
        await screenshot(page, `admin-new-account-${db}`)
        await dialog.getByRole('button', { name: '创建账号' }).click()

        const shown = page.locator('.el-dialog', { hasText: '请将初始密码告知本人，首次登录须修改' })
        await shown.waitFor(VISIBLE)
        const initialPassword = (await shown.getByTestId('secret-value').innerText()).trim()
        assert.ok(initialPassword.length >= 8, `an initial password is shown (${initialPassword.length} characters)`)
        await screenshot(page, `admin-initial-password-${db}`)
        await shown.getByRole('button', { name: '我已记下，关闭' }).click()
        await shown.waitFor(GONE)

        const row = page.getByTestId('accounts-table').locator('.el-table__row', { hasText: username })
        await row.getByText('碑林区总工会 · 基层工作部 · 含下级').waitFor(VISIBLE)
        await screenshot(page, `admin-accounts-${db}`)

        // 4. 退出, then log in as the new cadre: the console insists on a new password first.
        await page.getByTestId('logout').click()
        await page.locator('.el-message-box').getByRole('button', { name: '退出' }).click()
        await page.waitForURL(server.url + '/admin/login')
        await consoleLogin(page, username, initialPassword)
        await page.waitForURL(/\/admin\/password/)
        await page.getByTestId('password-card').getByText('修改初始密码', { exact: true }).waitFor(VISIBLE)
        await screenshot(page, `admin-change-password-${db}`)

        // Nothing else opens before the password is changed.
        await page.goto(server.url + '/admin/orgs')
        await page.waitForURL((u) => u.pathname === '/admin/password' && u.searchParams.get('redirect') === '/orgs')
        await page.getByTestId('password-card').waitFor(VISIBLE)

        const newPassword = `Beilin#${randomInt(1000, 9999)}a`
        await page.locator('input[name="old_password"]').fill(initialPassword)
        await page.locator('input[name="new_password"]').fill(newPassword)
        await page.locator('input[name="new_password2"]').fill(newPassword)
        await page.getByRole('button', { name: '确认修改' }).click()

        // 5. Back where they wanted to go: 组织管理, with 碑林区总工会 as the only root.
        await page.waitForURL(server.url + '/admin/orgs')
        await page.getByTestId('current-user').getByText(realName).waitFor(VISIBLE)
        const own = page.getByTestId('org-tree')
        await treeNode(own, '碑林区总工会').waitFor(VISIBLE)
        assert.equal(await own.getByText('西安市总工会', { exact: true }).count(), 0, '西安 is above 碑林区')
        assert.equal(await page.locator('.el-menu').getByText('账号管理', { exact: true }).count(), 0)
        await screenshot(page, `admin-orgs-beilin-${db}`)

        assert.deepEqual(errors, [])
      } finally {
        await context.close()
      }
    })

    test('a cadre with two-factor login enters the code sent by SMS', async () => {
      // Turn on the authenticator for demo-province over the API first.
      const who = await apiLogin(server.url, PROVINCE_USER, DEMO_PASSWORD)
      const enrol = await apiPost(server.url, who, '/me/totp', { password: DEMO_PASSWORD })
      assert.ok(enrol.secret, 'an authenticator secret')
      await apiPost(server.url, who, '/me/totp/confirm', { code: totpCode(enrol.secret) })
      await apiPost(server.url, who, '/auth/logout', {})

      const context = await browser.newContext(DESKTOP)
      const page = await context.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      try {
        await page.goto(server.url + '/admin/orgs')
        await page.waitForURL(/\/admin\/login/)
        await consoleLogin(page, PROVINCE_USER, DEMO_PASSWORD)
        const card = page.getByTestId('login-card')
        await card.getByText('安全验证', { exact: true }).waitFor(VISIBLE)
        await card.getByText(/验证器/).waitFor(VISIBLE)

        // A wrong code is refused with the server's message.
        await card.locator('input[name="code"]').fill('000000')
        await card.getByRole('button', { name: '确定' }).click()
        await page.getByTestId('login-error').waitFor(VISIBLE)
        await screenshot(page, `admin-mfa-${db}`)

        const since = server.logs().length
        await card.getByRole('button', { name: '发送短信验证码' }).click()
        const code = await waitForSmsCode(server, PROVINCE_PHONE, 'mfa', { since })
        await card.getByRole('button', { name: /\d+ 秒后重发/ }).waitFor(VISIBLE)
        await card.locator('input[name="code"]').fill(code)
        await card.getByRole('button', { name: '确定' }).click()

        // In, and back on the page asked for at first.
        await page.waitForURL(server.url + '/admin/orgs')
        await page.getByTestId('current-user').waitFor(VISIBLE)
        await treeNode(page.getByTestId('org-tree'), '陕西省总工会').waitFor(VISIBLE)
        assert.deepEqual(errors, [])
      } finally {
        await context.close()
      }
    })
  })
}
