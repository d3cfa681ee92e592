// The console's left menu. A page that is not built yet uses the UnderConstruction page.
import { Monitor, User, OfficeBuilding, Stamp, Setting } from '@element-plus/icons-vue'

export const menu = [
  { path: '/', name: 'dashboard', title: '工作台', icon: Monitor },
  { path: '/members', name: 'members', title: '会员管理', icon: User },
  { path: '/orgs', name: 'orgs', title: '组织管理', icon: OfficeBuilding },
  { path: '/approvals', name: 'approvals', title: '待办审批', icon: Stamp },
  { path: '/system', name: 'system', title: '系统管理', icon: Setting },
]
