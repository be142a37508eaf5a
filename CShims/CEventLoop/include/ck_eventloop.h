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

#ifdef __cplusplus
}
#endif
#endif /* CK_EVENTLOOP_H */
