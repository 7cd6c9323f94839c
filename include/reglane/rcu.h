/* SPDX-License-Identifier: MIT */
#ifndef REGLANE_RCU_H
#define REGLANE_RCU_H

/**
 * @file
 * The one place that picks reglane's RCU flavor: liburcu 0.13 QSBR
 * (RCU.md section 0). Every file that touches an RCU-protected structure
 * includes this header instead of a liburcu one, and calls the explicit
 * urcu_qsbr_* names so that a reader can see which flavor is meant.
 *
 * _LGPL_SOURCE is deliberately NOT defined: the project is MIT and the
 * liburcu README allows inlining only for LGPL-compatible code, so flavor
 * calls (read_lock, quiescent_state) are cheap PLT calls. A test-only
 * build may define _LGPL_SOURCE and DEBUG_RCU before including this file
 * to get the read-side assertions (RCU.md section 1).
 *
 * Rules every user of this header follows (RCU.md sections 0 and 9):
 *  - every thread that reads or writes a table is registered
 *    (urcu_qsbr_register_thread) and online while it does;
 *  - workers call urcu_qsbr_quiescent_state() once per poll loop, and no
 *    pointer obtained under RCU survives that call;
 *  - blocking waits happen offline (urcu_qsbr_thread_offline/online);
 *  - synchronize_rcu, defer_rcu and rcu_barrier never run on a worker:
 *    reclamation is urcu_qsbr_call_rcu, into call_rcu_data created on the
 *    control thread (URCU_CALL_RCU_RT);
 *  - rcu_cmpxchg_pointer(p, old, new) takes the OLD value second: the
 *    0.13.2 header comment that says (p, new, old) is wrong (fixed in
 *    0.13.4); the macro returns the previous value.
 */

#include <urcu/urcu-qsbr.h>
#include <urcu/rculfhash.h>
#include <urcu/compiler.h>

/** The flavor handed to cds_lfht_new_flavor(). */
#define RGL_RCU_FLAVOR (&urcu_qsbr_flavor)

#endif /* REGLANE_RCU_H */
