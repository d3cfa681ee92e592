import { showToast } from 'vant'

/** Open a service entry: go to its page when built, else tell the member it is coming. */
export function openService(router, service) {
  if (service.to) {
    router.push(service.to)
    return
  }
  showToast({ message: '即将开放', className: 'gh-toast' })
}
