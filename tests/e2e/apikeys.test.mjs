// The 系统管理员 issues an API key in the console (docs/api/accounts.md, "API keys"): for
// 西安市总工会 and below, 组织管理 only. The key is shown once; it reads 西安's orgs and
// nothing in 宝鸡; once 吊销, it reads nothing. On the way, 角色权限 lists the built-in
// roles with their permissions in Chinese. Needs the demo data (`gonghui seed --demo`).
// Run: node --test tests/e2e/   (needs build/test/gonghui and web/dist, see Makefile)

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { dbKinds, startServer } from '../lib/server.mjs'
import { DESKTOP, launchBrowser, screenshot, consoleLogin } from '../lib/browser.mjs'

const VISIBLE = { state: 'visible', timeout: 10_000 }
const GONE = { state: 'hidden', timeout: 10_000 }
const DEMO_PASSWORD = 'Demo@2026'

/** Log in over the API; resolves {cookie, csrf}. */
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
  return { cookie, csrf: body.csrf_token }
}

async function apiGet(url, who, path) {
  const res = await fetch(url + '/api/v1' + path, { headers: { Cookie: who.cookie } })
  const text = await res.text()
  assert.equal(res.status, 200, `GET ${path}: ${text}`)
  return JSON.parse(text)
}

/** GET path with the key; resolves {status, body}. */
async function withKey(url, key, path) {
  const res = await fetch(url + '/api/v1' + path, { headers: { Authorization: `Bearer ${key}` } })
  const text = await res.text()
  let body = null
  try {
    body = JSON.parse(text)
  } catch {
    body = text
  }
  return { status: res.status, body }
}

