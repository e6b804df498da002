/* clock: the monotonic clock, for timeouts and measured durations.
 *
 * Only deadlines (live servers, tcp settling) and the timings bench and
 * explore print read it; a run's results never depend on it (STYLE §2:
 * the model's time is the scenario's `advance`).
 */
#ifndef SESSIM_SIM_CLOCK_H
#define SESSIM_SIM_CLOCK_H

/* Seconds / milliseconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
double clock_now_s(void);
unsigned long long clock_now_ms(void);

/* Sleeps ms milliseconds (resumed after a signal). */
void clock_sleep_ms(unsigned ms);

#endif
