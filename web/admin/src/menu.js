// The console's left menu; an entry shows when the cadre holds its permission (GET /me).
// `badge: 'inbox'` puts the number of pending applications on the entry.
import { Monitor, OfficeBuilding, User, Lock, Key, Document, Avatar, PieChart, Upload, Stamp, Calendar, Histogram, FolderAdd, Guide, Tickets } from '@element-plus/icons-vue'

export const menu = [
  { path: '/', name: 'dashboard', title: '工作台', icon: Monitor, perm: null },
  { path: '/inbox', name: 'inbox', title: '待办', icon: Stamp, perm: 'applications.review', badge: 'inbox' },
  { path: '/orgs', name: 'orgs', title: '组织管理', icon: OfficeBuilding, perm: 'orgs.read' },
  { path: '/members', name: 'members', title: '会员管理', icon: Avatar, perm: 'members.read' },
  { path: '/members/stats', name: 'member-stats', title: '会员统计', icon: PieChart, perm: 'members.read' },
  { path: '/orgs/stats', name: 'org-stats', title: '组织统计', icon: Histogram, perm: 'orgs.read' },
  { path: '/orgs/import', name: 'org-import', title: '工会导入', icon: FolderAdd, perm: 'orgs.write' },
  { path: '/legal-registry', name: 'legal-registry', title: '法人登记簿', icon: Tickets, perm: 'orgs.read' },
  { path: '/establish-routes', name: 'establish-routes', title: '建会受理设置', icon: Guide, perm: 'orgs.write' },
  { path: '/members/import', name: 'member-import', title: '会员导入', icon: Upload, perm: 'members.import' },
  { path: '/accounts', name: 'accounts', title: '账号管理', icon: User, perm: 'accounts.read' },
  { path: '/roles', name: 'roles', title: '角色权限', icon: Lock, perm: 'accounts.manage' },
  { path: '/api-keys', name: 'api-keys', title: '接口密钥', icon: Key, perm: 'apikeys.manage' },
  { path: '/holidays', name: 'holidays', title: '节假日设置', icon: Calendar, perm: 'calendar.manage' },
  { path: '/audit', name: 'audit', title: '审计日志', icon: Document, perm: 'audit.read' },
]