for (const db of dbKinds()) {
  describe(`console API keys (${db})`, () => {
    let server = null
    let browser = null
    let xian = null // {id, name} of 西安市总工会
    let baoji = null // an org under 宝鸡市总工会

    before(async () => {
      server = await startServer({ db, demo: true })
      browser = await launchBrowser()
      // the orgs' ids, looked up over the API by the province's cadre
      const who = await apiLogin(server.url, 'demo-province', DEMO_PASSWORD)
      const [root] = (await apiGet(server.url, who, '/orgs/roots')).items
      const cities = (await apiGet(server.url, who, `/orgs/${root.id}/children`)).items
      xian = cities.find((o) => o.name === '西安市总工会')
      const bj = cities.find((o) => o.name === '宝鸡市总工会')
      assert.ok(xian && bj, 'the seed has 西安 and 宝鸡')
      const bjChildren = (await apiGet(server.url, who, `/orgs/${bj.id}/children`)).items
      baoji = bjChildren[0]
      assert.ok(baoji, '宝鸡 has a district union')
    })

    after(async () => {
      try {
        await browser?.close()
      } finally {
        await server?.stop()
      }
    })

    const treeNode = (scope, name) =>
      scope.locator('.el-tree-node__content', { has: scope.page().getByText(name, { exact: true }) })

    test('the system admin issues a key for 西安 (组织管理), uses it, and revokes it', async () => {
      const context = await browser.newContext(DESKTOP)
      const page = await context.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      try {
        await page.goto(server.url + '/admin/')
        await page.waitForURL(/\/admin\/login/)
        await consoleLogin(page, 'demo-sysadmin', DEMO_PASSWORD)
        await page.waitForURL(server.url + '/admin/')
        await page.getByTestId('current-user').getByText('系统管理员').waitFor(VISIBLE)
        const menu = page.locator('.el-menu')
        for (const item of ['工作台', '组织管理', '账号管理', '角色权限', '接口密钥']) {
          assert.equal(await menu.getByText(item, { exact: true }).isVisible(), true, item)
        }
        assert.equal(await menu.getByText('审计日志', { exact: true }).count(), 0, 'the audit log is the auditor’s')

        // 1. 角色权限: the built-in roles, each with its permissions in Chinese.
        await menu.getByText('角色权限', { exact: true }).click()
        await page.waitForURL(server.url + '/admin/roles')
        const roles = page.getByTestId('roles-table')
        const roleRow = (name) => roles.locator('.el-table__row', { has: page.getByText(name, { exact: true }) })
        await roleRow('本级工会管理员').waitFor(VISIBLE)
        const expected = {
          本级工会管理员: ['查看组织', '查看干部账号', '管理干部账号与授权'],
          基层工作部: ['查看组织', '维护组织', '查看会员', '审批申请'],
          权益保障部: ['办理法律援助'],
          系统管理员: ['管理接口密钥', '管理角色'],
          安全管理员: ['安全策略与账号锁定', '查看干部账号'],
          审计管理员: ['查看审计日志'],
        }
        for (const [role, perms] of Object.entries(expected)) {
          const row = roleRow(role)
          await row.waitFor(VISIBLE)
          const text = await row.innerText()
          for (const p of perms) assert.ok(text.includes(p), `${role} shows ${p}: ${text}`)
          assert.doesNotMatch(text, /\b[a-z]+\.[a-z_]+\b/, `${role} shows no permission codes`)
        }
        await roleRow('审计管理员').getByText('三员 · 审计管理员').waitFor(VISIBLE)
        // the catalogue below, by section, in Chinese
        const catalogue = page.locator('.gh-perm-list')
        await catalogue.getByText('账号与权限', { exact: true }).waitFor(VISIBLE)
        await catalogue.getByText('安全策略与账号锁定', { exact: true }).waitFor(VISIBLE)
        // the console scrolls inside its main pane: a tall window shows the whole page
        await page.setViewportSize({ width: 1366, height: 2000 })
        await screenshot(page, `apikeys-roles-${db}`)
        await page.setViewportSize(DESKTOP.viewport)

        // 2. 接口密钥 → 新建密钥.
        await menu.getByText('接口密钥', { exact: true }).click()
        await page.waitForURL(server.url + '/admin/api-keys')
        await page.getByTestId('keys-table').getByText('还没有接口密钥').waitFor(VISIBLE)
        await page.getByTestId('new-key').click()
        const dialog = page.locator('.el-dialog', { hasText: '新建接口密钥' })
        await dialog.waitFor(VISIBLE)
        const name = `西安大数据平台-${randomInt(100, 999)}`
        await dialog.getByPlaceholder('如：省大数据平台-组织数据').fill(name)

        await dialog.locator('.gh-org-select__input').click()
        const dropdown = page.locator('.el-popper.gh-org-select:visible')
        await treeNode(dropdown, '陕西省总工会').waitFor(VISIBLE)
        await treeNode(dropdown, '陕西省总工会').locator('.el-tree-node__expand-icon').click()
        await treeNode(dropdown, '西安市总工会').waitFor(VISIBLE)
        await treeNode(dropdown, '西安市总工会').getByText('西安市总工会', { exact: true }).click()
        await dialog.locator('.gh-org-select__input').getByText('西安市总工会').waitFor(VISIBLE)

        await dialog.getByText('本级及下级', { exact: true }).click()
        const orgsBox = dialog.locator('.el-checkbox', { hasText: '组织管理' })
        assert.equal(await orgsBox.locator('input').isDisabled(), false, 'the admin may issue 组织管理')
        await orgsBox.click()
        await screenshot(page, `apikeys-new-${db}`)
        await dialog.getByRole('button', { name: '创建密钥' }).click()

        // 3. The key, once.
        const shown = page.locator('.el-dialog', { hasText: '密钥只显示这一次' })
        await shown.waitFor(VISIBLE)
        await shown.getByText(name).waitFor(VISIBLE)
        const key = (await shown.getByTestId('secret-value').innerText()).trim()
        assert.match(key, /^gh_\S{16,}$/, 'the key is shown')
        await screenshot(page, `apikeys-created-${db}`)
        await shown.getByRole('button', { name: '我已记下，关闭' }).click()
        await shown.waitFor(GONE)

        // 4. The key reads 西安 and below, and nothing of 宝鸡.
        const own = await withKey(server.url, key, `/orgs/${xian.id}`)
        assert.equal(own.status, 200, JSON.stringify(own.body))
        assert.equal(own.body.name, '西安市总工会')
        const kids = await withKey(server.url, key, `/orgs/${xian.id}/children`)
        assert.equal(kids.status, 200, JSON.stringify(kids.body))
        assert.ok(kids.body.items.some((o) => o.name === '碑林区总工会'), 'and 西安’s districts')
        const other = await withKey(server.url, key, `/orgs/${baoji.id}`)
        assert.equal(other.status, 404, `宝鸡 (${baoji.name}) is outside the key: ${JSON.stringify(other.body)}`)

        // 5. The list: the key's beginning, its org, scope and section; used just now.
        await page.reload()
        const row = page.getByTestId('keys-table').locator('.el-table__row', { hasText: name })
        await row.waitFor(VISIBLE)
        const prefix = (await row.getByTestId('key-start').innerText()).replace(/…$/, '').trim()
        assert.ok(prefix.length >= 6 && key.startsWith(prefix), `the list shows the key's beginning (${prefix})`)
        assert.ok(!(await row.innerText()).includes(key), 'but never the whole key')
        for (const t of ['西安市总工会', '本级及下级', '组织管理', '有效', '每分钟最多 60 次']) {
          await row.getByText(t, { exact: true }).waitFor(VISIBLE)
        }
        assert.equal(await row.getByText('从未使用').count(), 0, 'the key was used')
        await screenshot(page, `apikeys-list-${db}`)

        // 6. 吊销, after a confirmation.
        await row.getByRole('button', { name: '吊销' }).click()
        const box = page.locator('.el-message-box', { hasText: '吊销后' })
        await box.waitFor(VISIBLE)
        await box.getByText(name).waitFor(VISIBLE)
        await screenshot(page, `apikeys-revoke-confirm-${db}`)
        await box.getByRole('button', { name: '吊销' }).click()
        await row.getByText('已吊销', { exact: true }).waitFor(VISIBLE)
        assert.equal(await row.getByRole('button', { name: '吊销' }).count(), 0, 'nothing left to revoke')
        await screenshot(page, `apikeys-revoked-${db}`)

        const after = await withKey(server.url, key, `/orgs/${xian.id}`)
        assert.equal(after.status, 401, `a revoked key reads nothing: ${JSON.stringify(after.body)}`)

        assert.deepEqual(errors, [])
      } finally {
        await context.close()
      }
    })
  })
}
