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

export const API_BASE = '/api/v1'

let csrfToken = null

/** Remember the CSRF token (from the login answer); sent as X-CSRF-Token on non-GET requests. */
export function setCsrfToken(token) {
  csrfToken = token || null
}

export function getCsrfToken() {
  return csrfToken
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
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
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

  const text = await res.text()
  let data = null
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = null
    }
  }
  if (!res.ok) throw new ApiError(res.status, data)
  if (text && data === null) throw new ApiError(res.status, null, '服务返回的数据无法识别')
  return data
}

export const api = {
  get: (path, options) => request('GET', path, undefined, options),
  post: (path, body, options) => request('POST', path, body === undefined ? {} : body, options),
  patch: (path, body, options) => request('PATCH', path, body === undefined ? {} : body, options),
  put: (path, body, options) => request('PUT', path, body === undefined ? {} : body, options),
  del: (path, options) => request('DELETE', path, undefined, options),
}

export default api
