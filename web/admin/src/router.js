import { createRouter, createWebHistory } from 'vue-router'
import ConsoleLayout from './layouts/ConsoleLayout.vue'
import Dashboard from './pages/Dashboard.vue'
import { loadMe, mustChangePassword } from './auth.js'

const routes = [
  { path: '/login', name: 'login', component: () => import('./pages/Login.vue'), meta: { title: '登录', public: true } },
  {
    path: '/password',
    name: 'password',
    component: () => import('./pages/ChangePassword.vue'),
    meta: { title: '修改密码' },
  },
  {
    path: '/',
    component: ConsoleLayout,
    children: [
      { path: '', name: 'dashboard', component: Dashboard, meta: { title: '工作台' } },
      {
        path: 'inbox',
        name: 'inbox',
        component: () => import('./pages/Inbox.vue'),
        meta: { title: '待办', perm: 'applications.review' },
      },
      {
        path: 'applications/:id(\\d+)',
        name: 'application',
        component: () => import('./pages/ApplicationDetail.vue'),
        meta: { title: '申请详情', perm: 'applications.review', menu: '/inbox', parent: { title: '待办', path: '/inbox' } },
      },
      {
        path: 'orgs',
        name: 'orgs',
        component: () => import('./pages/Orgs.vue'),
        meta: { title: '组织管理', perm: 'orgs.read' },
      },
      {
        path: 'members',
        name: 'members',
        component: () => import('./pages/Members.vue'),
        meta: { title: '会员管理', perm: 'members.read' },
      },
      {
        path: 'members/stats',
        name: 'member-stats',
        component: () => import('./pages/MemberStats.vue'),
        meta: { title: '会员统计', perm: 'members.read' },
      },
      {
        path: 'orgs/stats',
        name: 'org-stats',
        component: () => import('./pages/OrgStats.vue'),
        meta: { title: '组织统计', perm: 'orgs.read' },
      },
      {
        path: 'orgs/import',
        name: 'org-import',
        component: () => import('./pages/Import.vue'),
        props: { kind: 'orgs' },
        meta: { title: '工会导入', perm: 'orgs.write' },
      },
      {
        path: 'members/import',
        name: 'member-import',
        component: () => import('./pages/Import.vue'),
        props: { kind: 'members' },
        meta: { title: '会员导入', perm: 'members.import' },
      },
      {
        path: 'accounts',
        name: 'accounts',
        component: () => import('./pages/Accounts.vue'),
        meta: { title: '账号管理', perm: 'accounts.read' },
      },
      {
        path: 'roles',
        name: 'roles',
        component: () => import('./pages/Roles.vue'),
        meta: { title: '角色权限', perm: 'accounts.manage' },
      },
      {
        path: 'api-keys',
        name: 'api-keys',
        component: () => import('./pages/ApiKeys.vue'),
        meta: { title: '接口密钥', perm: 'apikeys.manage' },
      },
      {
        path: 'legal-registry',
        name: 'legal-registry',
        component: () => import('./pages/LegalRegistry.vue'),
        meta: { title: '法人登记簿', perm: 'orgs.read' },
      },
      {
        path: 'establish-routes',
        name: 'establish-routes',
        component: () => import('./pages/EstablishRoutes.vue'),
        meta: { title: '建会受理设置', perm: 'orgs.write' },
      },
      {
        path: 'holidays',
        name: 'holidays',
        component: () => import('./pages/Holidays.vue'),
        meta: { title: '节假日设置', perm: 'calendar.manage' },
      },
      {
        path: 'audit',
        name: 'audit',
        component: () => import('./pages/Audit.vue'),
        meta: { title: '审计日志', perm: 'audit.read' },
      },
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('./pages/NotFound.vue'),
        meta: { title: '页面不存在' },
      },
    ],
  },
]

const router = createRouter({
  history: createWebHistory('/admin/'),
  routes,
})

// Everything but the login page needs a session; an account that must change its
// password goes to 修改密码 first. (Permissions are checked by the layout, which says
// "no permission" in place of the page, and above all by the server.)
router.beforeEach(async (to) => {
  if (to.meta.public) return true
  let me = null
  try {
    me = await loadMe()
  } catch {
    me = null // server unreachable: the login page says so when the cadre tries
  }
  if (!me) {
    return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
  }
  if (mustChangePassword() && to.name !== 'password') {
    return { name: 'password', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
  }
  return true
})

router.afterEach((to) => {
  document.title = `${to.meta.title || '管理后台'} - 陕西网上工会 · 管理后台`
})

export default router
