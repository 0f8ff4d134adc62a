#ifndef CLINUX_SHIM_H
#define CLINUX_SHIM_H
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

/* GNU extensions, declared here so that no _GNU_SOURCE is needed. */
extern int pthread_setname_np(pthread_t thread, const char *name);
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);
extern int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *sigmask);

static inline int clinux_set_thread_name(pthread_t thread, const char *name) {
    return pthread_setname_np(thread, name);
}

/* poll with a timeout in nanoseconds (poll's own is in milliseconds). */
static inline int clinux_poll_nanoseconds(struct pollfd *fds, nfds_t nfds, unsigned long long nanoseconds) {
    struct timespec timeout = { (time_t)(nanoseconds / 1000000000ULL), (long)(nanoseconds % 1000000000ULL) };
    return ppoll(fds, nfds, &timeout, NULL);
}
/* ThreadSanitizer's annotations, weak: present only in a build with -sanitize=thread. The standard
   library's Mutex is not instrumented, so its acquire and release are announced with them. */
extern void __tsan_acquire(void *addr) __attribute__((weak));
extern void __tsan_release(void *addr) __attribute__((weak));

static inline void clinux_tsan_acquire(void *addr) {
    if (__tsan_acquire) __tsan_acquire(addr);
}

static inline void clinux_tsan_release(void *addr) {
    if (__tsan_release) __tsan_release(addr);
}
#endif
