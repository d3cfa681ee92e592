// 组织管理 in the console (docs/api/orgs.md, 建会 in docs/api/applications.md). The 西安 cadre
// files a base union under 碑林区总工会 (a wrong 统一社会信用代码 is refused under the field),
// two members are filed there, the union moves to 雁塔区总工会 (both counties' member totals
// follow), a dissolve is refused while members remain (nothing changes), the union merges
// into 西安雁塔软件园联合工会 and shows 已撤销 with its history; 组织统计 draws its charts.
// 建会: a worker applies for a union in 雁塔区; the cadre approves it in 待办 and the new union
// is in the tree.
// Needs the demo data (`gonghui seed --demo`: demo-xian / Demo@2026 holds orgs.write and
// applications.review over 西安市总工会 and below).
// Run: node --test tests/e2e/orgs.test.mjs   (needs build/test/gonghui and web/dist)

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { dbKinds, startServer } from '../lib/server.mjs'
import { DESKTOP, consoleLogin, launchBrowser, screenshot } from '../lib/browser.mjs'
import { idCard, login, registerWorker } from '../lib/client.mjs'

const VISIBLE = { state: 'visible', timeout: 10_000 }
const GONE = { state: 'hidden', timeout: 10_000 }
const DEMO_USER = 'demo-xian'
const DEMO_PASSWORD = 'Demo@2026'
const JOINT = '西安雁塔软件园联合工会'
const CHANGAN_CODE = '91610103MA6TX1A274' // 西安长安精密仪器有限公司 (demo seed)

const CREDIT_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]

/** The GB 11714 check character of an 8-digit 组织机构代码 body. */
function orgCheck(body8) {
  let sum = 0
  for (let i = 0; i < 8; i++) sum += Number(body8[i]) * ORG_WEIGHTS[i]
  const c = 11 - (sum % 11)
  return c === 10 ? 'X' : c === 11 ? '0' : String(c)
}

/** A valid 统一社会信用代码 (GB 32100) of an invented company in `division` (e.g. 610103). */
function creditCode(division) {
  const body8 = String(randomInt(10_000_000, 99_999_999))
  const first17 = `91${division}${body8}${orgCheck(body8)}`
  let sum = 0
  for (let i = 0; i < 17; i++) sum += CREDIT_ALPHABET.indexOf(first17[i]) * CREDIT_WEIGHTS[i]
  return first17 + CREDIT_ALPHABET[(31 - (sum % 31)) % 31]
}

/** The same code with a wrong check character. */
function wrongCheck(code) {
  const i = CREDIT_ALPHABET.indexOf(code[17])
  return code.slice(0, 17) + CREDIT_ALPHABET[(i + 1) % 31]
}

