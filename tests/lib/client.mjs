// A logged-in API client for tests: keeps the session cookie and CSRF token
// the way a browser and web/common/api.js do.

import { createHmac } from 'node:crypto'

export class Client {
  constructor(base) {
    this.base = base
    this.cookie = null
    this.csrf = null
  }

  async request(method, path, body, headers = {}) {
    const h = { ...headers }
    if (this.cookie) h.Cookie = this.cookie
    if (this.csrf && method !== 'GET') h['X-CSRF-Token'] = this.csrf
    if (body !== undefined) h['Content-Type'] = 'application/json'
    const res = await fetch(this.base + '/api/v1' + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const set = res.headers.get('set-cookie')
    if (set) {
      const m = /gh_session=([^;]*)/.exec(set)
      if (m) this.cookie = m[1] ? `gh_session=${m[1]}` : null
    }
    const text = await res.text()
    let json = null
    try {
      json = text ? JSON.parse(text) : null
    } catch {
      json = null
    }
    if (json && json.csrf_token) this.csrf = json.csrf_token
    return { status: res.status, body: json, headers: res.headers }
  }

  get(path, headers) {
    return this.request('GET', path, undefined, headers)
  }
  post(path, body = {}, headers) {
    return this.request('POST', path, body, headers)
  }
  patch(path, body = {}, headers) {
    return this.request('PATCH', path, body, headers)
  }
  del(path, headers) {
    return this.request('DELETE', path, undefined, headers)
  }
}

/** Logs in and returns the client; throws when the login does not succeed. */
export async function login(srv, username, password = 'Demo@2026') {
  const c = new Client(srv.url)
  const res = await c.post('/auth/login', { username, password })
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`)
  return c
}

/** The newest SMS code the development driver wrote to the server log for a masked phone. */
export async function smsCode(srv, phone, purpose = 'register') {
  const masked = phone.slice(0, 3) + '****' + phone.slice(7)
  const re = new RegExp(`sms to ${masked.replace(/\*/g, '\\*')} \\(${purpose}\\): code (\\d{6})`, 'g')
  for (let i = 0; i < 100; i++) {
    const all = [...srv.logs().matchAll(re)]
    if (all.length) return all[all.length - 1][1]
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`no SMS code for ${masked} in the server log`)
}

/** A valid 18-digit 身份证号 for a birth date and sequence (GB 11643 check character). */
export function idCard(area = '610102', birth = '19900101', seq = '123') {
  const body = area + birth + seq
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * w[i]
  return body + '10X98765432'[sum % 11]
}

/** The RFC 6238 code (HMAC-SHA1, 30-second steps, 6 digits) of a base32 secret at unix time t (seconds). */
export function totpCode(secret, t = Math.floor(Date.now() / 1000)) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  const bytes = []
  let bits = 0
  let nbits = 0
  for (const ch of secret.replace(/[\s=]/g, '').toUpperCase()) {
    const v = alphabet.indexOf(ch)
    if (v < 0) throw new Error(`not base32: ${ch}`)
    bits = ((bits << 5) | v) & 0x1fff
    nbits += 5
    if (nbits >= 8) {
      nbits -= 8
      bytes.push((bits >> nbits) & 0xff)
    }
  }
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(t / 30)))
  const mac = createHmac('sha1', Buffer.from(bytes)).update(counter).digest()
  const off = mac[19] & 15
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3]
  return String(bin % 1_000_000).padStart(6, '0')
}

let people = 0
const phoneMiddle = String(process.pid % 10000).padStart(4, '0')

/** A phone number (137…) and a 身份证号 (碑林区) that no other call in this process returns. */
export function newPerson() {
  const n = ++people
  return {
    phone: '137' + phoneMiddle + String(n).padStart(4, '0'),
    idCard: idCard('610103', '19850315', String(n % 1000).padStart(3, '0')),
  }
}

/**
 * Registers a new worker end to end (SMS code from the server log, current notice);
 * returns {client, phone, idCard, password, account}. Throws when a step fails.
 */
export async function registerWorker(srv, { password = 'Worker2026', realName = '测试职工' } = {}) {
  const { phone, idCard: card } = newPerson()
  const c = new Client(srv.url)
  const sent = await c.post('/auth/sms-code', { phone, purpose: 'register' })
  if (sent.status !== 202) throw new Error(`sms-code ${phone}: ${sent.status} ${JSON.stringify(sent.body)}`)
  const code = await smsCode(srv, phone)
  const notice = await c.get('/auth/notice')
  const res = await c.post('/auth/register', {
    phone,
    real_name: realName,
    id_card: card,
    password,
    sms_code: code,
    notice_version: notice.body.version,
  })
  if (res.status !== 201) throw new Error(`register ${phone}: ${res.status} ${JSON.stringify(res.body)}`)
  return { client: c, phone, idCard: card, password, account: res.body.account }
}
