#ifndef CLINUXEVENTS_SHIM_H
#define CLINUXEVENTS_SHIM_H
/* Linux calls that Glibc's Swift module does not export: event notification, and malloc
 * tuning (mallopt) for the consumer, thread names and attributes. */
#include <malloc.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

/* accept4 is a GNU extension, declared only under _GNU_SOURCE. */
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);

/* Thread names (what debuggers show) and a running thread's attributes: GNU extensions too. */
extern int pthread_setname_np(pthread_t thread, const char *name);
extern int pthread_getname_np(pthread_t thread, char *name, size_t length);
extern int pthread_getattr_np(pthread_t thread, pthread_attr_t *attributes);

/* Accepts a connection as a non-blocking, close-on-exec socket. */
static inline int clinux_accept_nonblocking(int fd, struct sockaddr *addr, socklen_t *addrlen) {
    return accept4(fd, addr, addrlen, SOCK_NONBLOCK | SOCK_CLOEXEC);
}
#endif
