// What 会员统计 and 组织统计 have alike: the union they count (with everything under it),
// opening on the cadre's first one, and the look of their bar and ring charts.

import { onMounted, ref } from 'vue'
import { fetchOrgChildren } from './orgs.js'

/**
 * The page's union and its statistics. fetch(orgId) answers the statistics to show; an
 * answer that comes after another union was picked is dropped.
 */
export function useStatsOrg(fetch) {
  const orgId = ref(null)
  const org = ref(null)
  const known = ref([])
  const stats = ref(null)
  const loading = ref(false)
  const error = ref('')

  async function load() {
    if (!orgId.value) return
    loading.value = true
    error.value = ''
    const at = orgId.value
    try {
      const s = await fetch(at)
      if (at !== orgId.value) return
      stats.value = s
    } catch (e) {
      stats.value = null
      error.value = e.message
    } finally {
      loading.value = false
    }
  }

  onMounted(async () => {
    try {
      const roots = await fetchOrgChildren(null)
      if (roots.length) {
        known.value = roots
        org.value = roots[0]
        orgId.value = roots[0].id
        load()
      } else {
        error.value = '没有可查看的工会'
      }
    } catch (e) {
      error.value = e.message
    }
  })

  function onPick(o) {
    org.value = o
    load()
  }

  return { orgId, org, known, stats, loading, error, onPick }
}

const LABEL = { fontSize: 14, color: '#303133' }

/**
 * Bar and ring charts of [{name, value, full?}] counted in `unit` (人, 个), as ECharts options
 * for StatChart. With `share`, a ring's labels give each part's share as well.
 */
export function statCharts(unit, { share = false } = {}) {
  /**
   * horizontal: bars to the right, names down the side (long lists of names).
   * zoom: show the first `zoom` bars and a slider to the rest.
   * labelZero: false leaves a bar of 0 without its figure.
   */
  function bar(data, { horizontal = false, color = '#c8161d', zoom = 0, labelZero = true } = {}) {
    const names = data.map((d) => d.name)
    const values = data.map((d) => d.value)
    const cat = {
      type: 'category',
      data: names,
      axisLabel: { ...LABEL, interval: 0, ...(horizontal ? { width: 220, overflow: 'truncate' } : zoom ? { rotate: 40 } : {}) },
      axisTick: { show: false },
    }
    const val = { type: 'value', minInterval: 1, axisLabel: { fontSize: 13, color: '#5a5d62' }, splitLine: { lineStyle: { color: '#eceef2' } } }
    return {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: (p) => `${data[p[0].dataIndex]?.full || p[0].name}：${p[0].value} ${unit}`, textStyle: { fontSize: 14 } },
      grid: horizontal ? { left: 8, right: 64, top: 8, bottom: 8, containLabel: true } : { left: 8, right: 16, top: 28, bottom: zoom ? 48 : 8, containLabel: true },
      dataZoom: zoom && data.length > zoom ? [{ type: 'slider', bottom: 6, height: 22, startValue: 0, endValue: zoom - 1 }, { type: 'inside', startValue: 0, endValue: zoom - 1 }] : [],
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? { ...cat, inverse: true } : val,
      series: [
        {
          type: 'bar',
          data: values,
          barMaxWidth: horizontal ? 22 : 44,
          itemStyle: { color, borderRadius: horizontal ? [0, 4, 4, 0] : [4, 4, 0, 0] },
          label: { show: true, position: horizontal ? 'right' : 'top', fontSize: 14, color: '#303133', formatter: (p) => (p.value || labelZero ? `${p.value} ${unit}` : '') },
        },
      ],
    }
  }

  function pie(data) {
    return {
      tooltip: { trigger: 'item', formatter: `{b}：{c} ${unit}（{d}%）`, textStyle: { fontSize: 14 } },
      legend: { bottom: 0, itemGap: 16, textStyle: { fontSize: 14 } },
      series: [
        {
          type: 'pie',
          radius: ['36%', '62%'],
          center: ['50%', '45%'],
          avoidLabelOverlap: true,
          itemStyle: { borderColor: '#fff', borderWidth: 2 },
          label: { formatter: share ? `{b}\n{c} ${unit}（{d}%）` : `{b}\n{c} ${unit}`, fontSize: 14, lineHeight: 20, color: '#303133' },
          // the wider label, with its share, stays closer to the ring
          ...(share ? { labelLine: { length: 12, length2: 10 } } : {}),
          data,
        },
      ],
    }
  }

  return { bar, pie }
}
