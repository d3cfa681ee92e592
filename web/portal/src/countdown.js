import { onBeforeUnmount, ref } from 'vue'

/** A seconds countdown for "获取验证码" buttons: start(60) → left counts 60 … 0. */
export function useCountdown() {
  const left = ref(0)
  let timer = null
  function stop() {
    if (timer) clearInterval(timer)
    timer = null
    left.value = 0
  }
  function start(seconds) {
    stop()
    left.value = Math.max(1, Math.round(seconds))
    timer = setInterval(() => {
      left.value -= 1
      if (left.value <= 0) stop()
    }, 1000)
  }
  onBeforeUnmount(stop)
  return { left, start, stop }
}
