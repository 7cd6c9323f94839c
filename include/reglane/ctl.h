/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_CTL_H
#define REGLANE_CTL_H

/**
 * @file
 * The control thread (control/ctl_thread.c): the process's RCU-aware
 * housekeeper, and the home of the HTTP control API to come.
 *
 * It is created with rte_ctrl_thread_create(), so it runs on the control
 * cpuset (the CPUs of the process minus the worker lcores, or the main
 * lcore's CPU when nothing is left), and it creates every thread liburcu
 * starts for us from there: the registration table (whose lfht resize
 * worker inherits the creator's affinity) and one URCU_CALL_RCU_RT
 * call_rcu_data per worker (RCU.md 0.5, 0.7, 3). Then it reports ready and
 * loops: an expiry sweep of the table on a timer, drain detection for
 * replay (--exit-on-drain stops the workers; --dump-state writes the table
 * as JSON), a periodic stats line. It is a registered urcu-qsbr reader that
 * is offline except while it works on the table (RCU.md 0.4).
 */

#include <reglane/app.h>

/**
 * Start the control thread and wait until it is ready (table and call_rcu
 * threads created, app->table and app->workers[i].crdp set).
 * Context: main thread, after rte_eal_init(), before any worker runs.
 * @return 0, or -errno (the thread failed to start or to set up; it has
 *   already exited and released what it made).
 */
int ctl_thread_start(struct rgl_app *app);

/**
 * Final state dump (--dump-state), table counts into app->final_table, then
 * the teardown of RCU.md 0.8 steps 2-5: delete every node and wait for the
 * callbacks (regtable_destroy: call_rcu + urcu_qsbr_barrier + offline
 * cds_lfht_destroy), unregister, exit; joined here.
 * Context: main thread, after every worker lcore returned (unregistered)
 * and freed its regtable writer.
 */
void ctl_thread_stop(struct rgl_app *app);

#endif /* REGLANE_CTL_H */
