// Element Plus components that only some pages use, imported by those pages so that
// they load with the page instead of with the console's first screen:
//   import { ElTable, ElTableColumn } from '../element-extra.js'
import 'element-plus/es/components/checkbox/style/css'
import 'element-plus/es/components/checkbox-group/style/css'
import 'element-plus/es/components/date-picker/style/css'
import 'element-plus/es/components/drawer/style/css'
import 'element-plus/es/components/input-number/style/css'
import 'element-plus/es/components/progress/style/css'
import 'element-plus/es/components/radio-button/style/css'
import 'element-plus/es/components/step/style/css'
import 'element-plus/es/components/steps/style/css'
import 'element-plus/es/components/tab-pane/style/css'
import 'element-plus/es/components/tabs/style/css'
import 'element-plus/es/components/table/style/css'
import 'element-plus/es/components/table-column/style/css'
import 'element-plus/es/components/timeline/style/css'
import 'element-plus/es/components/timeline-item/style/css'
import 'element-plus/es/components/tree/style/css'
import 'element-plus/es/components/tree-select/style/css'
import 'element-plus/es/components/upload/style/css'

export {
  ElCheckbox,
  ElCheckboxGroup,
  ElDatePicker,
  ElDrawer,
  ElInputNumber,
  ElProgress,
  ElRadioButton,
  ElStep,
  ElSteps,
  ElTabPane,
  ElTabs,
  ElTable,
  ElTableColumn,
  ElTimeline,
  ElTimelineItem,
  ElTree,
  ElTreeSelect,
  ElUpload,
} from 'element-plus'
