// 工会法人资格 in the console and the portal (docs/api/orgs.md, "Legal-person registration").
// The cadre of 西安长安精密仪器有限公司工会 (demo-base) files a 法人资格登记 from the union's
// 法人资格 tab: with one uploaded file it is refused under 申请材料, with two it is filed and
// the application's page lists the materials and prints the 申请表. The registrar's side
// (demo-xian over 碑林区总工会) approves it in 待办; the union's tab then shows the certificate,
// its preview draws the PDF's first page on a canvas, and the PDF downloads. The public
// /cert?no=… page on a phone (no login) says 有效. A 注销 without the three 已清理 boxes is
// refused under them; with them it is filed and approved, and /cert says 已注销.
// Needs the demo data (`gonghui seed --demo`).
// Run: node --test tests/e2e/legal.test.mjs   (needs build/test/gonghui and web/dist)

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { dbKinds, startServer } from '../lib/server.mjs'
import { DESKTOP, PHONE, consoleLogin, launchBrowser, screenshot, screenshotDir } from '../lib/browser.mjs'
import { login } from '../lib/client.mjs'

const VISIBLE = { state: 'visible', timeout: 10_000 }
const GONE = { state: 'hidden', timeout: 10_000 }
const PASSWORD = 'Demo@2026'
const UNION = '西安长安精密仪器有限公司工会'
const REGISTRAR = '碑林区总工会'

/** A Beijing date `offset` days from today, YYYY-MM-DD. */
const day = (offset = 0) => new Date(Date.now() + 8 * 3600e3 + offset * 86400e3).toISOString().slice(0, 10)

/** A tiny file the server takes for a PDF (it sniffs "%PDF-"). */
const pdfFile = (name) => ({ name, mimeType: 'application/pdf', buffer: Buffer.from(`%PDF-1.4\n% ${name}\n%%EOF\n`) })

