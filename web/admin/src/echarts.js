// ECharts with only the parts the console draws (pie, bar and line charts on canvas),
// so the statistics page does not carry the whole library.
import * as echarts from 'echarts/core'
import { BarChart, LineChart, PieChart } from 'echarts/charts'
import { DataZoomComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([BarChart, LineChart, PieChart, DataZoomComponent, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer])

export { echarts }

/** 工会红 first, then warm colours that stay apart from each other and from the red. */
export const UNION_PALETTE = ['#c8161d', '#f29b38', '#8c1c13', '#e8655a', '#f6c85f', '#b85c38', '#6f7d8c', '#d4a373', '#a5484d', '#9aa5b1']
