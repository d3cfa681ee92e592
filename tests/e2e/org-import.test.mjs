// 工会导入 in the console (docs/api/orgs.md, "Importing base unions"): the 西安 cadre downloads
// the union template, fills it with two 单独基层工会, a 联合基层工会 of two employers (one row
// each, the same 工会名称) and three bad rows (a wrong check character of the 统一社会信用代码,
// a wrong check character of the 组织机构代码 inside one, and 西安长安精密仪器有限公司's code, whose
// employer already has a union), uploads it choosing 雁塔区总工会 (a base union cannot be
// chosen), reads the counts and the problem list, commits, finds the new unions under
// 雁塔区总工会 in 组织管理, then fixes the problem list and imports it again.
// Needs the demo data (`gonghui seed --demo`: demo-xian / Demo@2026 holds orgs.write over
// 西安市总工会 and below).
// Run: node --test tests/e2e/org-import.test.mjs   (needs build/test/gonghui and web/dist)

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { dbKinds, startServer } from '../lib/server.mjs'
import { DESKTOP, consoleLogin, launchBrowser, screenshot } from '../lib/browser.mjs'
import { login } from '../lib/client.mjs'
import { fillSheet, readSheet, replaceRows } from '../lib/xlsx.mjs'

const VISIBLE = { state: 'visible', timeout: 10_000 }
const SLOW = { state: 'visible', timeout: 60_000 }
const DEMO_USER = 'demo-xian'
const DEMO_PASSWORD = 'Demo@2026'
const COUNTY = '雁塔区总工会'
const JOINT_DEMO = '西安雁塔软件园联合工会' // a base union of the demo seed under 雁塔区总工会
const CHANGAN = '西安长安精密仪器有限公司工会'
const CHANGAN_CODE = '91610103MA6TX1A274' // its employer's code (demo seed)

const TITLES = [
  '工会名称', '工会类型', '上级工会编号', '单位名称', '统一社会信用代码', '组织机构代码',
  '所在区县', '行业', '单位类别', '地址', '职工人数', '女职工人数', '农民工人数', '成立日期',
  '主席姓名', '主席电话', '联系人', '联系电话',
]

/* ---- 统一社会信用代码 (GB 32100) and 组织机构代码 (GB 11714) ---- */

const CREDIT_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]

/** The GB 11714 check character of an 8-character 组织机构代码 body (digits, or letters A = 10 … Z = 35). */
function orgCheck(body8) {
  let sum = 0
  for (let i = 0; i < 8; i++) sum += parseInt(body8[i], 36) * ORG_WEIGHTS[i]
  const c = 11 - (sum % 11)
  return c === 10 ? 'X' : c === 11 ? '0' : String(c)
}

/** The GB 32100 check character of the first 17 characters. */
function creditCheck(first17) {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += CREDIT_ALPHABET.indexOf(first17[i]) * CREDIT_WEIGHTS[i]
  return CREDIT_ALPHABET[(31 - (sum % 31)) % 31]
}

/** A valid 统一社会信用代码 of an invented company in `division`; `body8` picks its 组织机构代码. */
function creditCode(division = '610113', body8 = String(randomInt(10_000_000, 99_999_999))) {
  const first17 = `91${division}${body8}${orgCheck(body8)}`
  return first17 + creditCheck(first17)
}

/** The same code with a wrong last check character. */
function wrongCheck(code) {
  const i = CREDIT_ALPHABET.indexOf(code[17])
  return code.slice(0, 17) + CREDIT_ALPHABET[(i + 1) % 31]
}

/** A code whose own check character is right but whose 组织机构代码 (characters 9–17) is not. */
function wrongInnerCheck(code) {
  const body8 = code.slice(8, 16)
  const right = orgCheck(body8)
  const wrong = right === '0' ? '1' : '0'
  const first17 = code.slice(0, 16) + wrong
  return first17 + creditCheck(first17)
}

test('the code helpers agree with a code of the demo seed', () => {
  assert.equal(orgCheck(CHANGAN_CODE.slice(8, 16)), CHANGAN_CODE[16])
  assert.equal(creditCheck(CHANGAN_CODE.slice(0, 17)), CHANGAN_CODE[17])
  const c = creditCode()
  assert.notEqual(wrongCheck(c), c)
  const inner = wrongInnerCheck(c)
  assert.equal(creditCheck(inner.slice(0, 17)), inner[17], 'the outer check still holds')
  assert.notEqual(orgCheck(inner.slice(8, 16)), inner[16], 'the inner one does not')
})

