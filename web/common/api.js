// Small fetch-based client for the gonghui JSON API (/api/v1).
//
//   import { api, ApiError, setCsrfToken } from '../../common/api.js'
//   const v = await api.get('/version')
//   await api.post('/members', { name: '张三' })
//
// Every call resolves to the parsed JSON body (or null for an empty body, e.g. 204)
// and rejects with ApiError on a non-2xx answer or a network failure. The server's
// error body is {"error":{"code":…,"message":…,"field":…,"request_id":…}}; its message
// is Chinese and meant to be shown to people as it is.
//
// Sessions: the login, register and second-factor answers carry a csrf_token; call
// setCsrfToken() with it. It is kept in sessionStorage too, so a reload of the page
// (same tab) keeps working; it is restored when this module loads. GET /me answers the
// token as well (see auth.js fetchMe), which is how a new tab of the same browser gets
// it; and a write refused with 403 csrf_required (the token is another session's, e.g.
// after logging in again in another tab) asks GET /me for the current one and is sent
// once more before anyone is told to log in again. The apps learn of
// answers that mean "log in again" (401) or "change your password first"
// (403 password_change_required) through onAuthError().

export const API_BASE = '/api/v1'

const CSRF_STORAGE_KEY = 'gh_csrf_token'

function storage() {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage
  } catch {
    return null // storage disabled by the browser
  }
}

let csrfToken = null
try {
  csrfToken = storage()?.getItem(CSRF_STORAGE_KEY) || null
} catch {
  csrfToken = null
}

/** Remember the CSRF token (from the login answer); sent as X-CSRF-Token on non-GET requests. */
export function setCsrfToken(token) {
  csrfToken = token || null
  try {
    const s = storage()
    if (!s) return
    if (csrfToken) s.setItem(CSRF_STORAGE_KEY, csrfToken)
    else s.removeItem(CSRF_STORAGE_KEY)
  } catch {
    /* private mode: the token lives in memory only */
  }
}

export function getCsrfToken() {
  return csrfToken
}

/** Forget the session's CSRF token (after logout, or when the server says the session is gone). */
export function clearCsrfToken() {
  setCsrfToken(null)
}

const authErrorHandlers = new Set()

/**
 * Call handler(error, {method, path}) whenever an answer says the session is missing or
 * expired (401), the CSRF token is missing (403 csrf_required), or the password must be
 * changed first (403 password_change_required). Returns a function that unregisters it.
 * Pass {quiet: true} as a request option to keep a call from reaching the handlers
 * (e.g. the first GET /me, whose 401 simply means "not logged in").
 */
export function onAuthError(handler) {
  authErrorHandlers.add(handler)
  return () => authErrorHandlers.delete(handler)
}

/** True when the error means the caller must log in (again). */
export function isLoginNeeded(err) {
  return Boolean(err && (err.status === 401 || err.code === 'csrf_required'))
}

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {object|null} body the server's parsed error body, if any
   */
  constructor(status, body, fallbackMessage) {
    const err = (body && typeof body === 'object' && body.error) || {}
    super(err.message || fallbackMessage || defaultMessage(status))
    this.name = 'ApiError'
    this.status = status
    this.body = body
    this.code = err.code || (status === 0 ? 'network_error' : 'http_' + status)
    this.field = err.field || null
    this.requestId = err.request_id || null
  }
}

function defaultMessage(status) {
  if (status === 0) return '网络连接失败，请检查网络后重试'
  if (status === 401) return '登录已过期，请重新登录'
  if (status === 403) return '没有权限执行此操作'
  if (status === 404) return '请求的内容不存在'
  if (status === 413) return '提交的内容过大'
  if (status === 429) return '操作过于频繁，请稍后再试'
  if (status >= 500) return '服务暂不可用，请稍后再试'
  return '请求失败（' + status + '）'
}

