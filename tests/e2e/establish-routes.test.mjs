// 建会受理设置: the province's cadre gives the 采矿业 (B) employers' 建会 applications to
// 陕西省能源化学地质工会 in the console; a worker's 建会 of a coal company then goes there.
// Needs the demo data (`gonghui seed --demo`: demo-province / Demo@2026, orgs.write over
// the province).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { dbKinds, startServer } from '../lib/server.mjs'
import { DESKTOP, consoleLogin, launchBrowser, screenshot } from '../lib/browser.mjs'
import { login, registerWorker } from '../lib/client.mjs'

const VISIBLE = { state: 'visible', timeout: 10_000 }
const ENERGY = '陕西省能源化学地质工会'

for (const db of dbKinds()) {
  describe(`建会受理设置 (${db})`, () => {
    let server, browser, page
    const errors = []

    before(async () => {
      server = await startServer({ db, demo: true })
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

    test('an industry is given to an industry union, and 建会 of that industry goes there', async () => {
      await page.goto(server.url + '/admin/')
      await page.waitForURL(/\/admin\/login/)
      await consoleLogin(page, 'demo-province', 'Demo@2026')
      await page.waitForURL(server.url + '/admin/')
      await page.locator('.el-menu').getByText('建会受理设置', { exact: true }).click()
      await page.getByTestId('establish-routes').getByText('采矿业').waitFor(VISIBLE)
      await page.getByTestId('route-B').locator('.gh-org-select__input').click()
      const dropdown = page.locator('.el-popper.gh-org-select:visible')
      const node = (name) => dropdown.locator('.el-tree-node__content', { has: page.getByText(name, { exact: true }) })
      await node('陕西省总工会').waitFor(VISIBLE)
      if (!(await node(ENERGY).isVisible())) await node('陕西省总工会').locator('.el-tree-node__expand-icon').click()
      await node(ENERGY).getByText(ENERGY, { exact: true }).click()
      await page.getByTestId('route-B').getByText(ENERGY).waitFor(VISIBLE)
      await page.getByTestId('routes-save').click()
      await page.getByText('已保存').waitFor(VISIBLE)
      await screenshot(page, `establish-routes-${db}`)

      const province = await login(server, 'demo-province')
      assert.deepEqual((await province.get('/establish/routes')).body.routes.map((r) => [r.industry, r.org_name]), [['B', ENERGY]])
      const w = await registerWorker(server)
      const res = await w.client.post('/applications', {
        type: 'establish',
        employer_name: '西安某煤业有限公司',
        employer_credit_code: '91610113MA6TY09K0A',
        division_code: '610113',
        industry: 'B',
        staff_count: 80,
        chair_name: '李矿长',
      })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      assert.equal(res.body.org_name, ENERGY)
    })
  })
}
