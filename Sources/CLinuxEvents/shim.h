#ifndef CLINUXEVENTS_SHIM_H
#define CLINUXEVENTS_SHIM_H
/* Linux calls that Glibc's Swift module does not export: event notification, malloc tuning
 * (mallopt) for the consumer, and the kernel's random bytes (getrandom) for event ids. */
#include <malloc.h>
#include <sys/random.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

/* accept4 is a GNU extension, declared only under _GNU_SOURCE. */
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);

/* Accepts a connection as a non-blocking, close-on-exec socket. */
static inline int clinux_accept_nonblocking(int fd, struct sockaddr *addr, socklen_t *addrlen) {
    return accept4(fd, addr, addrlen, SOCK_NONBLOCK | SOCK_CLOEXEC);
}
#endif
