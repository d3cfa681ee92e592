import { createRouter, createWebHistory } from 'vue-router'
import Home from './pages/Home.vue'
import { loadMe } from './session.js'

const routes = [
  { path: '/', name: 'home', component: Home, meta: { title: '陕西网上工会', tab: 'home' } },
  {
    path: '/services',
    name: 'services',
    component: () => import('./pages/Services.vue'),
    meta: { title: '服务', tab: 'services' },
  },
  {
    path: '/messages',
    name: 'messages',
    component: () => import('./pages/Messages.vue'),
    meta: { title: '消息', tab: 'messages' },
  },
  { path: '/me', name: 'me', component: () => import('./pages/Me.vue'), meta: { title: '我的', tab: 'me' } },
  { path: '/login', name: 'login', component: () => import('./pages/Login.vue'), meta: { title: '登录' } },
  { path: '/register', name: 'register', component: () => import('./pages/Register.vue'), meta: { title: '注册' } },
  {
    path: '/me/password',
    name: 'password',
    component: () => import('./pages/ChangePassword.vue'),
    meta: { title: '修改密码', auth: true },
  },
  {
    path: '/apply/join',
    name: 'apply-join',
    component: () => import('./pages/ApplyJoin.vue'),
    meta: { title: '我要入会', auth: true },
  },
  {
    path: '/apply/transfer',
    name: 'apply-transfer',
    component: () => import('./pages/ApplyTransfer.vue'),
    meta: { title: '我要转会', auth: true },
  },
  {
    path: '/apply/establish',
    name: 'apply-establish',
    component: () => import('./pages/ApplyEstablish.vue'),
    meta: { title: '我要建会', auth: true },
  },
  {
    path: '/apply/membership',
    name: 'apply-membership',
    component: () => import('./pages/ApplyMembership.vue'),
    meta: { title: '会籍变更', auth: true },
  },
  {
    path: '/applications',
    name: 'applications',
    component: () => import('./pages/Applications.vue'),
    meta: { title: '我的申请', auth: true },
  },
  {
    path: '/applications/:id',
    name: 'application',
    component: () => import('./pages/ApplicationDetail.vue'),
    meta: { title: '申请详情', auth: true },
  },
  {
    path: '/card/mine',
    name: 'card-mine',
    component: () => import('./pages/CardMine.vue'),
    meta: { title: '电子会员证', auth: true },
  },
  // Public: the 电子会员证's QR code opens this page (GET /me/card → verify_url).
  {
    path: '/card',
    name: 'card-verify',
    component: () => import('./pages/CardVerify.vue'),
    meta: { title: '会员证核验' },
  },
  // Public: the QR code on a 工会法人资格证书 opens this page (certificate.pdf → /cert?no=…).
  {
    path: '/cert',
    name: 'cert-verify',
    component: () => import('./pages/CertVerify.vue'),
    meta: { title: '法人资格证书核验' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('./pages/NotFound.vue'),
    meta: { title: '页面不存在' },
  },
]

const router = createRouter({
  history: createWebHistory('/'),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

// Pages marked auth need a session: without one, go to 登录 and come back afterwards.
router.beforeEach(async (to) => {
  if (!to.meta.auth) return true
  const me = await loadMe()
  if (me) return true
  return { name: 'login', query: { redirect: to.fullPath } }
})

router.afterEach((to) => {
  const t = to.meta.title
  document.title = t && t !== '陕西网上工会' ? `${t} - 陕西网上工会` : '陕西网上工会'
})

export default router
