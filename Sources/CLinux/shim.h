#ifndef CLINUX_SHIM_H
#define CLINUX_SHIM_H
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

/* GNU extensions, declared here so that no _GNU_SOURCE is needed. */
extern int pthread_setname_np(pthread_t thread, const char *name);
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);

static inline int clinux_set_thread_name(pthread_t thread, const char *name) {
    return pthread_setname_np(thread, name);
}
#endif
