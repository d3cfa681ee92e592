// 法人登记簿: after a union is registered (over the API), the 西安 cadre finds its certificate
// in the console's registry, filters by status, and opens the union's 法人资格 page from it.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { dbKinds, startServer } from '../lib/server.mjs'
import { DESKTOP, consoleLogin, launchBrowser, screenshot } from '../lib/browser.mjs'
import { login } from '../lib/client.mjs'

const VISIBLE = { state: 'visible', timeout: 10_000 }

async function upload(srv, c, name) {
  const res = await fetch(`${srv.url}/api/v1/attachments?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { Cookie: c.cookie, 'X-CSRF-Token': c.csrf, 'Content-Type': 'application/octet-stream' },
    body: Buffer.from(`%PDF-1.4\n% ${name}\n%%EOF\n`),
  })
  assert.equal(res.status, 201)
  return (await res.json()).id
}

for (const db of dbKinds()) {
  describe(`法人登记簿 (${db})`, () => {
    let server, browser, page, certNo, union
    const errors = []

    before(async () => {
      server = await startServer({ db, demo: true })
      const base = await login(server, 'demo-base')
      const xian = await login(server, 'demo-xian')
      union = (await base.get('/employers?q=' + encodeURIComponent('长安精密'))).body.items[0].org_id
      const day = (n) => new Date(Date.now() + 8 * 3600e3 + n * 86400e3).toISOString().slice(0, 10)
      const app = await base.post('/applications', {
        type: 'legal_register',
        org_id: union,
        representative: '王建国',
        address: '西安市碑林区友谊西路 100 号',
        approval_doc: '碑工发〔2026〕12号',
        term_from: day(-10),
        term_to: day(365 * 3),
        attachment_ids: [await upload(server, base, '选举结果.pdf'), await upload(server, base, '身份证明.pdf')],
      })
      assert.equal(app.status, 201, JSON.stringify(app.body))
      const ok = await xian.post(`/applications/${app.body.id}/actions`, { action: 'approve' })
      certNo = ok.body.result.cert_no
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

    test('the certificate is listed, filtered by status, and opens its union', async () => {
      await page.goto(server.url + '/admin/')
      await page.waitForURL(/\/admin\/login/)
      await consoleLogin(page, 'demo-xian', 'Demo@2026')
      await page.waitForURL(server.url + '/admin/')
      await page.locator('.el-menu').getByText('法人登记簿', { exact: true }).click()
      const table = page.getByTestId('registry-table')
      await table.getByText(certNo).waitFor(VISIBLE)
      await table.getByText('有效', { exact: true }).waitFor(VISIBLE)
      await screenshot(page, `legal-registry-${db}`)
      await page.getByTestId('legal-registry').getByText('已注销', { exact: true }).click()
      await table.getByText('没有符合条件的证书').waitFor(VISIBLE)
      await page.getByTestId('legal-registry').getByText('全部', { exact: true }).click()
      await table.getByText(certNo).waitFor(VISIBLE)
      await table.getByRole('button', { name: '查看' }).click()
      await page.waitForURL((u) => u.pathname === '/admin/orgs' && u.searchParams.get('id') === String(union))
    })
  })
}
