import { createApp } from 'vue'
import App from './App.vue'
import router from './router.js'
import { installElement } from './element.js'
import './style.css'

const app = createApp(App)
installElement(app)
app.use(router)
app.mount('#app')
