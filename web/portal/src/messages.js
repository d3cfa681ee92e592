// The count of unread 站内消息 for the 消息 tab's badge (GET /me/messages/unread). Asked
// when the member moves between pages (at most every 15 seconds) and when the page comes
// back to the front; the 消息 page sets it from its own answers.

import { reactive } from 'vue'
import { api } from '@common/api.js'
import { session } from './session.js'

export const inbox = reactive({ unread: 0 })

const MIN_GAP_MS = 15_000
let last = 0
let pending = null

/** Ask the server for the unread count (not more often than every 15 s unless force). */
export function refreshUnread({ force = false } = {}) {
  if (session.state !== 'in') {
    inbox.unread = 0
    return Promise.resolve(0)
  }
  if (pending) return pending
  if (!force && Date.now() - last < MIN_GAP_MS) return Promise.resolve(inbox.unread)
  last = Date.now()
  pending = api
    .get('/me/messages/unread', { quiet: true })
    .then((r) => {
      inbox.unread = Math.max(0, Number(r && r.unread) || 0)
      return inbox.unread
    })
    .catch(() => inbox.unread)
    .finally(() => {
      pending = null
    })
  return pending
}

export function setUnread(n) {
  inbox.unread = Math.max(0, Number(n) || 0)
  last = Date.now()
}

/** The badge text: '' for none, "99+" past 99. */
export function badgeText(n) {
  if (!n) return ''
  return n > 99 ? '99+' : String(n)
}
