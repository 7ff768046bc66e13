#ifndef CLINUXEVENTS_SHIM_H
#define CLINUXEVENTS_SHIM_H
/* Linux calls that Glibc's Swift module does not export: event notification, malloc tuning
 * (mallopt) for the consumer, thread names and attributes, and the kernel's random bytes
 * (getrandom) for event ids. */
#include <malloc.h>
#include <pthread.h>
#include <sys/random.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* accept4 is a GNU extension, declared only under _GNU_SOURCE. */
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);

/* Thread names (what debuggers show) and a running thread's attributes: GNU extensions too. */
extern int pthread_setname_np(pthread_t thread, const char *name);
extern int pthread_getname_np(pthread_t thread, char *name, size_t length);
extern int pthread_getattr_np(pthread_t thread, pthread_attr_t *attributes);

/* CPUs this process may run on (sched_getaffinity, whose glibc wrapper and CPU_COUNT are GNU
 * extensions), or -1 when the call fails. Room for 8192 CPUs. */
static inline int clinux_allowed_cpus(void) {
    unsigned long mask[128];
    long bytes = syscall(SYS_sched_getaffinity, 0, sizeof mask, mask);
    if (bytes <= 0) return -1;
    int count = 0;
    for (long index = 0; index < bytes / (long)sizeof mask[0]; index++) count += __builtin_popcountl(mask[index]);
    return count;
}

/* Accepts a connection as a non-blocking, close-on-exec socket. */
static inline int clinux_accept_nonblocking(int fd, struct sockaddr *addr, socklen_t *addrlen) {
    return accept4(fd, addr, addrlen, SOCK_NONBLOCK | SOCK_CLOEXEC);
}
#endif
