import { createApp } from 'vue'
import { ElMessage } from 'element-plus'
import { onAuthError } from '@common/api.js'
import App from './App.vue'
import router from './router.js'
import { installElement } from './element.js'
import { auth, forget } from './auth.js'
import './style.css'

const app = createApp(App)
installElement(app)
app.use(router)

// An answer that says "log in again" or "change your password first" takes the cadre
// to the page that fixes it, then back to where they were.
onAuthError((err) => {
  const here = router.currentRoute.value
  const back = here.fullPath === '/' || here.meta.public ? {} : { redirect: here.fullPath }
  if (err.code === 'password_change_required') {
    if (auth.me && auth.me.account) {
      if (!auth.me.account.must_change_password) auth.passwordReason = 'expired'
      auth.me.account.must_change_password = true
    }
    if (here.name !== 'password') router.push({ name: 'password', query: back })
    return
  }
  forget()
  if (here.name === 'login') return
  ElMessage({ type: 'warning', message: '登录已过期，请重新登录', duration: 4000 })
  router.push({ name: 'login', query: back })
})

app.mount('#app')
