// Raw HTTP over a socket, for requests fetch() would tidy up first
// (dot segments, odd methods, chunked bodies, half-sent uploads).
import net from 'node:net'

/** Sends `text` (string or Buffer) to url's host:port; resolves {status, headers, body, raw}. */
export function rawRequest(url, text, { timeoutMs = 10_000 } = {}) {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname)
    const chunks = []
    const timer = setTimeout(() => {
      sock.destroy()
      reject(new Error('raw request timed out'))
    }, timeoutMs)
    sock.on('connect', () => sock.write(text))
    sock.on('data', (d) => chunks.push(d))
    sock.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    sock.on('close', () => {
      clearTimeout(timer)
      resolve(parseResponse(Buffer.concat(chunks)))
    })
  })
}

/** Opens a connection and returns it, for a test that writes in several steps. */
export function rawConnect(url) {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname)
    const chunks = []
    sock.on('data', (d) => chunks.push(d))
    const closed = new Promise((res) => sock.on('close', () => res(parseResponse(Buffer.concat(chunks)))))
    sock.on('connect', () => resolve({ sock, closed }))
    sock.on('error', reject)
  })
}

export function parseResponse(buf) {
  const raw = buf.toString('utf8')
  const end = raw.indexOf('\r\n\r\n')
  const head = end < 0 ? raw : raw.slice(0, end)
  const [statusLine, ...lines] = head.split('\r\n')
  const headers = {}
  for (const l of lines) {
    const i = l.indexOf(':')
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim()
  }
  const status = Number((statusLine || '').split(' ')[1] || 0)
  return { status, headers, body: end < 0 ? '' : raw.slice(end + 4), raw }
}
