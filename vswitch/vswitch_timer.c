// SPDX-License-Identifier: GPL-2.0-or-later
/* vswitch_timer.c - timers of state owned by one datapath thread
 *
 * Each datapath thread has a hierarchical timing wheel (the classic
 * cascading kind): level 0 holds timers due in the next 256 ticks of 1 ms,
 * one slot per tick; levels 1-3 hold later ones in 64 slots each, 256 ms,
 * 16 s and 17 min wide, and pour a slot down into the levels below when the
 * clock reaches it.  Arming and cancelling are O(1); a timer further out
 * than the wheel reaches (about 18 h) waits in the last slot and is placed
 * again when it comes round.  Occupancy bitmaps tell the thread how long it
 * may sleep.  No locks: only the owning thread touches its wheel.
 */
#include "vswitch_priv.h"

#include <string.h>

#define L0_SIZE (1u << VSW_TW_BITS0)
#define LN_SIZE (1u << VSW_TW_BITS)
#define TW_SPAN (1ull << (VSW_TW_BITS0 + (VSW_TW_LEVELS - 1) * VSW_TW_BITS))

/* Where a timer sits: level in the high byte, slot in the low byte. */
#define SLOT_ID(level, idx) ((uint16_t)((level) << 8 | (idx)))

static unsigned level_shift(unsigned level)
{
	return VSW_TW_BITS0 + (level - 1) * VSW_TW_BITS;
}

static struct vsw_timer **slot_head(struct vsw_wheel *w, uint16_t id)
{
	unsigned level = id >> 8, idx = id & 0xff;

	return level ? &w->ln[level - 1][idx] : &w->l0[idx];
}

static void occ_set(struct vsw_wheel *w, uint16_t id)
{
	unsigned level = id >> 8, idx = id & 0xff;

	if (level)
		w->occn[level - 1] |= 1ull << idx;
	else
		w->occ0[idx / 64] |= 1ull << (idx % 64);
}

static void occ_clear(struct vsw_wheel *w, uint16_t id)
{
	unsigned level = id >> 8, idx = id & 0xff;

	if (level)
		w->occn[level - 1] &= ~(1ull << idx);
	else
		w->occ0[idx / 64] &= ~(1ull << (idx % 64));
}

/**
 * vsw_wheel_init() - an empty wheel
 * @w: wheel
 * @now: current tick
 */
void vsw_wheel_init(struct vsw_wheel *w, uint64_t now)
{
	memset(w, 0, sizeof(*w));
	w->now = now;
}

static void link_timer(struct vsw_wheel *w, struct vsw_timer *tm)
{
	uint64_t e = tm->expires, delta;
	struct vsw_timer **head;
	uint16_t id;

	if (e < w->now)
		e = w->now; /* already due: the next run fires it */
	delta = e - w->now;
	if (delta >= TW_SPAN) /* beyond reach: wait in the last slot */
		e = w->now + TW_SPAN - 1, delta = TW_SPAN - 1;
	if (delta < L0_SIZE) {
		id = SLOT_ID(0, e & (L0_SIZE - 1));
	} else {
		unsigned level = 1;

		while (delta >= 1ull << (level_shift(level) + VSW_TW_BITS))
			level++;
		id = SLOT_ID(level, (e >> level_shift(level)) & (LN_SIZE - 1));
	}
	head = slot_head(w, id);
	tm->slot = id;
	tm->next = *head;
	if (tm->next)
		tm->next->pprev = &tm->next;
	tm->pprev = head;
	*head = tm;
	occ_set(w, id);
}

/**
 * vsw_wheel_add() - arm a timer (re-arms it if already pending)
 * @w: wheel
 * @tm: timer, initialised with vsw_timer_init()
 * @expires: absolute tick; a past one fires on the next run
 */
void vsw_wheel_add(struct vsw_wheel *w, struct vsw_timer *tm, uint64_t expires)
{
	vsw_wheel_del(w, tm);
	tm->expires = expires;
	link_timer(w, tm);
	w->count++;
}

static void unlink_timer(struct vsw_wheel *w, struct vsw_timer *tm)
{
	*tm->pprev = tm->next;
	if (tm->next)
		tm->next->pprev = tm->pprev;
	if (!*slot_head(w, tm->slot))
		occ_clear(w, tm->slot);
	tm->next = NULL;
	tm->pprev = NULL;
}

/**
 * vsw_wheel_del() - cancel a timer; an idle one is left alone
 * @w: wheel it was armed on
 * @tm: timer
 */
void vsw_wheel_del(struct vsw_wheel *w, struct vsw_timer *tm)
{
	if (!tm->pprev)
		return;
	unlink_timer(w, tm);
	w->count--;
}