for (const db of dbKinds()) {
  describe(`console union records (${db})`, () => {
    let server = null
    let browser = null
    let page = null
    let xian = null
    const errors = []
    const o = {}
    const EMPLOYER = '西安碑林晨光精工有限公司'
    const UNION = `${EMPLOYER}工会`
    const CODE = creditCode('610103')

    before(async () => {
      server = await startServer({ db, demo: true })
      browser = await launchBrowser()
      const context = await browser.newContext(DESKTOP)
      page = await context.newPage()
      page.on('pageerror', (e) => errors.push(e.message))
      xian = await login(server, DEMO_USER, DEMO_PASSWORD)
      const city = (await xian.get('/orgs/roots')).body.items[0]
      const counties = (await xian.get(`/orgs/${city.id}/children`)).body.items
      o.beilin = counties.find((c) => c.name === '碑林区总工会').id
      o.yanta = counties.find((c) => c.name === '雁塔区总工会').id
      o.joint = (await xian.get(`/orgs/${o.yanta}/children`)).body.items.find((c) => c.name === JOINT).id
    })

    after(async () => {
      try {
        await browser?.close()
      } finally {
        await server?.stop()
      }
      assert.deepEqual(errors, [], 'no errors on the page')
    })

    const menu = () => page.locator('.el-menu')
    const tree = () => page.getByTestId('org-tree')
    const detail = () => page.getByTestId('org-detail')
    /** A node of an el-tree (the page's tree or a picker's dropdown) by its org name. */
    const treeNode = (scope, name) => scope.locator('.el-tree-node__content', { has: page.getByText(name, { exact: true }) })
    const total = async (org) => (await xian.get(`/members/stats?org_id=${org}`)).body.total
    const record = async (id) => (await xian.get(`/orgs/${id}`)).body

    async function pickOption(text) {
      await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click()
    }

    /** Open an OrgTreeSelect inside `scope` and pick `name` under 西安市总工会 › `county`. */
    async function pickOrg(scope, county, name) {
      await scope.locator('.gh-org-select__input').click()
      const dropdown = page.locator('.el-popper.gh-org-select:visible')
      await treeNode(dropdown, '西安市总工会').waitFor(VISIBLE)
      if (!(await treeNode(dropdown, county).isVisible())) {
        await treeNode(dropdown, '西安市总工会').locator('.el-tree-node__expand-icon').click()
      }
      await treeNode(dropdown, county).waitFor(VISIBLE)
      if (name !== county) {
        await treeNode(dropdown, county).locator('.el-tree-node__expand-icon').click()
        await treeNode(dropdown, name).waitFor(VISIBLE)
      }
      await treeNode(dropdown, name).getByText(name, { exact: true }).click()
      await scope.locator('.gh-org-select__input').getByText(name).waitFor(VISIBLE)
    }

    async function openUnion(county, name) {
      if (!(await treeNode(tree(), name).isVisible())) {
        await treeNode(tree(), county).locator('.el-tree-node__expand-icon').click()
      }
      await treeNode(tree(), name).getByText(name, { exact: true }).click()
      await detail().getByTestId('org-title').getByText(name, { exact: true }).waitFor(VISIBLE)
    }

    test('新建下级工会: a wrong credit code is refused under the field, then the union is filed', async () => {
      await page.goto(server.url + '/admin/')
      await page.waitForURL(/\/admin\/login/)
      await consoleLogin(page, DEMO_USER, DEMO_PASSWORD)
      await page.waitForURL(server.url + '/admin/')
      await menu().getByText('组织管理', { exact: true }).click()
      await page.waitForURL(server.url + '/admin/orgs')
      // the cadre's only root opens at once, with its record
      await detail().getByTestId('org-title').getByText('西安市总工会').waitFor(VISIBLE)
      await treeNode(tree(), '碑林区总工会').getByText('碑林区总工会', { exact: true }).click()
      await detail().getByTestId('org-title').getByText('碑林区总工会').waitFor(VISIBLE)
      await detail().getByTestId('org-division').getByText('西安市 碑林区（610103）').waitFor(VISIBLE)
      await screenshot(page, `orgs-county-${db}`)

      await page.getByTestId('org-new').click()
      const form = page.locator('.el-dialog', { hasText: '新建下级工会' })
      await form.waitFor(VISIBLE)
      await form.getByText('上级：碑林区总工会').waitFor(VISIBLE)
      await form.locator('input[name="employer_name"]').fill(EMPLOYER)
      await form.locator('input[name="employer_name"]').blur()
      assert.equal(await form.locator('input[name="name"]').inputValue(), UNION, 'the name follows the employer’s')
      await form.locator('input[name="employer_code"]').fill(wrongCheck(CODE))
      // the county's own division is preset
      await form.getByTestId('select-division').getByText('西安市 碑林区').waitFor(VISIBLE)
      await form.getByTestId('select-industry').click()
      await pickOption('制造业')
      await form.getByTestId('select-unit_type').click()
      await pickOption('私营')
      await form.locator('input[name="address"]').fill('西安市碑林区友谊东路 100 号')
      await form.locator('input[name="staff_count"]').fill('80')
      await form.locator('input[name="female_count"]').fill('30')
      await form.locator('input[name="migrant_count"]').fill('12')
      const founded = form.locator('input[placeholder="工会成立的日期"]')
      await founded.fill('2021-03-15')
      await founded.press('Enter')
      await form.locator('input[name="chair_name"]').fill('高建华')
      await form.locator('input[name="chair_phone"]').fill('13912345678')
      await form.locator('input[name="contact_name"]').fill('李秀梅')
      await form.locator('input[name="contact_phone"]').fill('13800135678')
      await form.getByTestId('org-form-submit').click()
      const codeError = form.getByTestId('field-employer_code').locator('.el-form-item__error')
      await codeError.getByText('统一社会信用代码校验位不正确').waitFor(VISIBLE)
      await screenshot(page, `orgs-new-error-${db}`)
      const kids = (await xian.get(`/orgs/${o.beilin}/children`)).body.items
      assert.ok(!kids.some((k) => k.name === UNION), 'nothing was filed')

      await form.locator('input[name="employer_code"]').fill(CODE)
      await form.getByTestId('org-form-submit').click()
      await form.waitFor(GONE)
      await detail().getByTestId('org-title').getByText(UNION).waitFor(VISIBLE)
      await treeNode(tree(), UNION).waitFor(VISIBLE)
      const d = detail()
      await d.getByTestId('org-industry').getByText('制造业').waitFor(VISIBLE)
      await d.getByTestId('org-unit-type').getByText('私营').waitFor(VISIBLE)
      await d.getByTestId('org-division').getByText('西安市 碑林区（610103）').waitFor(VISIBLE)
      await d.getByTestId('org-employers').getByText(CODE).waitFor(VISIBLE)
      await d.getByText('139****5678').waitFor(VISIBLE)
      await d.getByTestId('org-legal').getByText('未登记').waitFor(VISIBLE)
      await d.getByTestId('org-member-count').getByText('0 人').waitFor(VISIBLE)
      await screenshot(page, `orgs-new-record-${db}`)

      const found = (await xian.get(`/employers?q=${CODE}`)).body.items
      assert.equal(found.length, 1)
      o.union = found[0].org_id
      const u = await record(o.union)
      assert.equal(u.parent_id, o.beilin)
      assert.equal(u.type, 'base')
      assert.equal(u.staff_count, 80)
      assert.equal(u.founded_on, '2021-03-15')
      assert.equal(u.contact_phone, '138****5678')
    })

    test('修改登记信息: an employer that has a union is refused under the field; someone else’s change is shown first', async () => {
      await page.getByTestId('org-edit').click()
      const form = page.locator('.el-dialog', { hasText: `修改登记信息：${UNION}` })
      await form.waitFor(VISIBLE)
      assert.equal(await form.locator('input[name="employer_code"]').inputValue(), CODE)
      await form.locator('input[name="employer_code"]').fill(CHANGAN_CODE)
      await form.getByTestId('org-form-submit').click()
      await form.getByTestId('field-employer_code').locator('.el-form-item__error').getByText(/已建有工会：西安长安精密仪器有限公司工会/).waitFor(VISIBLE)
      await screenshot(page, `orgs-edit-taken-${db}`)

      // meanwhile someone else corrects the address
      const u = await record(o.union)
      const other = await xian.patch(`/orgs/${o.union}`, { version: u.version, address: '西安市碑林区友谊东路 102 号' })
      assert.equal(other.status, 200, JSON.stringify(other.body))
      await form.locator('input[name="employer_code"]').fill(CODE)
      await form.locator('input[name="staff_count"]').fill('85')
      await form.getByTestId('org-form-submit').click()
      await form.getByTestId('org-form-error').getByText(/刚被别人修改过/).waitFor(VISIBLE)
      // the form shows the fresh record
      await page.waitForFunction(
        (want) => [...document.querySelectorAll('.el-dialog input[name="address"]')].some((e) => e.value === want),
        '西安市碑林区友谊东路 102 号',
        { timeout: 10_000 },
      )
      await screenshot(page, `orgs-edit-stale-${db}`)
      await form.locator('input[name="staff_count"]').fill('85')
      await form.getByTestId('org-form-submit').click()
      await form.waitFor(GONE)
      await detail().getByText('85 人').waitFor(VISIBLE)
      const now = await record(o.union)
      assert.equal(now.staff_count, 85)
      assert.equal(now.address, '西安市碑林区友谊东路 102 号')
      assert.equal(now.employer_credit_code, CODE)
    })

    test('移动到: the union moves to 雁塔区总工会 with its two members; both counties’ totals follow', async () => {
      for (const [i, name] of ['晨光甲', '晨光乙'].entries()) {
        const res = await xian.post('/members', { name, id_card: idCard('610103', '19880808', String(300 + i)), joined_on: '2022-01-01', org_id: o.union })
        assert.equal(res.status, 201, JSON.stringify(res.body))
      }
      const before = { beilin: await total(o.beilin), yanta: await total(o.yanta) }
      // the record read again shows the members
      await treeNode(tree(), UNION).getByText(UNION, { exact: true }).click()
      await detail().getByTestId('org-member-count').getByText('2 人').waitFor(VISIBLE)

      await page.getByTestId('org-move').click()
      const dialog = page.locator('.el-dialog', { hasText: '移动到其他上级工会' })
      await dialog.waitFor(VISIBLE)
      await pickOrg(dialog.getByTestId('move-target'), '雁塔区总工会', '雁塔区总工会')
      const note = dialog.getByTestId('move-note')
      await note.getByText(`「${UNION}」将从「碑林区总工会」移到「雁塔区总工会」之下。`).waitFor(VISIBLE)
      assert.match(await note.innerText(), /本工会的 2 名会员会随工会一起移过去/)
      await screenshot(page, `orgs-move-${db}`)
      await dialog.getByTestId('org-change-confirm').click()
      await dialog.waitFor(GONE)
      await detail().getByText('上级：雁塔区总工会').waitFor(VISIBLE)
      await treeNode(tree(), '雁塔区总工会').waitFor(VISIBLE)

      assert.equal((await record(o.union)).parent_id, o.yanta)
      assert.equal(await total(o.beilin), before.beilin - 2, '碑林区 has two members fewer')
      assert.equal(await total(o.yanta), before.yanta + 2, '雁塔区 has two members more')
    })

    test('撤销 is refused while members remain, and nothing changes', async () => {
      const was = await record(o.union)
      await page.getByTestId('org-dissolve').click()
      const dialog = page.locator('.el-dialog', { hasText: '撤销工会' })
      await dialog.waitFor(VISIBLE)
      await dialog.getByTestId('org-change-confirm').click()
      await dialog.getByTestId('dissolve-reason').getByText('请填写撤销原因').waitFor(VISIBLE)
      await dialog.getByTestId('dissolve-reason').locator('textarea').fill('单位搬迁合并')
      await dialog.getByTestId('org-change-confirm').click()
      const refused = dialog.getByTestId('org-change-error')
      await refused.waitFor(VISIBLE)
      assert.match(await refused.innerText(), /还有 2 名会员，请先为他们办理转会后再撤销/)
      await screenshot(page, `orgs-dissolve-refused-${db}`)
      const now = await record(o.union)
      assert.equal(now.status, 'active')
      assert.equal(now.member_count, 2)
      assert.equal(now.version, was.version, 'nothing changed')

      // the refusal offers the way out: merging takes the members along
      await dialog.getByTestId('switch-to-merge').click()
      await page.locator('.el-dialog', { hasText: '合并到其他基层工会' }).waitFor(VISIBLE)
      await page.locator('.el-dialog', { hasText: '合并到其他基层工会' }).getByRole('button', { name: '取消' }).click()
      await page.locator('.el-dialog', { hasText: '合并到其他基层工会' }).waitFor(GONE)
    })

    test('合并到: the members go to the joint union, and the union shows 已撤销 with its history', async () => {
      const jointBefore = await total(o.joint)
      await page.getByTestId('org-merge').click()
      const dialog = page.locator('.el-dialog', { hasText: '合并到其他基层工会' })
      await dialog.waitFor(VISIBLE)
      await pickOrg(dialog.getByTestId('merge-target'), '雁塔区总工会', JOINT)
      const note = dialog.getByTestId('merge-note')
      assert.match(await note.innerText(), new RegExp(`的 2 名会员、所覆盖的单位和没办完的申请都转到「${JOINT}」`))
      await screenshot(page, `orgs-merge-${db}`)
      await dialog.getByTestId('org-change-confirm').click()
      await dialog.waitFor(GONE)
      await detail().getByTestId('org-status').getByText('已撤销').waitFor(VISIBLE)
      await detail().getByTestId('org-dissolved-note').waitFor(VISIBLE)
      assert.equal(await page.getByTestId('org-actions').count(), 0, 'a dissolved union offers no actions')
      await treeNode(tree(), UNION).getByText('已撤销').waitFor(VISIBLE)

      const gone = await record(o.union)
      assert.equal(gone.status, 'dissolved')
      assert.equal(await total(o.joint), jointBefore + 2)
      const joint = await record(o.joint)
      assert.ok(joint.employers.some((e) => e.credit_code === CODE), 'the employer went along')

      await detail().getByRole('tab', { name: '变更记录' }).click()
      const history = detail().getByTestId('org-history')
      await history.getByText(`并入「${JOINT}」，2 名会员随之转入；本工会随即撤销。`).waitFor(VISIBLE)
      await history.getByText('从「碑林区总工会」移到「雁塔区总工会」之下，会员随工会一起移动。').waitFor(VISIBLE)
      await history.getByText('新建工会').waitFor(VISIBLE)
      await history.getByText('制造业').waitFor(VISIBLE)
      await screenshot(page, `orgs-history-${db}`)
    })

    test('建会: a worker applies, the cadre approves in 待办, and the new union is in the tree', async () => {
      const w = await registerWorker(server, { realName: '筹备人周' })
      const employer = '西安雁塔星河数据有限公司'
      const code = creditCode('610113')
      const res = await w.client.post('/applications', {
        type: 'establish',
        employer_name: employer,
        employer_credit_code: code,
        division_code: '610113',
        industry: 'I',
        unit_type: '170',
        address: '西安市雁塔区科技路 8 号',
        staff_count: 35,
        female_count: 12,
        migrant_count: 3,
        chair_name: '周立新',
        chair_phone: '13700001111',
        contact_name: '吴敏',
        contact_phone: '13700002222',
        reason: '本公司职工 35 人，已有 20 人愿意入会，申请建立工会。',
      })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      assert.equal(res.body.org_name, '雁塔区总工会')
      const app = res.body

      await menu().getByText('待办', { exact: true }).click()
      await page.waitForURL(server.url + '/admin/inbox')
      const row = page
        .getByTestId('inbox-table')
        .locator('.el-table__body .el-table__row')
        .filter({ has: page.getByTestId('inbox-applicant').getByText('筹备人周', { exact: true }) })
      await row.waitFor(VISIBLE)
      assert.match(await row.innerText(), /建会申请/)
      await row.click()
      await page.waitForURL(server.url + `/admin/applications/${app.id}`)
      await page.getByTestId('app-title').getByText('建会申请 · 筹备人周').waitFor(VISIBLE)
      const form = page.getByTestId('app-form')
      await form.getByTestId('form-union_name').getByText(`${employer}工会`).waitFor(VISIBLE)
      await form.getByTestId('form-employer_name').getByText(employer).waitFor(VISIBLE)
      await form.getByTestId('form-employer_credit_code').getByText(code).waitFor(VISIBLE)
      await form.getByTestId('form-division_code').getByText('西安市 雁塔区（610113）').waitFor(VISIBLE)
      await form.getByTestId('form-industry').getByText('信息传输、软件和信息技术服务业').waitFor(VISIBLE)
      await form.getByTestId('form-unit_type').getByText('私营').waitFor(VISIBLE)
      await form.getByTestId('form-staff_count').getByText('35 人').waitFor(VISIBLE)
      await form.getByTestId('form-chair_name').getByText('周立新').waitFor(VISIBLE)
      await form.getByTestId('form-reason').getByText(/申请建立工会/).waitFor(VISIBLE)
      for (const labelText of ['拟建工会名称', '单位名称', '统一社会信用代码', '所在区县', '行业', '单位类别', '职工人数', '女职工人数', '农民工人数', '筹备负责人', '建会说明']) {
        await form.getByText(labelText, { exact: true }).waitFor(VISIBLE)
      }
      await screenshot(page, `orgs-establish-application-${db}`)

      await page.getByTestId('action-approve').click()
      const dialog = page.getByTestId('action-dialog')
      await page.locator('.el-dialog', { hasText: '通过申请' }).getByText(/申请人成为这个工会的管理员/).waitFor(VISIBLE)
      await dialog.getByTestId('action-confirm').click()
      await page.getByTestId('app-state').getByText('已通过').waitFor(VISIBLE)
      const link = page.getByTestId('app-new-org')
      await link.waitFor(VISIBLE)
      await screenshot(page, `orgs-establish-approved-${db}`)
      await link.click()
      await page.waitForURL(/\/admin\/orgs\?id=\d+/)
      await detail().getByTestId('org-title').getByText(`${employer}工会`).waitFor(VISIBLE)
      await detail().getByText('上级：雁塔区总工会').waitFor(VISIBLE)
      await detail().getByTestId('org-employers').getByText(code).waitFor(VISIBLE)
      await openUnion('雁塔区总工会', `${employer}工会`)
      await screenshot(page, `orgs-establish-tree-${db}`)
    })

    test('联合基层工会: several employers, one with an old 组织机构代码', async () => {
      await menu().getByText('组织管理', { exact: true }).click()
      await page.waitForURL(server.url + '/admin/orgs')
      await treeNode(tree(), '雁塔区总工会').getByText('雁塔区总工会', { exact: true }).click()
      await detail().getByTestId('org-title').getByText('雁塔区总工会').waitFor(VISIBLE)
      await page.getByTestId('org-new').click()
      const form = page.locator('.el-dialog', { hasText: '新建下级工会' })
      await form.waitFor(VISIBLE)
      await form.getByTestId('org-type').getByText('联合基层工会').click()
      const code = creditCode('610113')
      const body8 = String(randomInt(10_000_000, 99_999_999))
      const orgCode = body8 + orgCheck(body8)
      const row0 = form.getByTestId('employer-row-0')
      const row1 = form.getByTestId('employer-row-1')
      await row0.getByPlaceholder('单位名称').fill('西安电子城甲科技有限公司')
      await row0.getByPlaceholder('18 位代码').fill(code)
      await row1.getByPlaceholder('单位名称').fill('西安电子城乙商贸部')
      await row1.locator('.el-select').click()
      await pickOption('组织机构代码')
      await row1.getByPlaceholder('9 位代码').fill(orgCode)
      await form.locator('input[name="name"]').fill('雁塔区电子城联合工会')
      await form.locator('input[name="staff_count"]').fill('40')
      await screenshot(page, `orgs-new-joint-${db}`)
      await form.getByTestId('org-form-submit').click()
      await form.waitFor(GONE)
      await detail().getByTestId('org-title').getByText('雁塔区电子城联合工会').waitFor(VISIBLE)
      await detail().getByTestId('org-type').getByText('联合基层工会').waitFor(VISIBLE)
      const employers = detail().getByTestId('org-employers')
      await employers.getByText(code).waitFor(VISIBLE)
      await employers.getByText(orgCode).waitFor(VISIBLE)
      await employers.getByText('组织机构代码').waitFor(VISIBLE)
      await treeNode(tree(), '雁塔区电子城联合工会').waitFor(VISIBLE)
      await screenshot(page, `orgs-joint-record-${db}`)
    })

    test('组织统计 draws the unions of 西安 by level, type, 行业, county and size', async () => {
      const stats = (await xian.get(`/orgs/stats?org_id=${(await xian.get('/orgs/roots')).body.items[0].id}`)).body
      await menu().getByText('组织统计', { exact: true }).click()
      await page.waitForURL(server.url + '/admin/orgs/stats')
      await page.getByTestId('ostats-charts').waitFor(VISIBLE)
      const all = Object.values(stats.by_level).reduce((a, b) => a + b, 0)
      await page.getByTestId('ostats-total').getByText(String(all), { exact: true }).waitFor(VISIBLE)
      assert.equal((await page.getByTestId('ostats-base').innerText()).trim(), String(stats.by_level.base))
      for (const chart of ['chart-levels', 'chart-types', 'chart-counties', 'chart-industry', 'chart-unit-type']) {
        await page.getByTestId(chart).locator('canvas').first().waitFor(VISIBLE)
      }
      const largest = page.getByTestId('ostats-largest')
      await largest.getByText(JOINT).waitFor(VISIBLE)
      await screenshot(page, `orgs-stats-${db}`)
    })
  })
}
