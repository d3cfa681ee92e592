// Chinese names for the codes the API uses (docs/api/accounts.md, migrations/0002_orgs.sql).

export const ORG_LEVELS = {
  province: '省级',
  city: '市级',
  county: '县级',
  town: '乡镇（街道）级',
  base: '基层',
}

export const ORG_TYPES = {
  regional: '地方总工会',
  industry: '产业工会',
  unit: '单列单位工会',
  base: '基层工会',
  joint: '联合基层工会',
}

export const ORG_STATUS = {
  active: '正常',
  dissolved: '已撤销',
}

export const SCOPES = {
  org: '仅本级',
  subtree: '本级及下级',
}

/** The short form used on binding tags: "西安市总工会 · 基层工作部 · 含下级". */
export const SCOPE_SHORT = {
  org: '仅本级',
  subtree: '含下级',
}

export const ADMIN_KINDS = {
  sysadmin: '系统管理员',
  secadmin: '安全管理员',
  auditor: '审计管理员',
}

export const ACCOUNT_KINDS = {
  worker: '职工',
  cadre: '工会干部',
}

export const ACCOUNT_STATUS = {
  active: '正常',
  locked: '已锁定',
  disabled: '已停用',
}

/** 会籍状态 (code table member_status; the 中国工会章程's statuses). */
export const MEMBER_STATUS = {
  normal: '正常',
  retained: '保留会籍',
  transferred: '已转出',
  left: '已退会',
  removed: '已除名',
  expelled: '已开除',
}

/** 性别 (code table gender, GB/T 2261.1); the API sends the code as a number. */
export const GENDERS = {
  0: '未知',
  1: '男',
  2: '女',
  9: '未说明',
}

export function label(map, code) {
  if (code === null || code === undefined || code === '') return ''
  return map[code] || String(code)
}

/** "西安市总工会 · 基层工作部 · 含下级" for a binding {org, role, scope}. */
export function bindingText(b) {
  if (!b) return ''
  const parts = [b.org?.name, b.role?.name, SCOPE_SHORT[b.scope] || b.scope]
  return parts.filter(Boolean).join(' · ')
}

/**
 * A readable name for a browser's User-Agent, e.g. "安卓手机 · Chrome 浏览器",
 * "Windows 电脑 · Edge 浏览器", "苹果手机 · 微信".
 */
export function describeDevice(ua) {
  const s = String(ua || '')
  if (!s) return '未知设备'
  let device = '其他设备'
  if (/iPhone/i.test(s)) device = '苹果手机'
  else if (/iPad/i.test(s)) device = '苹果平板'
  else if (/Android/i.test(s)) device = /Mobile/i.test(s) ? '安卓手机' : '安卓平板'
  else if (/HarmonyOS|OpenHarmony/i.test(s)) device = '鸿蒙设备'
  else if (/Windows/i.test(s)) device = 'Windows 电脑'
  else if (/Macintosh|Mac OS X/i.test(s)) device = '苹果电脑'
  else if (/Linux|X11/i.test(s)) device = 'Linux 电脑'
  let app = ''
  if (/MicroMessenger/i.test(s)) app = '微信'
  else if (/DingTalk/i.test(s)) app = '钉钉'
  else if (/Edg\//.test(s)) app = 'Edge 浏览器'
  else if (/HeadlessChrome|Chrome\/|CriOS/.test(s)) app = 'Chrome 浏览器'
  else if (/Firefox\/|FxiOS/.test(s)) app = 'Firefox 浏览器'
  else if (/Safari\//.test(s)) app = 'Safari 浏览器'
  return app ? `${device} · ${app}` : device
}
