// A logged-in API client for tests: keeps the session cookie and CSRF token
// the way a browser and web/common/api.js do.

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
