// 工会红 and white, with type a size larger than Vant's defaults so that older
// members can read it comfortably.
export const UNION_RED = '#c8161d'

export const themeVars = {
  primaryColor: UNION_RED,
  red: UNION_RED,
  fontSizeSm: '13px',
  fontSizeMd: '15px',
  fontSizeLg: '17px',
  navBarBackground: UNION_RED,
  navBarTitleTextColor: '#ffffff',
  navBarIconColor: '#ffffff',
  navBarTextColor: '#ffffff',
  navBarTitleFontSize: '18px',
  navBarHeight: '50px',
  cellFontSize: '16px',
  cellLineHeight: '26px',
  cellIconSize: '18px',
  gridItemTextFontSize: '15px',
  tabbarHeight: '56px',
  tabbarItemFontSize: '13px',
  tabbarItemIconSize: '24px',
  toastFontSize: '17px',
  toastTextPadding: '12px 20px',
  toastTextMinWidth: '120px',
  buttonNormalFontSize: '16px',
  emptyDescriptionFontSize: '15px',
}