/* Pour slot @idx of @level down into the levels below. */
static void cascade(struct vsw_wheel *w, unsigned level, unsigned idx)
{
	uint16_t id = SLOT_ID(level, idx);
	struct vsw_timer *tm = *slot_head(w, id);

	*slot_head(w, id) = NULL;
	occ_clear(w, id);
	while (tm) {
		struct vsw_timer *next = tm->next;

		link_timer(w, tm);
		tm = next;
	}
}

static bool l0_busy(const struct vsw_wheel *w, uint64_t tick)
{
	unsigned idx = tick & (L0_SIZE - 1);

	return w->occ0[idx / 64] & (1ull << (idx % 64));
}

/**
 * vsw_wheel_run() - fire every timer due up to and including tick @now
 * @w: wheel
 * @now: current tick
 *
 * A callback may arm or cancel any timer of this wheel, itself included; a
 * timer it arms for a tick already run fires on the next tick, not in this
 * call.
 *
 * Return: timers fired
 */
unsigned vsw_wheel_run(struct vsw_wheel *w, uint64_t now)
{
	unsigned fired = 0;

	while (w->now <= now) {
		unsigned idx = w->now & (L0_SIZE - 1);
		struct vsw_timer *due;
		uint64_t tick, wrap;

		if (!w->count) {
			w->now = now + 1;
			break;
		}
		for (unsigned l = 1; !idx && l < VSW_TW_LEVELS; l++) {
			unsigned li =
			    (w->now >> level_shift(l)) & (LN_SIZE - 1);

			cascade(w, l, li);
			if (li)
				break;
		}
		/* Take the slot off the wheel first, so callbacks that arm
		 * timers for now land on the next tick. */
		due = w->l0[idx];
		w->l0[idx] = NULL;
		occ_clear(w, SLOT_ID(0, idx));
		if (due)
			due->pprev = &due;
		tick = w->now++;
		while (due) {
			struct vsw_timer *tm = due;

			unlink_timer(w, tm);
			if (tm->expires > tick) {
				/* Clamped from beyond the wheel's reach. */
				link_timer(w, tm);
				continue;
			}
			w->count--;
			fired++;
			tm->fn(tm);
		}
		/* Skip empty ticks up to the next cascade. */
		wrap = (w->now | (L0_SIZE - 1)) + 1;
		while ((w->now & (L0_SIZE - 1)) && w->now <= now &&
		       w->now < wrap && !l0_busy(w, w->now))
			w->now++;
	}
	return fired;
}

/**
 * vsw_wheel_next() - ticks until the wheel next needs to run
 * @w: wheel
 *
 * Counted from the wheel's clock (the tick after the last run).  For timers
 * on the upper levels this is when their slot cascades, which may come
 * before they are due: an early wake-up, never a late one.
 *
 * Return: ticks (0: run now), or -1 when no timer is armed
 */
int64_t vsw_wheel_next(const struct vsw_wheel *w)
{
	unsigned cur = w->now & (L0_SIZE - 1);
	int64_t best = -1;

	if (!w->count)
		return -1;
	for (unsigned d = 0; d < L0_SIZE; d++) {
		unsigned idx = (cur + d) & (L0_SIZE - 1);

		if (idx % 64 == 0 && !w->occ0[idx / 64] && d + 64 <= L0_SIZE) {
			d += 63;
			continue;
		}
		if (w->occ0[idx / 64] & (1ull << (idx % 64))) {
			best = d;
			break;
		}
	}
	for (unsigned l = 1; l < VSW_TW_LEVELS; l++) {
		unsigned sh = level_shift(l);
		uint64_t step = 1ull << sh;
		uint64_t base = (w->now + step - 1) & ~(step - 1);

		if (!w->occn[l - 1])
			continue;
		for (unsigned k = 0; k < LN_SIZE; k++) {
			uint64_t at = base + k * step;

			if (best >= 0 && (int64_t)(at - w->now) >= best)
				break;
			if (w->occn[l - 1] &
			    (1ull << ((at >> sh) & (LN_SIZE - 1)))) {
				best = (int64_t)(at - w->now);
				break;
			}
		}
	}
	return best;
}

/**
 * vsw_timer_init() - prepare a timer (idle)
 * @tm: timer
 * @fn: called on the owning thread when it expires
 */
void vsw_timer_init(struct vsw_timer *tm, void (*fn)(struct vsw_timer *tm))
{
	memset(tm, 0, sizeof(*tm));
	tm->fn = fn;
}

/**
 * vsw_timer_pending() - whether a timer is armed
 * @tm: timer
 *
 * Return: true if armed and not yet fired
 */
bool vsw_timer_pending(const struct vsw_timer *tm)
{
	return tm->pprev != NULL;
}
