// Login, second factor and logout, shared by the portal and the console
// (docs/api/accounts.md). Each call keeps the answer's csrf_token (see api.js), so the
// writes that follow carry it; the apps keep their own idea of who is logged in.

import { api, clearCsrfToken, setCsrfToken } from './api.js'

function keepToken(answer) {
  if (answer && answer.csrf_token) setCsrfToken(answer.csrf_token)
  return answer
}

/**
 * POST /auth/login. Resolves the answer: {csrf_token, account, mfa_required:false}, or
 * {csrf_token, mfa_required:true, mfa_methods:[…]} when a second factor is owed.
 * Rejects with ApiError (its message is the server's, e.g. 账号已锁定，请 15 分钟后再试).
 */
export async function login(username, password) {
  return keepToken(await api.post('/auth/login', { username, password }, { quiet: true }))
}

/** POST /auth/mfa/sms: text the second-factor code to the account's phone. */
export function sendMfaSms() {
  return api.post('/auth/mfa/sms', {}, { quiet: true })
}

/** POST /auth/mfa {code}: finish a half-done login; resolves like login(). */
export async function verifyMfa(code) {
  return keepToken(await api.post('/auth/mfa', { code }, { quiet: true }))
}

/** POST /auth/register; resolves {csrf_token, account}. */
export async function register(body) {
  return keepToken(await api.post('/auth/register', body, { quiet: true }))
}

/** POST /auth/sms-code {phone, purpose}; resolves {expires_in, resend_after}. */
export function requestSmsCode(phone, purpose) {
  return api.post('/auth/sms-code', { phone, purpose }, { quiet: true })
}

/** POST /auth/password {old_password, new_password}. */
export function changePassword(oldPassword, newPassword) {
  return api.post('/auth/password', { old_password: oldPassword, new_password: newPassword })
}

/** POST /auth/logout; the token is forgotten even when the server cannot be reached. */
export async function logout() {
  try {
    await api.post('/auth/logout', {}, { quiet: true })
  } finally {
    clearCsrfToken()
  }
}

/** GET /me; resolves null when not logged in (401), rejects on other failures. */
export async function fetchMe() {
  try {
    const me = await api.get('/me', { quiet: true })
    if (me && me.csrf_token) setCsrfToken(me.csrf_token)
    return me
  } catch (e) {
    if (e && e.status === 401) {
      clearCsrfToken()
      return null
    }
    throw e
  }
}

/** The policy the server applies to cadres' passwords, in words. */
export const PASSWORD_POLICY = '至少 8 位，包含大写字母、小写字母、数字、符号中的三类'
/** … and to workers' (members') passwords. */
export const WORKER_PASSWORD_POLICY = '至少 8 位，包含字母、数字、符号中的两类'

/** Where to go after login: the `redirect` query when it is a path inside the app, else fallback. */
export function safeRedirect(value, fallback) {
  const v = Array.isArray(value) ? value[0] : value
  if (typeof v === 'string' && v.startsWith('/') && !v.startsWith('//') && !v.startsWith('/\\')) return v
  return fallback
}