async function request(method, path, body, options = {}) {
  const headers = { Accept: 'application/json' }
  const init = { method, headers, credentials: 'same-origin' }
  if (options.raw !== undefined) {
    // a file sent as it is (api.upload): the body is the file's bytes
    headers['Content-Type'] = options.contentType || 'application/octet-stream'
    init.body = options.raw
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  if (options.headers) Object.assign(headers, options.headers)
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) {
    headers['X-CSRF-Token'] = csrfToken
  }
  if (options.signal) init.signal = options.signal

  const url = /^https?:\/\//.test(path) ? path : API_BASE + (path.startsWith('/') ? path : '/' + path)

  let res
  try {
    res = await fetch(url, init)
  } catch (e) {
    if (e && e.name === 'AbortError') throw e
    throw new ApiError(0, null)
  }

  if (res.ok && options.file) {
    // a download (api.download): the bytes and the server's name for them
    return { blob: await res.blob(), fileName: fileNameOf(res.headers.get('Content-Disposition')) }
  }
  const text = await res.text()
  let data = null
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = null
    }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data)
    if (err.code === 'csrf_required' && method !== 'GET' && !options.csrfRetried) {
      const fresh = await currentCsrfToken()
      if (fresh && fresh !== init.headers['X-CSRF-Token']) {
        setCsrfToken(fresh)
        return request(method, path, body, { ...options, csrfRetried: true })
      }
    }
    if (!options.quiet && (isLoginNeeded(err) || err.code === 'password_change_required')) {
      if (isLoginNeeded(err)) clearCsrfToken()
      for (const h of [...authErrorHandlers]) {
        try {
          h(err, { method, path })
        } catch {
          /* a handler's failure must not hide the error from the caller */
        }
      }
    }
    throw err
  }
  if (text && data === null) throw new ApiError(res.status, null, '服务返回的数据无法识别')
  return data
}

/** The session's CSRF token from GET /me, or null (not logged in, or no answer). */
async function currentCsrfToken() {
  try {
    const me = await request('GET', '/me', undefined, { quiet: true })
    return (me && me.csrf_token) || null
  } catch {
    return null
  }
}

/**
 * The file name of a Content-Disposition header: the UTF-8 filename* (RFC 6266) when
 * given, else the plain filename; '' when there is none.
 */
export function fileNameOf(disposition) {
  const s = String(disposition || '')
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(s)
  if (star) {
    try {
      return decodeURIComponent(star[2].trim())
    } catch {
      /* a broken encoding: fall back to the plain name */
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/i.exec(s)
  return plain ? (plain[1] ?? plain[2] ?? '').trim() : ''
}

/** Hand a blob to the browser as a download named `name`. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name || 'download'
  a.style.display = 'none'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

export const api = {
  get: (path, options) => request('GET', path, undefined, options),
  post: (path, body, options) => request('POST', path, body === undefined ? {} : body, options),
  patch: (path, body, options) => request('PATCH', path, body === undefined ? {} : body, options),
  put: (path, body, options) => request('PUT', path, body === undefined ? {} : body, options),
  del: (path, options) => request('DELETE', path, undefined, options),
  /**
   * POST a file as the raw request body (not a form): upload('/imports/members?org_id=3', file,
   * {headers: {'X-File-Name': encodeURIComponent(file.name)}}). Resolves the JSON answer.
   */
  upload: (path, file, options = {}) =>
    request('POST', path, undefined, { ...options, raw: file, contentType: options.contentType || file.type || undefined }),
  /**
   * GET a file and save it in the browser under the server's name (or `fallbackName`).
   * Resolves the name it was saved as; rejects with ApiError like the other calls.
   */
  download: async (path, fallbackName = '', options = {}) => {
    const { blob, fileName } = await request('GET', path, undefined, { ...options, file: true })
    const name = fileName || fallbackName || 'download'
    saveBlob(blob, name)
    return name
  },
}

export default api

/**
 * path plus a query string of the params that have a value:
 * withQuery('/accounts', {q: '张', cursor: null}) → "/accounts?q=%E5%BC%A0".
 */
export function withQuery(path, params = {}) {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '') continue
    q.append(k, String(v))
  }
  const s = q.toString()
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path
}
