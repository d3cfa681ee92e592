// Vant components the portal uses, imported one by one (with their styles) so the
// bundle carries only what is used. Add a component here when a page starts using it.
import {
  Locale,
  Button,
  Cascader,
  Cell,
  CellGroup,
  Checkbox,
  ConfigProvider,
  Empty,
  Field,
  Form,
  Grid,
  GridItem,
  Icon,
  Loading,
  NavBar,
  NoticeBar,
  Picker,
  Popup,
  Radio,
  RadioGroup,
  Search,
  Step,
  Steps,
  Tabbar,
  TabbarItem,
  Tag,
} from 'vant'
import zhCN from 'vant/es/locale/lang/zh-CN'

import 'vant/es/style/base.css'
import 'vant/es/button/style/index'
import 'vant/es/cascader/style/index'
import 'vant/es/cell/style/index'
import 'vant/es/cell-group/style/index'
import 'vant/es/checkbox/style/index'
import 'vant/es/config-provider/style/index'
import 'vant/es/empty/style/index'
import 'vant/es/field/style/index'
import 'vant/es/form/style/index'
import 'vant/es/grid/style/index'
import 'vant/es/grid-item/style/index'
import 'vant/es/icon/style/index'
import 'vant/es/loading/style/index'
import 'vant/es/nav-bar/style/index'
import 'vant/es/notice-bar/style/index'
import 'vant/es/picker/style/index'
import 'vant/es/popup/style/index'
import 'vant/es/radio/style/index'
import 'vant/es/radio-group/style/index'
import 'vant/es/search/style/index'
import 'vant/es/step/style/index'
import 'vant/es/steps/style/index'
import 'vant/es/tabbar/style/index'
import 'vant/es/tabbar-item/style/index'
import 'vant/es/tag/style/index'
// used through showToast() and showConfirmDialog()
import 'vant/es/toast/style/index'
import 'vant/es/dialog/style/index'

const components = [
  Button,
  Cascader,
  Cell,
  CellGroup,
  Checkbox,
  ConfigProvider,
  Empty,
  Field,
  Form,
  Grid,
  GridItem,
  Icon,
  Loading,
  NavBar,
  NoticeBar,
  Picker,
  Popup,
  Radio,
  RadioGroup,
  Search,
  Step,
  Steps,
  Tabbar,
  TabbarItem,
  Tag,
]

export function installVant(app) {
  Locale.use('zh-CN', zhCN)
  for (const c of components) app.use(c)
}