/** A template row from {title: value}, in the template's column order. */
function row(header, values) {
  for (const k of Object.keys(values)) assert.ok(header.includes(k), `the template has a column ${k}`)
  return header.map((t) => (values[t] === undefined ? '' : String(values[t])))
}

for (const db of dbKinds()) {
  describe(`console union import (${db})`, () => {
    let server = null
    let browser = null
    let page = null
    let xian = null
    let tmp = null
    const errors = []
    const o = {}

    // the file: 2 single unions, a joint union over 2 employers, 3 bad rows
    const SINGLE_A = { union: '西安雁塔启明电子有限公司工会', employer: '西安雁塔启明电子有限公司', code: creditCode() }
    const SINGLE_B = { union: '西安雁塔远航物流有限公司工会', employer: '西安雁塔远航物流有限公司', code: creditCode() }
    const JOINT = '西安小寨商圈联合工会'
    const JOINT_A = { employer: '西安小寨华彩商贸有限公司', code: creditCode() }
    const JOINT_B = { employer: '西安小寨味道餐饮有限公司', code: creditCode() }
    const BAD_CHECK = { union: '西安雁塔恒信科技有限公司工会', employer: '西安雁塔恒信科技有限公司', code: creditCode() }
    const BAD_INNER = { union: '西安雁塔瑞丰建材有限公司工会', employer: '西安雁塔瑞丰建材有限公司', code: creditCode() }
    // typed with 西安长安精密仪器有限公司's code by mistake
    const TAKEN = { union: '西安雁塔长兴机械有限公司工会', employer: '西安雁塔长兴机械有限公司', code: creditCode() }

    before(async () => {
      tmp = await mkdtemp(path.join(os.tmpdir(), 'gh-org-import-'))
      server = await startServer({ db, demo: true })
      browser = await launchBrowser()
      const context = await browser.newContext({ ...DESKTOP, acceptDownloads: true })
      page = await context.newPage()
      page.on('pageerror', (e) => errors.push(e.message))
      xian = await login(server, DEMO_USER, DEMO_PASSWORD)
      const city = (await xian.get('/orgs/roots')).body.items[0]
      const counties = (await xian.get(`/orgs/${city.id}/children`)).body.items
      o.yanta = counties.find((c) => c.name === COUNTY).id
    })

    after(async () => {
      try {
        await browser?.close()
      } finally {
        await server?.stop()
        if (tmp) await rm(tmp, { recursive: true, force: true })
      }
      assert.deepEqual(errors, [], 'no errors on the page')
    })

    const menu = () => page.locator('.el-menu')
    const tree = () => page.getByTestId('org-tree')
    const detail = () => page.getByTestId('org-detail')
    const counts = () => page.getByTestId('import-counts')
    const done = () => page.getByTestId('import-done')
    const dropdown = () => page.locator('.el-popper.gh-org-select:visible')
    /** A node of an el-tree (the page's tree or a picker's dropdown) by its org name. */
    const treeNode = (scope, name) => scope.locator('.el-tree-node__content', { has: page.getByText(name, { exact: true }) })
    /** The unions directly under 雁塔区总工会, by name. */
    const underYanta = async () => new Map((await xian.get(`/orgs/${o.yanta}/children`)).body.items.map((u) => [u.name, u]))

    /** Pick 雁塔区总工会 as the upper union, unless it is picked already. */
    async function pickCounty() {
      const box = page.getByTestId('import-org-select')
      if (await box.getByText(COUNTY).isVisible()) return
      await box.click()
      await treeNode(dropdown(), '西安市总工会').waitFor(VISIBLE)
      if (!(await treeNode(dropdown(), COUNTY).isVisible())) {
        await treeNode(dropdown(), '西安市总工会').locator('.el-tree-node__expand-icon').click()
      }
      await treeNode(dropdown(), COUNTY).getByText(COUNTY, { exact: true }).click()
      await box.getByText(COUNTY).waitFor(VISIBLE)
    }

    async function commitAndWait() {
      await page.getByTestId('import-commit').click()
      const box = page.locator('.el-message-box', { hasText: '确认导入' })
      await box.waitFor(VISIBLE)
      const asked = await box.innerText()
      await box.getByRole('button', { name: '确定导入' }).click()
      await done().waitFor(SLOW)
      await done().getByText('导入完成').waitFor(VISIBLE)
      return asked
    }

    test('工会导入: template, upload under 雁塔区总工会, the problem list, commit, the new unions in the tree', async () => {
      await page.goto(server.url + '/admin/')
      await page.waitForURL(/\/admin\/login/)
      await consoleLogin(page, DEMO_USER, DEMO_PASSWORD)
      await page.waitForURL(server.url + '/admin/')

      // the entry stands after 组织统计
      const entries = (await menu().locator('.el-menu-item').allInnerTexts()).map((t) => t.trim())
      assert.equal(entries[entries.indexOf('组织统计') + 1], '工会导入', entries.join(' '))
      await menu().getByText('工会导入', { exact: true }).click()
      await page.waitForURL(server.url + '/admin/orgs/import')
      await page.getByTestId('import-steps').waitFor(VISIBLE)
      await page.getByText('第一步：下载模板，按模板填写基层工会信息').waitFor(VISIBLE)
      await page.getByText('第二步：选择上级工会，上传填好的文件').waitFor(VISIBLE)

      // 1 下载模板: the union template, its header as the docs list it
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('import-template').click()])
      assert.equal(download.suggestedFilename(), '基层工会导入模板.xlsx')
      const templatePath = path.join(tmp, 'template.xlsx')
      await download.saveAs(templatePath)
      const template = await readFile(templatePath)
      const header = readSheet(template).rows[0]
      assert.deepEqual(header, TITLES)
      assert.equal(readSheet(template).rows.length, 1, 'the template is its header alone')

      const common = { 所在区县: '雁塔区', 行业: 'F', 地址: '西安市雁塔区小寨东路 1 号', 成立日期: '2025-06-01' }
      const rows = [
        row(header, { ...common, 工会名称: SINGLE_A.union, 工会类型: '单独基层工会', 单位名称: SINGLE_A.employer, 统一社会信用代码: SINGLE_A.code, 行业: '制造业', 职工人数: 120, 女职工人数: 45, 主席姓名: '周启明', 主席电话: '13991234501' }),
        row(header, { ...common, 工会名称: JOINT, 工会类型: '联合基层工会', 单位名称: JOINT_A.employer, 统一社会信用代码: JOINT_A.code, 职工人数: 30, 女职工人数: 18, 联系人: '孙小寨', 联系电话: '13991234502' }),
        row(header, { ...common, 工会名称: BAD_CHECK.union, 单位名称: BAD_CHECK.employer, 统一社会信用代码: wrongCheck(BAD_CHECK.code), 职工人数: 40 }),
        row(header, { ...common, 工会名称: SINGLE_B.union, 单位名称: SINGLE_B.employer, 统一社会信用代码: SINGLE_B.code, 行业: '交通运输、仓储和邮政业', 职工人数: 80 }),
        row(header, { ...common, 工会名称: BAD_INNER.union, 单位名称: BAD_INNER.employer, 统一社会信用代码: wrongInnerCheck(BAD_INNER.code), 职工人数: 25 }),
        row(header, { ...common, 工会名称: JOINT, 工会类型: '联合基层工会', 单位名称: JOINT_B.employer, 统一社会信用代码: JOINT_B.code, 职工人数: 20, 女职工人数: 12 }),
        row(header, { ...common, 工会名称: TAKEN.union, 单位名称: TAKEN.employer, 统一社会信用代码: CHANGAN_CODE, 职工人数: 60 }),
      ]
      const filePath = path.join(tmp, '雁塔区基层工会.xlsx')
      await writeFile(filePath, fillSheet(template, rows))

      // 2 选择上级工会: a base union is greyed out; 雁塔区总工会 is chosen
      await page.getByTestId('import-org-select').click()
      await treeNode(dropdown(), '西安市总工会').waitFor(VISIBLE)
      if (!(await treeNode(dropdown(), COUNTY).isVisible())) {
        await treeNode(dropdown(), '西安市总工会').locator('.el-tree-node__expand-icon').click()
      }
      await treeNode(dropdown(), COUNTY).locator('.el-tree-node__expand-icon').click()
      await treeNode(dropdown(), JOINT_DEMO).waitFor(VISIBLE)
      await treeNode(dropdown(), JOINT_DEMO).scrollIntoViewIfNeeded()
      assert.equal(await treeNode(dropdown(), JOINT_DEMO).locator('.is-disabled').count(), 1, 'a base union cannot be chosen')
      await screenshot(page, `org-import-picker-${db}`)
      await treeNode(dropdown(), JOINT_DEMO).getByText(JOINT_DEMO, { exact: true }).click()
      assert.equal(await page.getByTestId('import-org-select').getByText(JOINT_DEMO).count(), 0, 'clicking it picks nothing')
      await treeNode(dropdown(), COUNTY).getByText(COUNTY, { exact: true }).click()
      await page.getByTestId('import-org-select').getByText(COUNTY).waitFor(VISIBLE)

      await page.getByTestId('import-file').locator('input[type="file"]').setInputFiles(filePath)
      await page.getByTestId('import-file-name').getByText('雁塔区基层工会.xlsx').waitFor(VISIBLE)
      await page.getByTestId('import-upload').scrollIntoViewIfNeeded()
      await screenshot(page, `org-import-upload-${db}`)
      await page.getByTestId('import-upload').click()

      // 3 校验结果: rows are counted, not unions
      await counts().waitFor(SLOW)
      assert.equal((await counts().innerText()).replace(/\s+/g, ''), '共7行，可导入4行，有问题3行')
      await page.getByText('联合基层工会只要有一行有问题，整个工会都不导入。', { exact: false }).waitFor(VISIBLE)
      assert.match(await page.getByTestId('import-commit').innerText(), /确认导入\s*4\s*个单位/)
      await screenshot(page, `org-import-checked-${db}`)

      const [report] = await Promise.all([page.waitForEvent('download'), page.getByTestId('import-report').click()])
      assert.match(report.suggestedFilename(), /\.xlsx$/)
      const reportPath = path.join(tmp, 'report.xlsx')
      await report.saveAs(reportPath)
      const problems = readSheet(await readFile(reportPath)).rows
      const col = (title) => problems[0].indexOf(title)
      assert.equal(problems[0][0], '行号')
      assert.ok(col('错误原因') > 0, problems[0].join(','))
      assert.equal(problems.length, 4, 'the header and the three bad rows')
      const reason = (employer) => problems.find((r) => r[col('单位名称')] === employer)?.[col('错误原因')] || ''
      assert.match(reason(BAD_CHECK.employer), /统一社会信用代码/)
      assert.match(reason(BAD_INNER.employer), /组织机构代码/)
      assert.match(reason(TAKEN.employer), new RegExp(`已建有工会“${CHANGAN}”`))
      assert.deepEqual(
        problems.slice(1).map((r) => r[col('行号')]),
        ['4', '6', '8'],
        'the rows as the file numbers them (the header is row 1)',
      )

      // 4 确认导入
      const asked = await commitAndWait()
      assert.match(asked, /将导入 4 个单位。有问题的 3 行不会导入/)
      assert.equal((await page.getByTestId('import-done-count').innerText()).trim(), '4')
      // four rows, three unions: the joint union spans two employers
      assert.match((await done().innerText()).replace(/\s+/g, ''), /已为4个单位建立工会（共3个工会）；有问题的3行未导入/)
      await screenshot(page, `org-import-done-${db}`)

      const made = await underYanta()
      for (const name of [SINGLE_A.union, SINGLE_B.union, JOINT]) assert.ok(made.has(name), `${name} is under ${COUNTY}`)
      for (const name of [BAD_CHECK.union, BAD_INNER.union, TAKEN.union]) assert.ok(!made.has(name), `${name} is not`)
      const joint = (await xian.get(`/orgs/${made.get(JOINT).id}`)).body
      assert.equal(joint.type, 'joint')
      assert.equal(joint.staff_count, 50, 'the head counts of its rows, summed')
      assert.equal(joint.female_count, 30)
      assert.deepEqual(joint.employers.map((e) => e.credit_code).sort(), [JOINT_A.code, JOINT_B.code].sort())
      assert.equal(joint.division_code, '610113')

      // 查看: 组织管理 opens at 雁塔区总工会, the new unions under it
      await page.getByTestId('import-view-orgs').click()
      await page.waitForURL(`${server.url}/admin/orgs?id=${o.yanta}`)
      await detail().getByTestId('org-title').getByText(COUNTY, { exact: true }).waitFor(VISIBLE)
      await detail().getByTestId('org-import').getByText('批量导入基层工会').waitFor(VISIBLE) // the way back here, this union preset
      if (!(await treeNode(tree(), SINGLE_A.union).isVisible())) {
        await treeNode(tree(), COUNTY).locator('.el-tree-node__expand-icon').click()
      }
      for (const name of [SINGLE_A.union, SINGLE_B.union, JOINT, JOINT_DEMO]) await treeNode(tree(), name).waitFor(VISIBLE)
      assert.equal(await treeNode(tree(), TAKEN.union).count(), 0)
      await treeNode(tree(), JOINT).getByText(JOINT, { exact: true }).click()
      await detail().getByTestId('org-title').getByText(JOINT, { exact: true }).waitFor(VISIBLE)
      await detail().getByTestId('org-type').getByText('联合基层工会').waitFor(VISIBLE)
      const employers = detail().getByTestId('org-employers')
      for (const e of [JOINT_A, JOINT_B]) {
        await employers.getByText(e.employer).waitFor(VISIBLE)
        await employers.getByText(e.code).waitFor(VISIBLE)
      }
      await screenshot(page, `org-import-tree-${db}`)

      // the problem list, fixed where it says what is wrong, goes in again
      // (back to the import: its address keeps the job, so it shows as it ended)
      await page.goBack()
      await page.waitForURL(/\/admin\/orgs\/import\?job=\d+/)
      await done().waitFor(VISIBLE)
      const [again] = await Promise.all([page.waitForEvent('download'), done().getByTestId('import-report').click()])
      const listPath = path.join(tmp, 'problems.xlsx')
      await again.saveAs(listPath)
      const list = readSheet(await readFile(listPath)).rows
      const fixed = list.map((r) => {
        const x = [...r]
        if (x[col('单位名称')] === BAD_CHECK.employer) x[col('统一社会信用代码')] = BAD_CHECK.code
        if (x[col('单位名称')] === BAD_INNER.employer) x[col('统一社会信用代码')] = BAD_INNER.code
        if (x[col('单位名称')] === TAKEN.employer) x[col('统一社会信用代码')] = TAKEN.code
        return x
      })
      const fixedPath = path.join(tmp, '问题清单（已改正）.xlsx')
      await writeFile(fixedPath, replaceRows(await readFile(listPath), fixed))
      await page.getByTestId('import-again').click()
      await page.getByTestId('import-file').waitFor(VISIBLE)
      await pickCounty()
      await page.getByTestId('import-file').locator('input[type="file"]').setInputFiles(fixedPath)
      await page.getByTestId('import-upload').click()
      await counts().waitFor(SLOW)
      assert.equal((await counts().innerText()).replace(/\s+/g, ''), '共3行，可导入3行，有问题0行')
      await screenshot(page, `org-import-fixed-${db}`)
      await commitAndWait()
      assert.equal((await page.getByTestId('import-done-count').innerText()).trim(), '3')
      await screenshot(page, `org-import-fixed-done-${db}`)

      await page.getByTestId('import-view-orgs').click()
      await page.waitForURL(`${server.url}/admin/orgs?id=${o.yanta}`)
      await detail().getByTestId('org-title').getByText(COUNTY, { exact: true }).waitFor(VISIBLE)
      if (!(await treeNode(tree(), SINGLE_A.union).isVisible())) {
        await treeNode(tree(), COUNTY).locator('.el-tree-node__expand-icon').click()
      }
      for (const name of [SINGLE_A.union, SINGLE_B.union, JOINT, BAD_CHECK.union, BAD_INNER.union, TAKEN.union]) {
        await treeNode(tree(), name).waitFor(VISIBLE)
      }
      await treeNode(tree(), TAKEN.union).getByText(TAKEN.union, { exact: true }).click()
      await detail().getByTestId('org-employers').getByText(TAKEN.code).waitFor(VISIBLE)
      await screenshot(page, `org-import-tree-fixed-${db}`)
    })

    test('审计日志 names the import’s steps in words', async () => {
      const context = await browser.newContext(DESKTOP)
      const audit = await context.newPage()
      audit.on('pageerror', (e) => errors.push(e.message))
      try {
        await audit.goto(server.url + '/admin/audit')
        await consoleLogin(audit, 'demo-auditor', DEMO_PASSWORD)
        await audit.waitForURL(server.url + '/admin/audit')
        await audit.getByTestId('filter-action').click()
        await audit.locator('.el-select-dropdown__item:visible', { hasText: '工会组织（全部）' }).click()
        await audit.getByRole('button', { name: '查询' }).click()
        const rows = audit.getByTestId('audit-table').locator('.el-table__body .el-table__row')
        for (const [text, action] of [
          ['上传工会导入文件', 'orgs.import.upload'],
          ['确认导入工会', 'orgs.import.commit'],
          ['批量导入工会', 'orgs.import'],
        ]) {
          const r = rows.filter({ hasText: text }).filter({ hasText: action })
          await r.first().waitFor(VISIBLE)
          assert.equal(await r.count(), 2, `${action}: the import and the one of the fixed list`)
        }
        await rows.filter({ hasText: '批量导入工会' }).first().getByText(/导入任务 ID \d+/).waitFor(VISIBLE)
        await screenshot(audit, `org-import-audit-${db}`)
      } finally {
        await context.close()
      }
    })
  })
}
