// Just enough XLSX for the tests: read the cells of a workbook's first sheet
// (shared or inline strings), and fill rows into a workbook the server made
// (its import template) to upload it back. A ZIP reader and writer over
// node:zlib; no packages.

import { deflateRawSync, inflateRawSync } from 'node:zlib'

/** The entries of a ZIP archive: Map of name → Buffer. */
export function unzip(buf) {
  let eocd = buf.length - 22
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--
  if (eocd < 0) throw new Error('not a ZIP file')
  const count = buf.readUInt16LE(eocd + 10)
  let p = buf.readUInt32LE(eocd + 16)
  const out = new Map()
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad ZIP central directory')
    const method = buf.readUInt16LE(p + 10)
    const size = buf.readUInt32LE(p + 20)
    const nameLen = buf.readUInt16LE(p + 28)
    const skip = nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32)
    const local = buf.readUInt32LE(p + 42)
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen)
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28)
    const data = buf.subarray(start, start + size)
    out.set(name, method === 0 ? Buffer.from(data) : inflateRawSync(data))
    p += 46 + skip
  }
  return out
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** A ZIP archive (deflated entries) of a Map of name → Buffer. */
export function zip(entries) {
  const locals = []
  const centrals = []
  let offset = 0
  for (const [name, data] of entries) {
    const n = Buffer.from(name, 'utf8')
    const packed = deflateRawSync(data)
    const crc = crc32(data)
    const head = Buffer.alloc(30)
    head.writeUInt32LE(0x04034b50, 0)
    head.writeUInt16LE(20, 4)
    head.writeUInt16LE(0x0800, 6) // UTF-8 names
    head.writeUInt16LE(8, 8)
    head.writeUInt16LE(0x21, 12) // 1980-01-01
    head.writeUInt32LE(crc, 14)
    head.writeUInt32LE(packed.length, 18)
    head.writeUInt32LE(data.length, 22)
    head.writeUInt16LE(n.length, 26)
    const cen = Buffer.alloc(46)
    cen.writeUInt32LE(0x02014b50, 0)
    cen.writeUInt16LE(20, 4)
    cen.writeUInt16LE(20, 6)
    cen.writeUInt16LE(0x0800, 8)
    cen.writeUInt16LE(8, 10)
    cen.writeUInt16LE(0x21, 14)
    cen.writeUInt32LE(crc, 16)
    cen.writeUInt32LE(packed.length, 20)
    cen.writeUInt32LE(data.length, 24)
    cen.writeUInt16LE(n.length, 28)
    cen.writeUInt32LE(offset, 42)
    locals.push(head, n, packed)
    centrals.push(cen, n)
    offset += 30 + n.length + packed.length
  }
  const dir = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.size, 8)
  end.writeUInt16LE(entries.size, 10)
  end.writeUInt32LE(dir.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, dir, end])
}

function unescapeXml(s) {
  return s
    .replace(/&#x([0-9a-fA-F]+);/g, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
}

function escapeXml(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** The text of every <t> inside xml, joined. */
function texts(xml) {
  return [...xml.matchAll(/<t(?:\s[^>]*)?>([^<]*)<\/t>/g)].map((m) => unescapeXml(m[1])).join('')
}

function colIndex(ref) {
  let n = 0
  for (const ch of /^[A-Z]+/.exec(ref)[0]) n = n * 26 + (ch.charCodeAt(0) - 64)
  return n - 1
}

/** The first sheet's rows as arrays of strings (missing cells are ''). */
export function readSheet(buf) {
  const files = unzip(buf)
  const shared = files.has('xl/sharedStrings.xml')
    ? [...files.get('xl/sharedStrings.xml').toString('utf8').matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) => texts(m[1]))
    : []
  const sheet = files.get('xl/worksheets/sheet1.xml').toString('utf8')
  const rows = []
  for (const r of sheet.matchAll(/<row[^>]*?(?:\/>|>([\s\S]*?)<\/row>)/g)) {
    const row = []
    for (const c of (r[1] || '').matchAll(/<c r="([A-Z]+)\d+"([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const type = /t="(\w+)"/.exec(c[2])?.[1]
      const inner = c[3] || ''
      const v = /<v>([^<]*)<\/v>/.exec(inner)?.[1]
      const text = type === 's' ? shared[Number(v)] : type === 'inlineStr' ? texts(inner) : unescapeXml(v ?? '')
      row[colIndex(c[1])] = text
    }
    rows.push(Array.from(row, (x) => x ?? ''))
  }
  return { rows, files, sheet }
}

/** The workbook buf with rows (arrays of strings) added after its last row, as inline strings. */
export function fillSheet(buf, rows) {
  const { rows: have, files, sheet } = readSheet(buf)
  let r = have.length
  const xml = rows
    .map((cells) => {
      r++
      const cs = cells
        .map((v, i) => (v === '' ? '' : `<c r="${String.fromCharCode(65 + i)}${r}" t="inlineStr"><is><t>${escapeXml(v)}</t></is></c>`))
        .join('')
      return `<row r="${r}">${cs}</row>`
    })
    .join('')
  files.set('xl/worksheets/sheet1.xml', Buffer.from(sheet.replace('</sheetData>', xml + '</sheetData>'), 'utf8'))
  return zip(files)
}

/** The workbook buf with its first sheet's rows replaced by rows (arrays of strings), as inline strings. */
export function replaceRows(buf, rows) {
  const { files, sheet } = readSheet(buf)
  const xml = rows
    .map((cells, r) => {
      const cs = cells
        .map((v, i) => (v === '' ? '' : `<c r="${String.fromCharCode(65 + i)}${r + 1}" t="inlineStr"><is><t>${escapeXml(v)}</t></is></c>`))
        .join('')
      return `<row r="${r + 1}">${cs}</row>`
    })
    .join('')
  const body = sheet.replace(/<sheetData>[\s\S]*<\/sheetData>|<sheetData\/>/, `<sheetData>${xml}</sheetData>`)
  files.set('xl/worksheets/sheet1.xml', Buffer.from(body, 'utf8'))
  return zip(files)
}
