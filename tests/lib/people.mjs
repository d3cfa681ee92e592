// Made-up people for the tests: phone numbers, 身份证号 with a right (or deliberately
// wrong) GB 11643 check digit, and the SMS codes a development server writes to its log.

import { randomInt } from 'node:crypto'

/** n random decimal digits as a string. */
export function randomDigits(n) {
  let s = ''
  for (let i = 0; i < n; i++) s += String(randomInt(0, 10))
  return s
}

/** A mobile number nobody else in this run will have: 139 + 8 random digits. */
export function randomPhone() {
  return '139' + randomDigits(8)
}

/** "138****5678", as the server masks a phone in logs and answers. */
export function maskPhone(phone) {
  return phone.slice(0, 3) + '****' + phone.slice(7)
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const CHECK = '10X98765432'

/** The GB 11643 check character for the first 17 digits. */
export function idCardCheck(first17) {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += WEIGHTS[i] * Number(first17[i])
  return CHECK[sum % 11]
}

/**
 * A valid 18-character 身份证号: a division code of 西安 (碑林区 by default), a birth date
 * between 1966 and 1999, a random sequence number, and the right check character.
 */
export function makeIdCard(division = '610103') {
  const y = 1966 + randomInt(0, 34)
  const m = String(1 + randomInt(0, 12)).padStart(2, '0')
  const d = String(1 + randomInt(0, 28)).padStart(2, '0')
  const first17 = `${division}${y}${m}${d}${randomDigits(3)}`
  return first17 + idCardCheck(first17)
}

/** The same number with a wrong check character. */
export function withWrongCheckDigit(idCard) {
  const right = idCard[17]
  const wrong = CHECK.split('').find((c) => c !== right && c !== 'X')
  return idCard.slice(0, 17) + wrong
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Wait until the server's log shows the SMS code sent to phone for purpose, e.g.
 * "sms to 138****5678 (register): code 123456", and resolve the code. Only lines
 * after `since` characters of the log count (pass srv.logs().length from before the
 * request, so an older code is not picked up).
 */
export async function waitForSmsCode(srv, phone, purpose, { since = 0, timeoutMs = 10_000 } = {}) {
  const escaped = maskPhone(phone).replace(/\*/g, '\\*')
  const re = new RegExp(`sms to ${escaped} \\(${purpose}\\): code (\\d{4,8})`, 'g')
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const hits = [...srv.logs().slice(since).matchAll(re)]
    if (hits.length) return hits[hits.length - 1][1]
    if (Date.now() > deadline) {
      throw new Error(`no SMS code for ${maskPhone(phone)} (${purpose}) in the server log within ${timeoutMs} ms`)
    }
    await sleep(100)
  }
}
