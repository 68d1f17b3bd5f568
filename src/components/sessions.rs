//! Users and their sessions. Which user sent a request travels beside the
//! request (a side table keyed by the client's request slot), not inside
//! every [`super::Call`]: the table is filled only when a sticky balancer or
//! a service with sessions needs it, so other runs keep 44-byte calls.
//!
//! A service with `sessions: { store: local }` keeps a [`LocalSessions`]
//! table: which instance holds each user's session. A crash of an instance
//! loses the sessions it holds ([`LocalSessions::drop_instance`]); a user
//! whose request is served by another instance than the one holding their
//! session leaves that session behind (the user is logged out): it is lost
//! at that moment.

use crate::engine::Handle;

/// Session keys start here, above every data key (at most 10^12), so that a
/// store shared with data never takes a session for a data entry.
pub const SESSION_KEYS: u64 = 1 << 40;

/// A user with no session (or no instance yet), in the tables below.
const NONE: u32 = u32::MAX;

/// Who sent each request still working, by the client's request slot.
#[derive(Default, Debug)]
pub struct RequestUsers {
    /// Per request slot: the request that last used it and its user.
    slots: Vec<(Handle, u32)>,
}

impl RequestUsers {
    /// `request` was sent by `user`.
    #[inline]
    pub fn set(&mut self, request: Handle, user: u32) {
        let i = request.index();
        if i >= self.slots.len() {
            self.slots.resize(i + 1, (request, NONE));
        }
        self.slots[i] = (request, user);
    }

    /// The user who sent `request`; `None` when nobody recorded one, or the
    /// request has ended and its slot been reused (work a crash orphaned).
    #[inline]
    pub fn get(&self, request: Handle) -> Option<u32> {
        match self.slots.get(request.index()) {
            Some(&(h, u)) if h == request && u != NONE => Some(u),
            _ => None,
        }
    }
}

/// The sessions a pool keeps on its instances.
#[derive(Debug)]
pub struct LocalSessions {
    /// Per user: the instance holding their session (grown on demand).
    owner: Vec<u32>,
    /// Per instance: sessions it holds.
    held: Vec<u64>,
    /// Sessions lost since the warm-up ended (crashes and users served
    /// away from their session).
    lost: u64,
    measuring: bool,
    /// Lost in the window now open, warm-up or not (`timeseries.csv`).
    window_lost: u64,
}

impl LocalSessions {
    /// No sessions yet on a pool of `instances`.
    pub fn new(instances: usize) -> LocalSessions {
        LocalSessions {
            owner: Vec::new(),
            held: vec![0; instances],
            lost: 0,
            measuring: false,
            window_lost: 0,
        }
    }

    /// Instance `i` serves a request of `user`: it finds the user's session
    /// there or creates one. A session the user holds on another instance
    /// is left behind, lost now.
    #[inline]
    pub fn serve(&mut self, user: u32, i: usize) {
        let u = user as usize;
        if u >= self.owner.len() {
            self.owner.resize(u + 1, NONE);
        }
        let held_on = self.owner[u];
        if held_on == i as u32 {
            return;
        }
        if held_on != NONE {
            self.held[held_on as usize] -= 1;
            self.count_lost(1);
        }
        if i >= self.held.len() {
            // The pool grew (autoscaling).
            self.held.resize(i + 1, 0);
        }
        self.owner[u] = i as u32;
        self.held[i] += 1;
    }

    /// Instance `i` is gone (a crash, a scale-in): every session it holds
    /// is lost. Returns how many.
    pub fn drop_instance(&mut self, i: usize) -> u64 {
        let Some(n) = self.held.get_mut(i).map(std::mem::take) else {
            return 0;
        };
        if n > 0 {
            for o in self.owner.iter_mut().filter(|o| **o == i as u32) {
                *o = NONE;
            }
            self.count_lost(n);
        }
        n
    }

    fn count_lost(&mut self, n: u64) {
        self.window_lost += n;
        if self.measuring {
            self.lost += n;
        }
    }

    /// The warm-up is over: losses count from now on.
    pub fn start_measuring(&mut self) {
        self.measuring = true;
    }

    /// Sessions lost in the window now closing; starts the next.
    pub fn take_window_lost(&mut self) -> u64 {
        std::mem::take(&mut self.window_lost)
    }

    /// Sessions lost since the warm-up.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// Sessions instance `i` holds now.
    pub fn held(&self, i: usize) -> u64 {
        self.held[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Arena;

    #[test]
    fn a_crash_loses_exactly_the_sessions_its_instance_holds() {
        let mut s = LocalSessions::new(3);
        s.start_measuring();
        for user in 0..30 {
            s.serve(user, (user % 3) as usize);
        }
        // Served again where they are: nothing changes.
        for user in 0..30 {
            s.serve(user, (user % 3) as usize);
        }
        assert_eq!((s.held(0), s.held(1), s.held(2), s.lost()), (10, 10, 10, 0));
        assert_eq!(s.drop_instance(1), 10);
        assert_eq!(s.drop_instance(1), 0, "nothing left to lose");
        // The users of instance 1 start again elsewhere: not lost twice.
        s.serve(1, 0);
        assert_eq!((s.held(0), s.lost()), (11, 10));
        // A user served away from a live session leaves it behind.
        s.serve(2, 0);
        assert_eq!((s.held(0), s.held(2), s.lost()), (12, 9, 11));
    }

    #[test]
    fn a_reused_request_slot_has_no_user() {
        let mut a: Arena<()> = Arena::new();
        let mut users = RequestUsers::default();
        let r = a.insert(());
        users.set(r, 7);
        assert_eq!(users.get(r), Some(7));
        a.remove(r);
        let r2 = a.insert(());
        assert_eq!(r.index(), r2.index());
        assert_eq!(users.get(r2), None);
    }
}
