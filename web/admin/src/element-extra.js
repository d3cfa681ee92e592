// Element Plus components that only some pages use, imported by those pages so that
// they load with the page instead of with the console's first screen:
//   import { ElTable, ElTableColumn } from '../element-extra.js'
import 'element-plus/es/components/checkbox/style/css'
import 'element-plus/es/components/checkbox-group/style/css'
import 'element-plus/es/components/date-picker/style/css'
import 'element-plus/es/components/input-number/style/css'
import 'element-plus/es/components/table/style/css'
import 'element-plus/es/components/table-column/style/css'
import 'element-plus/es/components/tree/style/css'
import 'element-plus/es/components/tree-select/style/css'

export {
  ElCheckbox,
  ElCheckboxGroup,
  ElDatePicker,
  ElInputNumber,
  ElTable,
  ElTableColumn,
  ElTree,
  ElTreeSelect,
} from 'element-plus'