for (const db of dbKinds()) {
  describe(`法人资格 in the console and the portal (${db})`, () => {
    let server = null
    let browser = null
    let page = null // demo-base, the union's cadre
    let reviewer = null // demo-xian, over the registrar
    let phone = null // anyone, on a phone, not logged in
    let base = null
    let union = null
    let certNo = ''
    const errors = []

    before(async () => {
      server = await startServer({ db, demo: true })
      browser = await launchBrowser()
      const watch = (p) => p.on('pageerror', (e) => errors.push(e.message))
      page = await (await browser.newContext(DESKTOP)).newPage()
      reviewer = await (await browser.newContext(DESKTOP)).newPage()
      phone = await (await browser.newContext(PHONE)).newPage()
      for (const p of [page, reviewer, phone]) watch(p)
      base = await login(server, 'demo-base', PASSWORD)
      union = (await base.get('/employers?q=' + encodeURIComponent('长安精密'))).body.items[0].org_id
    })

    after(async () => {
      try {
        await browser?.close()
      } finally {
        await server?.stop()
      }
      assert.deepEqual(errors, [], 'no errors on the pages')
    })

    const form = () => page.getByTestId('legal-form')
    const panel = () => page.getByTestId('legal-panel')

    async function openLegalTab() {
      await page.goto(`${server.url}/admin/orgs?id=${union}&tab=legal`)
      await page.getByTestId('org-title').getByText(UNION, { exact: true }).waitFor(VISIBLE)
      await panel().waitFor(VISIBLE)
      await panel().locator('.el-loading-mask').waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {})
    }

    async function fillDate(input, value) {
      await input.click()
      await input.fill(value)
      await input.press('Enter')
    }

    /** demo-xian approves application `id` on its page (the registrar's 待办). */
    async function approve(id) {
      await reviewer.goto(`${server.url}/admin/applications/${id}`)
      await reviewer.getByTestId('app-org').getByText(REGISTRAR, { exact: true }).waitFor(VISIBLE)
      await reviewer.getByTestId('action-approve').click()
      const dialog = reviewer.getByTestId('action-dialog')
      await dialog.waitFor(VISIBLE)
      await dialog.getByTestId('action-comment').fill('材料齐全，同意')
      await dialog.getByTestId('action-confirm').click()
      await reviewer.getByTestId('app-state').getByText('已通过').waitFor(VISIBLE)
    }

    async function checkPage(no) {
      await phone.goto(`${server.url}/cert?no=${encodeURIComponent(no)}`)
      const verdict = phone.getByTestId('cert-verdict')
      await verdict.waitFor(VISIBLE)
      return (await verdict.innerText()).trim()
    }

    let registerId = 0

    test('法人资格登记: one file is refused under 申请材料; with two it is filed', async () => {
      await page.goto(server.url + '/admin/')
      await page.waitForURL(/\/admin\/login/)
      await consoleLogin(page, 'demo-base', PASSWORD)
      await page.waitForURL(server.url + '/admin/')
      await openLegalTab()
      await panel().getByTestId('legal-none').waitFor(VISIBLE)
      // without a certificate only 登记 is offered
      const actions = panel().getByTestId('legal-actions')
      await actions.getByTestId('legal-start-legal_register').waitFor(VISIBLE)
      for (const k of ['legal_change', 'legal_renew', 'legal_reissue', 'legal_cancel']) {
        assert.equal(await actions.getByTestId(`legal-start-${k}`).count(), 0, `${k} not offered`)
      }
      assert.equal(await panel().getByTestId('legal-preview').count(), 0)
      await screenshot(page, `legal-none-${db}`)

      await actions.getByTestId('legal-start-legal_register').click()
      await form().waitFor(VISIBLE)
      await form().getByTestId('legal-field-representative').locator('input').fill('王建国')
      await form().getByTestId('legal-field-address').locator('input').fill('西安市碑林区友谊西路 100 号')
      await form().getByTestId('legal-field-phone').locator('input').fill('029-88880000')
      await form().getByTestId('legal-field-funding').locator('input').fill('会员会费和单位拨缴经费')
      await form().getByTestId('legal-field-approval_doc').locator('input').fill('碑工发〔2026〕12号')
      const term = form().getByTestId('legal-field-term').locator('input')
      await fillDate(term.nth(0), day(-30))
      await fillDate(term.nth(1), day(365 * 4))
      await form().getByTestId('legal-field-representative').locator('input').click() // close the picker

      await form().getByTestId('materials-input').setInputFiles([pdfFile('选举结果.pdf')])
      await form().getByTestId('material-name').getByText('选举结果.pdf').waitFor(VISIBLE)
      await form().getByTestId('legal-submit').click()
      const materials = form().getByTestId('legal-field-materials')
      await materials.locator('.el-form-item__error').getByText('至少 2 份').waitFor(VISIBLE)
      assert.equal(await form().isVisible(), true, 'the form stays open')
      await screenshot(page, `legal-register-one-file-${db}`)

      await form().getByTestId('materials-input').setInputFiles([pdfFile('主席和经办人身份证明.pdf')])
      await form().getByTestId('material-name').getByText('主席和经办人身份证明.pdf').waitFor(VISIBLE)
      assert.equal(await form().getByTestId('material-name').count(), 2)
      await form().getByTestId('legal-submit').click()
      await page.waitForURL(/\/admin\/applications\/\d+$/)
      registerId = Number(page.url().split('/').pop())
      await page.getByTestId('app-title').getByText('法人资格登记').waitFor(VISIBLE)
      assert.equal((await page.getByTestId('app-state').innerText()).trim(), '待审批')
      assert.equal((await page.getByTestId('app-org').innerText()).trim(), REGISTRAR)
      const rows = page.getByTestId('app-form')
      for (const [field, text] of [
        ['org_name', UNION],
        ['registrar_name', REGISTRAR],
        ['representative', '王建国'],
        ['approval_doc', '碑工发〔2026〕12号'],
        ['term', `${day(-30)} 至 ${day(365 * 4)}`],
      ]) {
        assert.equal((await rows.getByTestId(`form-${field}`).innerText()).trim(), text, field)
      }
      await rows.getByText('法定代表人（工会主席）').waitFor(VISIBLE)
      await screenshot(page, `legal-register-filed-${db}`)
      const files = page.getByTestId('app-attachments').getByTestId('app-attachment-name')
      assert.deepEqual((await files.allInnerTexts()).map((t) => t.trim()), ['选举结果.pdf', '主席和经办人身份证明.pdf'])
      // a material downloads as it was uploaded
      const [dl] = await Promise.all([page.waitForEvent('download'), files.first().click()])
      assert.equal(dl.suggestedFilename(), '选举结果.pdf')
      assert.equal((await readFile(await dl.path())).toString(), pdfFile('选举结果.pdf').buffer.toString())
      // the 申请表 prints
      const [form1] = await Promise.all([page.waitForEvent('download'), page.getByTestId('app-form-download').click()])
      assert.equal((await readFile(await form1.path())).subarray(0, 5).toString(), '%PDF-')
      await page.getByTestId('app-form-pdf').click()
      const preview = page.getByTestId('pdf-preview')
      await preview.locator('canvas[data-ready="yes"]').waitFor(VISIBLE)
      await screenshot(page, `legal-register-filed-form-${db}`)
      await preview.getByTestId('pdf-close').click()
      await preview.waitFor(GONE)

      // the union's tab now says one is open and offers nothing else meanwhile
      await openLegalTab()
      await panel().getByTestId('legal-open').waitFor(VISIBLE)
      assert.equal(await panel().getByTestId('legal-start-legal_register').isDisabled(), true)
    })

    test('the registrar approves it in 待办', async () => {
      await reviewer.goto(server.url + '/admin/')
      await reviewer.waitForURL(/\/admin\/login/)
      await consoleLogin(reviewer, 'demo-xian', PASSWORD)
      await reviewer.waitForURL(server.url + '/admin/')
      await reviewer.locator('.el-menu').getByText('待办', { exact: true }).click()
      await reviewer.waitForURL(server.url + '/admin/inbox')
      const row = reviewer
        .getByTestId('inbox-table')
        .locator('.el-table__body .el-table__row')
        .filter({ hasText: '法人资格登记' })
      await row.first().waitFor(VISIBLE)
      assert.equal(await row.count(), 1)
      await row.getByTestId('inbox-open').click()
      await reviewer.waitForURL(`${server.url}/admin/applications/${registerId}`)
      await reviewer.getByTestId('app-attachments').waitFor(VISIBLE)
      await reviewer.getByTestId('action-approve').click()
      const dialog = reviewer.getByTestId('action-dialog')
      await dialog.getByText('发放法人资格证书').waitFor(VISIBLE)
      await dialog.getByTestId('action-comment').fill('材料齐全，同意登记')
      await dialog.getByTestId('action-confirm').click()
      await reviewer.getByTestId('app-state').getByText('已通过').waitFor(VISIBLE)
      certNo = (await reviewer.getByTestId('app-cert-no').innerText()).trim()
      assert.match(certNo, /^GF610103\d{10}$/)
      assert.match((await reviewer.getByTestId('app-legal-code').innerText()).trim(), /^81610103/)
      await screenshot(reviewer, `legal-register-approved-${db}`)
    })

    test('the union sees its certificate, previews it as an image and downloads the PDF', async () => {
      await openLegalTab()
      assert.equal((await panel().getByTestId('legal-cert-no').innerText()).trim(), certNo)
      assert.equal((await panel().getByTestId('legal-status').innerText()).trim(), '有效')
      const actions = panel().getByTestId('legal-actions')
      for (const k of ['legal_change', 'legal_renew', 'legal_reissue', 'legal_cancel']) {
        await actions.getByTestId(`legal-start-${k}`).waitFor(VISIBLE)
      }
      assert.equal(await actions.getByTestId('legal-start-legal_register').count(), 0, '登记 not offered again')
      await screenshot(page, `legal-certificate-${db}`)

      await panel().getByTestId('legal-preview').click()
      const preview = page.getByTestId('pdf-preview')
      const canvas = preview.locator('canvas[data-ready="yes"]')
      await canvas.waitFor({ state: 'visible', timeout: 20_000 })
      const drawn = await canvas.evaluate((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
        let ink = 0
        for (let i = 0; i < d.length; i += 4) if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) ink++
        return { ink, total: d.length / 4, width: c.width, height: c.height, png: c.toDataURL('image/png') }
      })
      assert.ok(drawn.width > drawn.height, `landscape page (${drawn.width}×${drawn.height})`)
      assert.ok(drawn.ink > drawn.total * 0.01, `some pixels are not white (${drawn.ink} of ${drawn.total})`)
      await mkdir(screenshotDir, { recursive: true })
      await writeFile(path.join(screenshotDir, `legal-certificate-image-${db}.png`), Buffer.from(drawn.png.split(',')[1], 'base64'))
      await screenshot(page, `legal-certificate-preview-${db}`)
      await preview.getByTestId('pdf-close').click()
      await preview.waitFor(GONE)

      const [dl] = await Promise.all([page.waitForEvent('download'), panel().getByTestId('legal-download').click()])
      assert.equal(dl.suggestedFilename(), `法人资格证书-${certNo}.pdf`)
      assert.equal((await readFile(await dl.path())).subarray(0, 5).toString(), '%PDF-')
    })

    test('anyone checks it on a phone: 有效; an unknown number says so', async () => {
      assert.equal(await checkPage(certNo), '有效')
      const details = phone.getByTestId('cert-details')
      await details.getByText(UNION).waitFor(VISIBLE)
      await details.getByText(REGISTRAR).waitFor(VISIBLE)
      await details.locator('[data-field="legal_code"]').getByText(/^81610103/).waitFor(VISIBLE)
      await screenshot(phone, `legal-cert-valid-${db}`)
      assert.equal(await checkPage('GF610103202699999999'), '查无此证')
      await screenshot(phone, `legal-cert-unknown-${db}`)
    })

    test('注销: refused without the three 已清理 boxes; with them filed, approved, and /cert says 已注销', async () => {
      await openLegalTab()
      await panel().getByTestId('legal-start-legal_cancel').click()
      await form().waitFor(VISIBLE)
      await form().getByTestId('legal-field-reason').locator('textarea').fill('单位注销，工会随之撤销')
      await form().getByTestId('materials-input').setInputFiles([pdfFile('清理报告.pdf')])
      await form().getByTestId('material-name').getByText('清理报告.pdf').waitFor(VISIBLE)
      await form().getByTestId('legal-submit').click()
      const cleared = form().getByTestId('legal-field-cleared')
      await cleared.locator('.el-form-item__error').getByText('经费尚未清理完毕').waitFor(VISIBLE)
      await screenshot(page, `legal-cancel-refused-${db}`)
      assert.equal((await base.get(`/orgs/${union}/certificate`)).body.status, 'valid', 'nothing changed')

      for (const k of ['funds_cleared', 'assets_cleared', 'debts_cleared']) await form().getByTestId(`legal-${k}`).click()
      await form().getByTestId('legal-submit').click()
      await page.waitForURL(/\/admin\/applications\/\d+$/)
      const cancelId = Number(page.url().split('/').pop())
      await page.getByTestId('app-title').getByText('注销法人资格').waitFor(VISIBLE)
      await page.getByTestId('form-cleared').getByText('经费、资产、债权债务已清理完毕').waitFor(VISIBLE)

      await approve(cancelId)
      assert.equal(await checkPage(certNo), '已注销')
      await screenshot(phone, `legal-cert-cancelled-${db}`)

      await openLegalTab()
      assert.equal((await panel().getByTestId('legal-status').innerText()).trim(), '已注销')
      await panel().getByTestId('legal-start-legal_register').waitFor(VISIBLE)
      assert.equal(await panel().getByTestId('legal-preview').count(), 0)
      await screenshot(page, `legal-cancelled-${db}`)
    })
  })
}
