// Browser tests of the two web apps' first pages, against a real `gonghui serve`:
// the members' portal at / (phone) and the cadres' console at /admin/ (PC).
// Run: node --test tests/e2e/   (needs build/test/gonghui and web/dist, see Makefile)

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { dbKinds, startServer } from '../lib/server.mjs'
import { DESKTOP, PHONE, launchBrowser, screenshot } from '../lib/browser.mjs'

const VISIBLE = { state: 'visible', timeout: 10_000 }

for (const db of dbKinds()) {
  describe(`web apps (${db})`, () => {
    let server = null
    let browser = null
    let version = null

    before(async () => {
      server = await startServer({ db })
      browser = await launchBrowser()
      const res = await fetch(server.url + '/api/v1/version')
      assert.equal(res.status, 200)
      version = await res.json()
      assert.equal(version.name, 'gonghui')
      assert.match(version.version, /^\d+\.\d+\.\d+/)
    })

    after(async () => {
      try {
        await browser?.close()
      } finally {
        await server?.stop()
      }
    })

    /** A fresh page in a new context; the context is closed by the returned close(). */
    async function open(contextOptions) {
      const context = await browser.newContext(contextOptions)
      const page = await context.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      return { page, errors, close: () => context.close() }
    }

    test('portal home on a phone', async () => {
      const { page, errors, close } = await open(PHONE)
      try {
        const res = await page.goto(server.url + '/')
        assert.equal(res.status(), 200)
        assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN')

        await page.getByText('陕西网上工会', { exact: true }).first().waitFor(VISIBLE)
        await page.getByText('入会', { exact: true }).waitFor(VISIBLE)
        for (const name of ['转会', '困难帮扶', '法律援助', '疗休养', '积分签到', '就业服务', '学习培训']) {
          assert.equal(await page.getByText(name, { exact: true }).isVisible(), true, `entry ${name}`)
        }
        const line = page.getByTestId('server-version')
        await line.getByText(`服务版本 ${version.version}`).waitFor(VISIBLE)
        for (const tab of ['首页', '服务', '消息', '我的']) {
          assert.equal(await page.locator('.van-tabbar').getByText(tab, { exact: true }).isVisible(), true, tab)
        }
        await screenshot(page, `portal-home-${db}`)

        // An entry that is not built yet says so.
        await page.getByText('法律援助', { exact: true }).tap()
        await page.getByText('即将开放', { exact: true }).waitFor(VISIBLE)
        await screenshot(page, `portal-toast-${db}`)

        // The 我的 tab navigates within the app.
        await page.locator('.van-tabbar').getByText('我的', { exact: true }).tap()
        await page.waitForURL(server.url + '/me')
        await page.getByText('您还未登录').waitFor(VISIBLE)
        assert.deepEqual(errors, [])
      } finally {
        await close()
      }
    })

    test('portal deep link /me (SPA fallback)', async () => {
      const { page, errors, close } = await open(PHONE)
      try {
        const res = await page.goto(server.url + '/me')
        assert.equal(res.status(), 200)
        await page.getByText('您还未登录').waitFor(VISIBLE)
        await page.getByText(`服务版本 ${version.version}`).waitFor(VISIBLE)
        assert.equal(await page.locator('.van-tabbar-item--active').innerText(), '我的')
        await screenshot(page, `portal-me-${db}`)
        assert.deepEqual(errors, [])
      } finally {
        await close()
      }
    })

    test('console on a PC asks for login', async () => {
      const { page, errors, close } = await open(DESKTOP)
      try {
        const res = await page.goto(server.url + '/admin/')
        assert.equal(res.status(), 200)
        assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN')
        await page.waitForURL(server.url + '/admin/login')
        await page.getByText('陕西网上工会 · 管理后台').waitFor(VISIBLE)
        const card = page.getByTestId('login-card')
        await card.getByText('工会干部登录', { exact: true }).waitFor(VISIBLE)
        for (const label of ['账号', '密码']) {
          assert.equal(await card.getByText(label, { exact: true }).isVisible(), true, label)
        }
        await screenshot(page, `admin-login-page-${db}`)

        // A wrong account gets the server's message, in Chinese, on the card.
        await card.locator('input[name="username"]').fill('nobody-' + Date.now())
        await card.locator('input[name="password"]').fill('Wrong#Pass1')
        await card.getByRole('button', { name: '登录', exact: true }).click()
        const alert = page.getByTestId('login-error')
        await alert.waitFor(VISIBLE)
        assert.match(await alert.innerText(), /[\u4e00-\u9fff]/)
        assert.equal(page.url(), server.url + '/admin/login')
        await screenshot(page, `admin-login-error-${db}`)
        assert.deepEqual(errors, [])
      } finally {
        await close()
      }
    })

    test('console deep link /admin/orgs (SPA fallback) leads to login', async () => {
      const { page, errors, close } = await open(DESKTOP)
      try {
        const res = await page.goto(server.url + '/admin/orgs')
        assert.equal(res.status(), 200)
        await page.waitForURL((u) => u.pathname === '/admin/login' && u.searchParams.get('redirect') === '/orgs')
        await page.getByTestId('login-card').waitFor(VISIBLE)
        assert.deepEqual(errors, [])
      } finally {
        await close()
      }
    })
  })
}
