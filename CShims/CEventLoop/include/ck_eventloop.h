/*
 * ck_eventloop.h — what the tick loop needs from the kernel that Swift's Glibc module does not
 * export: ppoll with a nanosecond timeout, and signalfd for SIGINT/SIGTERM.
 *
 * Every function returns >= 0 on success or -errno; none prints or exits or allocates.
 */
#ifndef CK_EVENTLOOP_H
#define CK_EVENTLOOP_H

#include <poll.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Waits until a descriptor in fds is readable or timeout_ns elapses (ppoll, signals not unblocked).
 * Returns the number of ready entries, 0 on timeout or when a signal interrupted the wait. */
int ck_loop_wait(struct pollfd *fds, unsigned count, int64_t timeout_ns);

/* Blocks SIGINT and SIGTERM in the calling thread and returns a non-blocking signalfd for them. The
 * previous mask is saved for ck_loop_signals_close. */
int ck_loop_signals_open(void);

/* Takes one pending signal from the descriptor: returns its number, 0 when none is pending. */
int ck_loop_signals_take(int fd);

/* Closes the descriptor and restores the signal mask saved by ck_loop_signals_open. */
int ck_loop_signals_close(int fd);

/* Sets the calling thread's timer slack (ns). Linux defaults to 50 000 ns, which delays every timed
 * wake-up by up to 50 µs: a 1 ms control loop wants 1. */
int ck_loop_set_timer_slack(unsigned long nanoseconds);

/* Makes the calling thread real-time: SCHED_FIFO at `priority` (1…99) and all memory locked
 * (mlockall, current and future), so page faults and ordinary processes cannot delay a tick.
 * -EPERM without CAP_SYS_NICE / CAP_IPC_LOCK (or a suitable RLIMIT_RTPRIO/RLIMIT_MEMLOCK). */
int ck_loop_make_realtime(int priority);

/* Runs the calling thread SCHED_FIFO at `priority` (1…99) without locking memory: for a thread that
 * stands for hardware of its own (an emulated microcontroller) and must not wait behind the host's
 * ordinary load. -EPERM without CAP_SYS_NICE or RLIMIT_RTPRIO. */
int ck_loop_thread_fifo(int priority);

/* Names the calling thread (the kernel keeps 15 bytes; ps -L, top and /proc/self/task/N/comm show it). */
int ck_loop_name_thread(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* CK_EVENTLOOP_H */
