// C11 threads (<threads.h>) as the POSIX calls ThreadSanitizer intercepts, preloaded by
// `make test-tsan` only.
//
// librdkafka starts its threads with thrd_create and locks with mtx_lock/cnd_wait. The
// sanitizer runtime intercepts pthread_create and pthread_mutex_lock but not their C11 twins,
// so librdkafka's threads would run without the sanitizer's per-thread state (it crashes at
// their first intercepted call) and the ordering its locks give would be invisible. glibc's
// mtx_t and cnd_t are pthread_mutex_t and pthread_cond_t in another union, so these are the
// same operations glibc performs, made through the interceptable names.
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

static int result_of(int code) {
    switch (code) {
    case 0: return thrd_success;
    case ENOMEM: return thrd_nomem;
    case ETIMEDOUT: return thrd_timedout;
    case EBUSY: return thrd_busy;
    default: return thrd_error;
    }
}

struct start { thrd_start_t function; void *argument; };

static void *run(void *context) {
    struct start start = *(struct start *)context;
    free(context);
    return (void *)(intptr_t)start.function(start.argument);
}

int thrd_create(thrd_t *thread, thrd_start_t function, void *argument) {
    struct start *context = malloc(sizeof *context);
    if (context == NULL) return thrd_nomem;
    context->function = function;
    context->argument = argument;
    int code = pthread_create((pthread_t *)thread, NULL, run, context);
    if (code != 0) free(context);
    return result_of(code);
}

int thrd_join(thrd_t thread, int *result) {
    void *value = NULL;
    int code = pthread_join((pthread_t)thread, &value);
    if (code == 0 && result != NULL) *result = (int)(intptr_t)value;
    return result_of(code);
}

int mtx_init(mtx_t *mutex, int type) {
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    if (type & mtx_recursive) pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
    int code = pthread_mutex_init((pthread_mutex_t *)mutex, &attributes);
    pthread_mutexattr_destroy(&attributes);
    return result_of(code);
}

void mtx_destroy(mtx_t *mutex) { pthread_mutex_destroy((pthread_mutex_t *)mutex); }
int mtx_lock(mtx_t *mutex) { return result_of(pthread_mutex_lock((pthread_mutex_t *)mutex)); }
int mtx_trylock(mtx_t *mutex) { return result_of(pthread_mutex_trylock((pthread_mutex_t *)mutex)); }
int mtx_unlock(mtx_t *mutex) { return result_of(pthread_mutex_unlock((pthread_mutex_t *)mutex)); }

int cnd_init(cnd_t *condition) { return result_of(pthread_cond_init((pthread_cond_t *)condition, NULL)); }
void cnd_destroy(cnd_t *condition) { pthread_cond_destroy((pthread_cond_t *)condition); }
int cnd_signal(cnd_t *condition) { return result_of(pthread_cond_signal((pthread_cond_t *)condition)); }
int cnd_broadcast(cnd_t *condition) { return result_of(pthread_cond_broadcast((pthread_cond_t *)condition)); }

int cnd_wait(cnd_t *condition, mtx_t *mutex) {
    return result_of(pthread_cond_wait((pthread_cond_t *)condition, (pthread_mutex_t *)mutex));
}

int cnd_timedwait(cnd_t *condition, mtx_t *mutex, const struct timespec *deadline) {
    return result_of(
        pthread_cond_timedwait((pthread_cond_t *)condition, (pthread_mutex_t *)mutex, deadline));
}
