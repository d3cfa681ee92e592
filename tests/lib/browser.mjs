// Browser helpers for the e2e tests: playwright-core driving Debian's Chromium
// (/usr/bin/chromium); no browser is ever downloaded.

import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

export const CHROMIUM = process.env.GONGHUI_CHROMIUM || '/usr/bin/chromium'
export const screenshotDir = fileURLToPath(new URL('../e2e/screenshots/', import.meta.url))

/** A headless Chromium with a fresh profile (playwright makes one per launch). Close it when done. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  })
}

/** A phone-sized context, as members use the portal. */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
}

/** A PC context, as cadres use the console. */
export const DESKTOP = {
  viewport: { width: 1366, height: 768 },
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
}

/**
 * Save a full-page screenshot as tests/e2e/screenshots/NAME.png (git-ignored); returns the path.
 * CSS transitions are finished first (a tag or dialog caught half-way through its
 * entrance animation would look broken in the picture).
 */
export async function screenshot(page, name) {
  await mkdir(screenshotDir, { recursive: true })
  const file = path.join(screenshotDir, `${name.replace(/[^\w.-]+/g, '_')}.png`)
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' })
  return file
}

/** Fills the console's login card and submits it (what follows — the second
 * factor, a forced password change, the 工作台 — is the caller's to check). */
export async function consoleLogin(page, username, password) {
  await page.getByTestId('login-card').waitFor({ state: 'visible', timeout: 10_000 })
  await page.locator('input[name="username"]').fill(username)
  await page.locator('input[name="password"]').fill(password)
  await page.getByRole('button', { name: '登录', exact: true }).click()
}
