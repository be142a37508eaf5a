/* ck_eventloop.c — ppoll and signalfd for the tick loop. */
#define _GNU_SOURCE
#include "ck_eventloop.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

int ck_loop_wait(struct pollfd *fds, unsigned count, int64_t timeout_ns) {
    if (timeout_ns < 0) timeout_ns = 0;
    struct timespec ts = { .tv_sec = (time_t)(timeout_ns / 1000000000), .tv_nsec = (long)(timeout_ns % 1000000000) };
    int r = ppoll(fds, count, &ts, NULL);
    if (r < 0) return errno == EINTR ? 0 : -errno;
    return r;
}

static sigset_t saved_mask;

int ck_loop_signals_open(void) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    int r = pthread_sigmask(SIG_BLOCK, &mask, &saved_mask);
    if (r != 0) return -r;
    int fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);
        return -e;
    }
    return fd;
}

int ck_loop_signals_take(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n == (ssize_t)sizeof info) return (int)info.ssi_signo;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return -errno;
    return 0;
}

int ck_loop_signals_close(int fd) {
    int r = close(fd) < 0 ? -errno : 0;
    pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);
    return r;
}

int ck_loop_set_timer_slack(unsigned long nanoseconds) {
    if (nanoseconds == 0) return -EINVAL; /* 0 would mean "back to the default" */
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0, 0, 0) < 0 ? -errno : 0;
}

int ck_loop_thread_fifo(int priority) {
    if (priority < 1 || priority > 99) return -EINVAL;
    struct sched_param sp = { .sched_priority = priority };
    int r = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
    return r == 0 ? 0 : -r;
}

int ck_loop_name_thread(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0) < 0 ? -errno : 0;
}

int ck_loop_make_realtime(int priority) {
    if (priority < 1 || priority > 99) return -EINVAL;
    if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0) return -errno;
    struct sched_param sp = { .sched_priority = priority };
    int r = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
    return r == 0 ? 0 : -r;
}
