import { createRouter, createWebHistory } from 'vue-router'
import Dashboard from './pages/Dashboard.vue'
import { menu } from './menu.js'

const UnderConstruction = () => import('./pages/UnderConstruction.vue')

const routes = [
  { path: '/', name: 'dashboard', component: Dashboard, meta: { title: '工作台' } },
  ...menu
    .filter((m) => m.path !== '/')
    .map((m) => ({ path: m.path, name: m.name, component: UnderConstruction, meta: { title: m.title } })),
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('./pages/NotFound.vue'),
    meta: { title: '页面不存在' },
  },
]

const router = createRouter({
  history: createWebHistory('/admin/'),
  routes,
})

router.afterEach((to) => {
  document.title = `${to.meta.title || '管理后台'} - 陕西网上工会 · 管理后台`
})

export default router
