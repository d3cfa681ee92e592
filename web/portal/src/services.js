// The portal's service entries. A business area that gets built sets `to` (a route
// path); entries without one show "即将开放" when tapped.
export const services = [
  { key: 'join', name: '入会', desc: '职工在线申请加入工会', icon: 'add-square', color: '#c8161d', to: '/apply/join' },
  { key: 'transfer', name: '转会', desc: '工作变动后转移会员关系', icon: 'exchange', color: '#e4572e', to: '/apply/transfer' },
  { key: 'establish', name: '建会', desc: '单位还没有工会的，申请建立工会', icon: 'cluster-o', color: '#b5651d', to: '/apply/establish' },
  { key: 'hardship', name: '困难帮扶', desc: '困难职工申请帮扶救助', icon: 'like', color: '#d63864' },
  { key: 'legal', name: '法律援助', desc: '劳动维权与法律咨询', icon: 'shield-o', color: '#2f6fd6' },
  { key: 'sanatorium', name: '疗休养', desc: '职工疗休养报名', icon: 'hotel-o', color: '#17a2a0' },
  { key: 'points', name: '积分签到', desc: '每日签到领取积分', icon: 'sign', color: '#f08c00' },
  { key: 'jobs', name: '就业服务', desc: '招聘信息与求职登记', icon: 'bag-o', color: '#3c8c3c' },
  { key: 'training', name: '学习培训', desc: '在线学习与技能培训', icon: 'certificate', color: '#7a4fc9' },
]
