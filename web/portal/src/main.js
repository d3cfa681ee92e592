import { createApp } from 'vue'
import App from './App.vue'
import router from './router.js'
import { installVant } from './vant.js'
import './style.css'
import { showToast } from 'vant'
import { onAuthError } from '@common/api.js'
import { forgetSession } from './session.js'

const app = createApp(App)
installVant(app)
app.use(router)
app.mount('#app')

// An answer that says "log in again" (the session expired or was ended elsewhere) or
// "change your password first" takes the member to the page that fixes it.
onAuthError((err) => {
  const here = router.currentRoute.value
  if (err.code === 'password_change_required') {
    if (here.name !== 'password') {
      showToast({ message: '为了账号安全，请先修改密码', className: 'gh-toast' })
      router.push({ name: 'password', query: { redirect: here.fullPath } })
    }
    return
  }
  forgetSession()
  if (here.name === 'login' || here.name === 'register') return
  showToast({ message: err.status === 401 ? '登录已过期，请重新登录' : '请重新登录', className: 'gh-toast' })
  router.push({ name: 'login', query: { redirect: here.fullPath } })
})

