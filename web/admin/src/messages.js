// The cadre's unread message count behind the bell in the top bar (GET /me/messages/unread).

import { reactive } from 'vue'
import { api } from '@common/api.js'

export const messages = reactive({ unread: 0 })

/** Ask the server again; never throws (the bell keeps its last count). */
export async function refreshUnread() {
  try {
    const r = await api.get('/me/messages/unread', { quiet: true })
    if (r && typeof r.unread === 'number') messages.unread = r.unread
  } catch {
    /* keep the last count */
  }
}
