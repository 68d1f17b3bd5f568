//! The entries of one cache node: which keys it holds, which one it drops when
//! it is full, and when an entry has expired.
//!
//! Every lookup, store and removal is O(1): a hash map from key to a slot of a
//! slab of entries, and lists threaded through the slab by `u32` index.
//! - LRU and FIFO: one list, most recent (or newest) at the head, the victim
//!   at the tail.
//! - LFU: the O(1) scheme of Shah, Mitra and Matani (2010), a chain of buckets
//!   by increasing frequency, each with its own recency list; the victim is the
//!   tail of the lowest bucket.
//! - RANDOM: no list; the entries are kept dense so that a uniform victim is
//!   one draw: the newcomer takes its victim's place, and the last entry
//!   fills the hole a removal leaves.
//!
//! Memory grows with the entries stored, never with the key space nor with a
//! capacity not yet used, and freed slots are reused.
//!
//! Expiry is lazy (no timers, no scans): an expired entry holds its place
//! until a lookup or store finds it, or the policy evicts it as any other.

use rustc_hash::FxHashMap;

use crate::engine::Stream;

/// How a full cache node chooses the entry to drop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eviction {
    /// The least recently used entry (a hit or a re-store is a use).
    Lru,
    /// The least frequently used entry while cached, the least recently used
    /// among equals; an evicted key starts again at frequency 1.
    Lfu,
    /// The entry stored first; hits and re-stores do not change the order.
    Fifo,
    /// A uniformly random entry.
    Random,
}

/// No slot: the end of a list.
const NIL: u32 = u32::MAX;

/// Slots and buckets are `u32` indices below `NIL`, and LFU may need one
/// bucket more than entries, hence the margin of one.
const MAX_ENTRIES: usize = NIL as usize - 1;

/// One cached entry; `prev` and `next` thread it into its list (and `next`
/// chains free slots).
#[derive(Clone, Copy)]
struct Node {
    key: u64,
    stored_at: u64,
    prev: u32,
    next: u32,
}

/// A list of nodes threaded by index: most recent at the head, victim at the
/// tail.
#[derive(Clone, Copy)]
struct List {
    head: u32,
    tail: u32,
}

impl List {
    const EMPTY: List = List {
        head: NIL,
        tail: NIL,
    };

    #[inline]
    fn push_front(&mut self, nodes: &mut [Node], i: u32) {
        let old = self.head;
        let node = &mut nodes[i as usize];
        node.prev = NIL;
        node.next = old;
        if old == NIL {
            self.tail = i;
        } else {
            nodes[old as usize].prev = i;
        }
        self.head = i;
    }

    #[inline]
    fn unlink(&mut self, nodes: &mut [Node], i: u32) {
        let Node { prev, next, .. } = nodes[i as usize];
        if prev == NIL {
            self.head = next;
        } else {
            nodes[prev as usize].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            nodes[next as usize].prev = prev;
        }
    }
}

/// LFU: the entries used `freq` times, one link of the chain of buckets kept
/// in increasing frequency (`next` also chains free buckets).
#[derive(Clone, Copy)]
struct Bucket {
    freq: u64,
    prev: u32,
    next: u32,
    list: List,
}

/// The entries of one cache node.
pub struct Store {
    eviction: Eviction,
    capacity: Option<usize>,
    /// The entry count at which a new key evicts one: the capacity, bounded
    /// by what `u32` slots can address.
    limit: usize,
    ttl: Option<u64>,
    map: FxHashMap<u64, u32>,
    /// The slab; for RANDOM it is dense (no free slots).
    nodes: Vec<Node>,
    /// The first free slot of the slab, chained through `next`.
    free: u32,
    /// LRU and FIFO order.
    order: List,
    /// LFU: the bucket of each slot (beside `nodes`, so other policies do not
    /// pay for it).
    bucket_of: Vec<u32>,
    buckets: Vec<Bucket>,
    free_bucket: u32,
    /// LFU: the bucket of least frequency, the head of the chain.
    lowest: u32,
}

impl Store {
    /// An empty node holding at most `capacity` entries, evicting by
    /// `eviction`, each entry valid for `ttl` ns after it was stored.
    /// capacity None = unbounded (memory then grows with the keys stored,
    /// never beyond); capacity Some(0) stores nothing.
    pub fn new(capacity: Option<usize>, eviction: Eviction, ttl: Option<u64>) -> Store {
        Store {
            eviction,
            capacity,
            limit: capacity.unwrap_or(MAX_ENTRIES).min(MAX_ENTRIES),
            ttl,
            map: FxHashMap::default(),
            nodes: Vec::new(),
            free: NIL,
            order: List::EMPTY,
            bucket_of: Vec::new(),
            buckets: Vec::new(),
            free_bucket: NIL,
            lowest: NIL,
        }
    }

    /// A read of `key` at `now`: true on a hit (present and, with a TTL,
    /// stored less than ttl ago, i.e. now < stored_at + ttl).
    /// A hit counts as an access (LRU: becomes most recent; LFU:
    /// frequency + 1; FIFO/RANDOM: nothing).
    /// An expired entry found here is removed and the lookup is a miss.
    #[inline]
    pub fn lookup(&mut self, key: u64, now: u64) -> bool {
        let Some(&slot) = self.map.get(&key) else {
            return false;
        };
        if self.expired(slot, now) {
            self.map.remove(&key);
            self.release(slot);
            return false;
        }
        self.touch(slot);
        true
    }

    /// Stores `key` at `now` (stored_at = now). If absent and the node is
    /// full, first evicts one entry by the policy (RANDOM draws the victim
    /// with `rng.index(len)`). If present: stored_at = now, and it counts as
    /// an access (LRU most recent, LFU +1; FIFO keeps its place in line).
    /// An expired entry counts as absent: it is dropped and the key enters
    /// anew, without evicting another.
    /// Returns true when an entry was evicted.
    #[inline]
    pub fn store(&mut self, key: u64, now: u64, rng: &mut Stream) -> bool {
        self.put(key, now, rng).is_some()
    }

    /// Deletes `key` (a write invalidating it); true if it was there
    /// (expired or not: expiry is only known given a time).
    pub fn remove(&mut self, key: u64) -> bool {
        match self.map.remove(&key) {
            Some(slot) => {
                self.release(slot);
                true
            }
            None => false,
        }
    }

    /// Drops every entry (a flush or crash); keeps allocated memory.
    pub fn clear(&mut self) {
        self.map.clear();
        self.nodes.clear();
        self.bucket_of.clear();
        self.buckets.clear();
        self.free = NIL;
        self.free_bucket = NIL;
        self.order = List::EMPTY;
        self.lowest = NIL;
    }

    /// The number of entries held (expired ones included until found).
    #[inline]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when no entry is held.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The capacity given to [`Store::new`].
    #[inline]
    pub fn capacity(&self) -> Option<usize> {
        self.capacity
    }

    /// [`Store::store`], naming the evicted key (the tests check victims).
    fn put(&mut self, key: u64, now: u64, rng: &mut Stream) -> Option<u64> {
        if let Some(&slot) = self.map.get(&key) {
            if !self.expired(slot, now) {
                self.nodes[slot as usize].stored_at = now;
                self.touch(slot);
                return None;
            }
            self.map.remove(&key);
            self.release(slot);
        }
        if self.limit == 0 {
            return None;
        }
        let node = Node {
            key,
            stored_at: now,
            prev: NIL,
            next: NIL,
        };
        let (victim, slot) = if self.map.len() >= self.limit {
            // The newcomer takes the victim's slot (for RANDOM, its place in
            // the dense array): no free-list round trip, no swap.
            let (victim, slot) = self.evict(rng);
            self.nodes[slot as usize] = node;
            (Some(victim), slot)
        } else {
            (None, self.alloc(node))
        };
        self.map.insert(key, slot);
        match self.eviction {
            Eviction::Lru | Eviction::Fifo => self.order.push_front(&mut self.nodes, slot),
            Eviction::Lfu => self.lfu_enter(slot),
            Eviction::Random => {}
        }
        victim
    }

    #[inline]
    fn expired(&self, slot: u32, now: u64) -> bool {
        // Saturating: a TTL reaching past the end of time never expires.
        self.ttl
            .is_some_and(|ttl| now >= self.nodes[slot as usize].stored_at.saturating_add(ttl))
    }

    /// Records an access to a held entry.
    #[inline]
    fn touch(&mut self, slot: u32) {
        match self.eviction {
            Eviction::Lru => {
                if self.order.head != slot {
                    self.order.unlink(&mut self.nodes, slot);
                    self.order.push_front(&mut self.nodes, slot);
                }
            }
            Eviction::Lfu => self.lfu_bump(slot),
            Eviction::Fifo | Eviction::Random => {}
        }
    }

    /// Takes the policy's victim (the node is not empty) out of the map and
    /// its list; returns its key and its slot, left for the caller to fill.
    fn evict(&mut self, rng: &mut Stream) -> (u64, u32) {
        let slot = match self.eviction {
            Eviction::Lru | Eviction::Fifo => self.order.tail,
            Eviction::Lfu => self.buckets[self.lowest as usize].list.tail,
            Eviction::Random => rng.index(self.nodes.len()) as u32,
        };
        let key = self.nodes[slot as usize].key;
        self.map.remove(&key);
        self.unthread(slot);
        (key, slot)
    }

    /// A slot for a new entry: a freed one, or a new one at the end.
    fn alloc(&mut self, node: Node) -> u32 {
        if self.free != NIL {
            let slot = self.free;
            self.free = self.nodes[slot as usize].next;
            self.nodes[slot as usize] = node;
            return slot;
        }
        // No free slot: every slot is held, so nodes.len() < limit here.
        // Grow by doubling, but never past the capacity, so that a full node
        // of 10^7 entries holds no spare slots.
        let lfu = self.eviction == Eviction::Lfu;
        if self.nodes.len() == self.nodes.capacity() {
            let len = self.nodes.len();
            let extra = len
                .clamp(8, MAX_ENTRIES)
                .min(self.limit.saturating_sub(len))
                .max(1);
            self.nodes.reserve_exact(extra);
            if lfu {
                self.bucket_of.reserve_exact(extra);
            }
        }
        let slot = self.nodes.len() as u32;
        self.nodes.push(node);
        if lfu {
            self.bucket_of.push(NIL);
        }
        slot
    }

    /// Takes a slot, already out of the map, out of its list (RANDOM has
    /// none).
    fn unthread(&mut self, slot: u32) {
        match self.eviction {
            Eviction::Lru | Eviction::Fifo => self.order.unlink(&mut self.nodes, slot),
            Eviction::Lfu => {
                let b = self.bucket_of[slot as usize];
                self.buckets[b as usize].list.unlink(&mut self.nodes, slot);
                if self.buckets[b as usize].list.head == NIL {
                    self.drop_bucket(b);
                }
            }
            Eviction::Random => {}
        }
    }

    /// Unthreads a slot already taken out of the map, and frees it.
    fn release(&mut self, slot: u32) {
        self.unthread(slot);
        if self.eviction == Eviction::Random {
            // Keep the array dense: the last entry fills the hole.
            let i = slot as usize;
            self.nodes.swap_remove(i);
            if let Some(moved) = self.nodes.get(i)
                && let Some(s) = self.map.get_mut(&moved.key)
            {
                *s = slot;
            }
        } else {
            self.nodes[slot as usize].next = self.free;
            self.free = slot;
        }
    }

    /// LFU: a new entry joins the bucket of frequency 1, as its most recent.
    fn lfu_enter(&mut self, slot: u32) {
        let low = self.lowest;
        let b = if low != NIL && self.buckets[low as usize].freq == 1 {
            low
        } else {
            self.new_bucket(1, NIL, low)
        };
        self.buckets[b as usize]
            .list
            .push_front(&mut self.nodes, slot);
        self.bucket_of[slot as usize] = b;
    }

    /// LFU: an access moves the entry to the bucket of the next frequency,
    /// as its most recent.
    fn lfu_bump(&mut self, slot: u32) {
        let b = self.bucket_of[slot as usize];
        let Bucket {
            freq, next, list, ..
        } = self.buckets[b as usize];
        let Some(f) = freq.checked_add(1) else {
            // 2^64 hits: stay at the top, as the most recent there.
            let list = &mut self.buckets[b as usize].list;
            list.unlink(&mut self.nodes, slot);
            list.push_front(&mut self.nodes, slot);
            return;
        };
        let to = if next != NIL && self.buckets[next as usize].freq == f {
            next
        } else if list.head == slot && list.tail == slot {
            // Alone in its bucket: the bucket itself moves up.
            self.buckets[b as usize].freq = f;
            return;
        } else {
            self.new_bucket(f, b, next)
        };
        let from = &mut self.buckets[b as usize].list;
        from.unlink(&mut self.nodes, slot);
        let emptied = from.head == NIL;
        self.buckets[to as usize]
            .list
            .push_front(&mut self.nodes, slot);
        self.bucket_of[slot as usize] = to;
        if emptied {
            self.drop_bucket(b);
        }
    }

    /// LFU: a bucket of frequency `freq` linked between `prev` and `next`.
    fn new_bucket(&mut self, freq: u64, prev: u32, next: u32) -> u32 {
        let bucket = Bucket {
            freq,
            prev,
            next,
            list: List::EMPTY,
        };
        let b = if self.free_bucket != NIL {
            let b = self.free_bucket;
            self.free_bucket = self.buckets[b as usize].next;
            self.buckets[b as usize] = bucket;
            b
        } else {
            self.buckets.push(bucket);
            (self.buckets.len() - 1) as u32
        };
        if prev == NIL {
            self.lowest = b;
        } else {
            self.buckets[prev as usize].next = b;
        }
        if next != NIL {
            self.buckets[next as usize].prev = b;
        }
        b
    }

    /// LFU: unlinks an empty bucket from the chain and frees it.
    fn drop_bucket(&mut self, b: u32) {
        let Bucket { prev, next, .. } = self.buckets[b as usize];
        if prev == NIL {
            self.lowest = next;
        } else {
            self.buckets[prev as usize].next = next;
        }
        if next != NIL {
            self.buckets[next as usize].prev = prev;
        }
        self.buckets[b as usize].next = self.free_bucket;
        self.free_bucket = b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::Zipf;

    const ALL: [Eviction; 4] = [
        Eviction::Lru,
        Eviction::Lfu,
        Eviction::Fifo,
        Eviction::Random,
    ];

    fn rng() -> Stream {
        Stream::new(1, "cache", "eviction")
    }

    impl Store {
        /// Checks every link against the map (O(n): tests only).
        fn check(&self) {
            assert!(self.map.len() <= self.limit);
            let mut seen = 0;
            let mut walk = |list: List, f: &mut dyn FnMut(u32)| {
                let mut prev = NIL;
                let mut i = list.head;
                while i != NIL {
                    let node = self.nodes[i as usize];
                    assert_eq!(node.prev, prev);
                    assert_eq!(self.map[&node.key], i);
                    f(i);
                    seen += 1;
                    prev = i;
                    i = node.next;
                }
                assert_eq!(list.tail, prev);
            };
            match self.eviction {
                Eviction::Lru | Eviction::Fifo => walk(self.order, &mut |_| {}),
                Eviction::Lfu => {
                    let (mut b, mut prev, mut freq) = (self.lowest, NIL, 0);
                    while b != NIL {
                        let bucket = self.buckets[b as usize];
                        assert_eq!(bucket.prev, prev);
                        assert!(bucket.freq > freq, "frequencies increase along the chain");
                        assert_ne!(bucket.list.head, NIL, "no empty bucket");
                        walk(bucket.list, &mut |i| {
                            assert_eq!(self.bucket_of[i as usize], b)
                        });
                        (prev, freq, b) = (b, bucket.freq, bucket.next);
                    }
                }
                Eviction::Random => {
                    assert_eq!(self.nodes.len(), self.map.len());
                    for (i, node) in self.nodes.iter().enumerate() {
                        assert_eq!(self.map[&node.key], i as u32);
                    }
                    seen = self.nodes.len();
                }
            }
            assert_eq!(seen, self.map.len());
            if self.eviction != Eviction::Random {
                let mut free = 0;
                let mut i = self.free;
                while i != NIL {
                    free += 1;
                    i = self.nodes[i as usize].next;
                }
                assert_eq!(free + seen, self.nodes.len(), "every slot held or free");
            }
        }
    }

    // ---- Behaviour ----------------------------------------------------------

    #[test]
    fn lru_evicts_the_least_recently_used() {
        let mut r = rng();
        let mut s = Store::new(Some(3), Eviction::Lru, None);
        for k in 0..3 {
            assert_eq!(s.put(k, k, &mut r), None);
        }
        assert!(s.lookup(0, 3)); // recency 0, 2, 1
        assert_eq!(s.put(3, 4, &mut r), Some(1)); // 3, 0, 2
        assert!(s.lookup(2, 5)); // 2, 3, 0
        assert_eq!(s.put(4, 6, &mut r), Some(0)); // 4, 2, 3
        assert!(!s.store(3, 7, &mut r)); // a re-store is a use: 3, 4, 2
        assert_eq!(s.put(5, 8, &mut r), Some(2));
        assert!(!s.lookup(1, 9) && !s.lookup(0, 9) && !s.lookup(2, 9));
        assert_eq!(s.len(), 3);
        s.check();
    }

    #[test]
    fn fifo_evicts_the_first_stored_even_when_hit() {
        let mut r = rng();
        let mut s = Store::new(Some(3), Eviction::Fifo, None);
        for k in 0..3 {
            s.store(k, k, &mut r);
        }
        for t in 3..10 {
            assert!(s.lookup(0, t));
        }
        assert!(!s.store(0, 10, &mut r)); // keeps its place in line
        assert_eq!(s.put(3, 11, &mut r), Some(0));
        assert!(s.lookup(2, 12) && s.lookup(3, 12));
        assert_eq!(s.put(4, 13, &mut r), Some(1));
        assert_eq!(s.put(0, 14, &mut r), Some(2));
        s.check();
    }

    #[test]
    fn lfu_evicts_the_least_frequent_and_the_least_recent_among_equals() {
        let mut r = rng();
        let mut s = Store::new(Some(3), Eviction::Lfu, None);
        for k in 0..3 {
            s.store(k, k, &mut r); // all at 1
        }
        assert!(s.lookup(0, 3) && s.lookup(0, 4)); // 0: 3
        assert!(s.lookup(1, 5)); // 1: 2
        assert_eq!(s.put(3, 6, &mut r), Some(2)); // 3: 1
        assert!(s.lookup(3, 7)); // 3: 2, used after 1
        assert_eq!(s.put(4, 8, &mut r), Some(1)); // 4: 1
        assert_eq!(s.put(5, 9, &mut r), Some(4)); // 5: 1, the newcomer goes
        s.store(5, 10, &mut r); // a re-store is a use: 5: 2
        assert!(s.lookup(5, 11) && s.lookup(5, 12)); // 5: 4
        assert!(s.lookup(3, 13)); // 3: 3, 0: 3 used earlier
        assert_eq!(s.put(1, 14, &mut r), Some(0)); // 1 re-enters at 1
        // In-cache counts: the evicted 0 re-enters at 1 too, and 1 is older.
        assert_eq!(s.put(0, 15, &mut r), Some(1));
        assert_eq!(s.put(6, 16, &mut r), Some(0));
        assert!(s.lookup(5, 17) && s.lookup(3, 17) && s.lookup(6, 17));
        s.check();
    }

    #[test]
    fn random_evicts_only_present_entries_uniformly() {
        let mut r = rng();
        let mut s = Store::new(Some(7), Eviction::Random, None);
        let mut held: Vec<u64> = Vec::new();
        let mut newest_evicted = 0;
        let stores = 70_000;
        for k in 0..stores + 7 {
            let full = held.len() == 7;
            let victim = s.put(k, k, &mut r);
            assert_eq!(victim.is_some(), full);
            if let Some(v) = victim {
                let at = held.iter().position(|&h| h == v).expect("victim was held");
                held.remove(at);
                newest_evicted += (v == k - 1) as u32;
            }
            held.push(k);
            assert!(s.len() <= 7);
        }
        s.check();
        // The entry stored last is a victim 1 time in 7: Binomial(70000, 1/7)
        // has sd 92.6; 5 sd = 463. A victim chosen by position (first, last)
        // would give 0 or 70000.
        assert!(
            (newest_evicted as i64 - 10_000).abs() < 463,
            "{newest_evicted}"
        );
    }

    #[test]
    fn ttl_expires_exactly_at_stored_at_plus_ttl_and_hits_do_not_extend_it() {
        for policy in ALL {
            let mut r = rng();
            let mut s = Store::new(Some(4), policy, Some(100));
            s.store(1, 1_000, &mut r);
            assert!(s.lookup(1, 1_050));
            assert!(s.lookup(1, 1_099), "{policy:?}");
            assert!(!s.lookup(1, 1_100), "{policy:?}");
            assert_eq!(s.len(), 0, "the expired entry is removed");
            assert!(!s.lookup(1, 1_101));
            // A re-store refreshes stored_at.
            s.store(2, 0, &mut r);
            s.store(2, 60, &mut r);
            assert!(s.lookup(2, 159), "{policy:?}");
            assert!(!s.lookup(2, 160), "{policy:?}");
            // A store of an expired entry takes no one else's place.
            for k in 10..14 {
                s.store(k, 200, &mut r);
            }
            assert!(!s.store(10, 300, &mut r), "{policy:?}");
            assert_eq!(s.len(), 4);
            assert!(s.lookup(10, 399) && !s.lookup(11, 399), "{policy:?}");
            s.check();
        }
        // A TTL of 0 never hits; a TTL past the end of time never expires.
        let mut r = rng();
        let mut s = Store::new(Some(4), Eviction::Lru, Some(0));
        s.store(1, 5, &mut r);
        assert!(!s.lookup(1, 5));
        let mut s = Store::new(Some(4), Eviction::Lru, Some(u64::MAX));
        s.store(1, 5, &mut r);
        assert!(s.lookup(1, u64::MAX - 1));
    }

    #[test]
    fn remove_and_clear() {
        for policy in ALL {
            let mut r = rng();
            let mut s = Store::new(Some(5), policy, None);
            for k in 0..5 {
                s.store(k, k, &mut r);
            }
            assert!(s.remove(2));
            assert!(!s.remove(2));
            assert!(!s.remove(99));
            assert!(!s.lookup(2, 10));
            assert_eq!(s.len(), 4);
            s.check();
            assert!(!s.store(7, 11, &mut r), "a freed place needs no eviction");
            assert!(s.store(8, 12, &mut r), "{policy:?}");
            s.check();
            s.clear();
            assert!(s.is_empty());
            assert_eq!(s.len(), 0);
            assert!((0..10).all(|k| !s.lookup(k, 13)));
            s.check();
            for k in 20..25 {
                assert!(!s.store(k, 14, &mut r), "{policy:?}");
            }
            assert!(s.store(25, 15, &mut r));
            assert_eq!((s.len(), s.capacity()), (5, Some(5)));
            s.check();
        }
    }

    #[test]
    fn tiny_and_unbounded_capacities() {
        for policy in ALL {
            let mut r = rng();
            let mut s = Store::new(Some(1), policy, None);
            assert!(!s.store(1, 0, &mut r));
            assert!(s.lookup(1, 1));
            assert!(!s.store(1, 2, &mut r));
            assert_eq!(s.put(2, 3, &mut r), Some(1));
            assert!(!s.lookup(1, 4) && s.lookup(2, 4));
            assert!(s.remove(2) && s.is_empty());
            s.check();

            let mut s = Store::new(Some(0), policy, None);
            assert!(!s.store(1, 0, &mut r) && !s.lookup(1, 0) && s.is_empty());

            let mut s = Store::new(None, policy, None);
            for k in 0..10_000 {
                assert!(!s.store(k * 7919, k, &mut r));
            }
            assert!((0..10_000).all(|k| s.lookup(k * 7919, 10_000)));
            assert_eq!((s.len(), s.capacity()), (10_000, None));
            s.check();
        }
    }

    #[test]
    fn memory_grows_with_the_entries_not_the_capacity() {
        for policy in ALL {
            let mut r = rng();
            let mut s = Store::new(Some(10_000_000), policy, None);
            for k in 0..3 {
                s.store(k, k, &mut r);
            }
            assert!(s.nodes.capacity() <= 8, "{}", s.nodes.capacity());
            // Filled to capacity, the slab holds no spare slot, and churn
            // reuses freed slots.
            let mut s = Store::new(Some(1_000), policy, None);
            for k in 0..100_000 {
                s.store(k % 3_000, k, &mut r);
                if k % 7 == 0 {
                    s.remove(k % 2_000);
                }
            }
            assert_eq!(s.nodes.capacity(), 1_000, "{policy:?}");
            assert!(s.bucket_of.capacity() <= 1_000 && s.buckets.len() <= 1_001);
            s.check();
        }
    }

    /// The obvious O(n) cache, the standard the store is checked against.
    struct Naive {
        policy: Eviction,
        cap: usize,
        ttl: Option<u64>,
        /// (key, stored_at, last use, frequency, time of entry); removals
        /// swap with the last entry and a newcomer takes its victim's place,
        /// as in the RANDOM store, so that the same draws pick the same
        /// victims.
        entries: Vec<(u64, u64, u64, u64, u64)>,
        tick: u64,
    }

    impl Naive {
        fn find(&self, key: u64) -> Option<usize> {
            self.entries.iter().position(|e| e.0 == key)
        }

        fn expired(&self, i: usize, now: u64) -> bool {
            self.ttl
                .is_some_and(|t| now >= self.entries[i].1.saturating_add(t))
        }

        fn used(&mut self, i: usize) {
            self.tick += 1;
            let e = &mut self.entries[i];
            match self.policy {
                Eviction::Lru => e.2 = self.tick,
                Eviction::Lfu => (e.2, e.3) = (self.tick, e.3 + 1),
                Eviction::Fifo | Eviction::Random => {}
            }
        }

        fn lookup(&mut self, key: u64, now: u64) -> bool {
            match self.find(key) {
                Some(i) if self.expired(i, now) => {
                    self.entries.swap_remove(i);
                    false
                }
                Some(i) => {
                    self.used(i);
                    true
                }
                None => false,
            }
        }

        fn put(&mut self, key: u64, now: u64, rng: &mut Stream) -> Option<u64> {
            if let Some(i) = self.find(key) {
                if !self.expired(i, now) {
                    self.entries[i].1 = now;
                    self.used(i);
                    return None;
                }
                self.entries.swap_remove(i);
            }
            self.tick += 1;
            let entry = (key, now, self.tick, 1, self.tick);
            if self.entries.len() >= self.cap {
                let e = &self.entries;
                let i = match self.policy {
                    Eviction::Lru => (0..e.len()).min_by_key(|&i| e[i].2),
                    Eviction::Lfu => (0..e.len()).min_by_key(|&i| (e[i].3, e[i].2)),
                    Eviction::Fifo => (0..e.len()).min_by_key(|&i| e[i].4),
                    Eviction::Random => Some(rng.index(e.len())),
                }
                .unwrap();
                return Some(std::mem::replace(&mut self.entries[i], entry).0);
            }
            self.entries.push(entry);
            None
        }
    }

    #[test]
    fn every_policy_matches_the_naive_cache_on_random_operations() {
        for policy in ALL {
            for cap in [1, 2, 7, 64] {
                for ttl in [None, Some(3 * cap as u64)] {
                    let seed = cap as u64 * 10 + ttl.is_some() as u64;
                    let mut ops = Stream::new(seed, "model", "ops");
                    let (mut r1, mut r2) = (
                        Stream::new(seed, "model", "evict"),
                        Stream::new(seed, "model", "evict"),
                    );
                    let mut s = Store::new(Some(cap), policy, ttl);
                    let mut naive = Naive {
                        policy,
                        cap,
                        ttl,
                        entries: Vec::new(),
                        tick: 0,
                    };
                    let keys = 2 * cap + 3;
                    let (mut now, mut hits, mut evictions) = (0, 0, 0);
                    for step in 0..100_000 {
                        now += ops.index(3) as u64;
                        let key = ops.index(keys) as u64;
                        let op = ops.index(1_000);
                        let what = format!("{policy:?} cap {cap} ttl {ttl:?} step {step}");
                        if op < 450 {
                            let hit = s.lookup(key, now);
                            assert_eq!(hit, naive.lookup(key, now), "lookup {what}");
                            hits += hit as u32;
                        } else if op < 950 {
                            let victim = s.put(key, now, &mut r1);
                            assert_eq!(victim, naive.put(key, now, &mut r2), "store {what}");
                            evictions += victim.is_some() as u32;
                        } else if op < 999 {
                            let was = naive.find(key).map(|i| naive.entries.swap_remove(i));
                            assert_eq!(s.remove(key), was.is_some(), "remove {what}");
                        } else {
                            s.clear();
                            naive.entries.clear();
                        }
                        assert_eq!(s.len(), naive.entries.len(), "{what}");
                        assert!(s.len() <= cap);
                        if step % 97 == 0 {
                            s.check();
                        }
                    }
                    // The run exercised both sides of every decision.
                    assert!(hits > 5_000 && evictions > 5_000, "{hits} {evictions}");
                }
            }
        }
    }

    // ---- Theory under the independent reference model -----------------------
    //
    // Keys are i.i.d. Zipf(N, s), rank 1 = key 0, p_i ∝ (i+1)^-s; a request is
    // `if !lookup { store }` at time = request index. The error of an estimate
    // is its standard error by batch means: 20 batches of 10^5 requests, each
    // 20 to 900 times the cache's characteristic time (Che's t_C = 111, 1736
    // and 5027 requests for the three cases), so batches are nearly
    // independent. With 2·10^6 requests the SE is 0.0003 to 0.0005, so 4 SE
    // is 0.0012 to 0.0021 (4 SE: a false alarm about once in 16,000 seeds).

    /// Approximation error allowed beside 4 SE, for Che (LRU) and for the
    /// FIFO/RANDOM approximation. Observed with 10^8 requests per case (20
    /// batches of 5·10^6, SE ≤ 0.0001), for the three cases in order:
    /// LRU 0.1567, 0.5062, 0.8615 vs Che 0.1566, 0.5062, 0.8614; FIFO 0.1338,
    /// 0.4648, 0.8318 and RANDOM 0.1339, 0.4648, 0.8318 vs 0.1336, 0.4648,
    /// 0.8318: off by 0.0003 at most (the small cache), so 0.001 covers it
    /// and still rejects a wrong policy (LRU vs FIFO differ by 0.02 to 0.04).
    const APPROX_ERR: f64 = 0.001;
    const BATCHES: usize = 20;
    const BATCH: usize = 100_000;
    /// (C, N, s).
    const CASES: [(usize, usize, f64); 3] = [
        (100, 10_000, 0.8),
        (1_000, 100_000, 1.0),
        (1_000, 10_000, 1.2),
    ];

    fn zipf_p(n: usize, s: f64) -> Vec<f64> {
        let w: Vec<f64> = (1..=n).map(|i| (i as f64).powf(-s)).collect();
        let sum: f64 = w.iter().sum();
        w.into_iter().map(|x| x / sum).collect()
    }

    /// The t with f(t) = target, for f increasing from f(0) = 0.
    fn solve(f: impl Fn(f64) -> f64, target: f64) -> f64 {
        let (mut lo, mut hi) = (0.0, 1.0);
        while f(hi) < target {
            hi *= 2.0;
        }
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if f(mid) < target { lo = mid } else { hi = mid }
        }
        0.5 * (lo + hi)
    }

    /// Che's approximation of LRU's hit ratio.
    fn che_lru(p: &[f64], c: usize) -> f64 {
        let t = solve(|t| p.iter().map(|&q| 1.0 - (-q * t).exp()).sum(), c as f64);
        p.iter().map(|&q| q * (1.0 - (-q * t).exp())).sum()
    }

    /// The shared approximation of FIFO's and RANDOM's hit ratio (Gelenbe
    /// 1973; Fricker, Robert and Roberts 2012).
    fn fifo_random_approx(p: &[f64], c: usize) -> f64 {
        let t = solve(|t| p.iter().map(|&q| q * t / (1.0 + q * t)).sum(), c as f64);
        p.iter().map(|&q| q * q * t / (1.0 + q * t)).sum()
    }

    /// Mean and standard error of batch means.
    fn estimate(batches: &[f64]) -> (f64, f64) {
        let k = batches.len() as f64;
        let mean = batches.iter().sum::<f64>() / k;
        let var = batches.iter().map(|b| (b - mean).powi(2)).sum::<f64>() / (k - 1.0);
        (mean, (var / k).sqrt())
    }

    /// The hit ratio of `policy` under IRM, after a warm-up of 10 C requests.
    fn irm(policy: Eviction, (c, n, s): (usize, usize, f64), seed: u64) -> (f64, f64) {
        let zipf = Zipf::new(n as f64, s).unwrap();
        let mut keys = Stream::new(seed, "irm", "keys");
        let mut r = Stream::new(seed, "irm", "evict");
        let mut store = Store::new(Some(c), policy, None);
        let mut now = 0;
        let mut request = || {
            let key = keys.sample(&zipf) as u64 - 1;
            now += 1;
            let hit = store.lookup(key, now);
            if !hit {
                store.store(key, now, &mut r);
            }
            hit
        };
        for _ in 0..10 * c {
            request();
        }
        let batches: Vec<f64> = (0..BATCHES)
            .map(|_| (0..BATCH).filter(|_| request()).count() as f64 / BATCH as f64)
            .collect();
        estimate(&batches)
    }

    #[test]
    fn lru_matches_che() {
        // Observed: 0.1565 ± 0.0004 vs 0.1566; 0.5059 ± 0.0005 vs 0.5062;
        // 0.8613 ± 0.0003 vs 0.8614.
        for case in CASES {
            let p = zipf_p(case.1, case.2);
            let expected = che_lru(&p, case.0);
            let (m, se) = irm(Eviction::Lru, case, 11);
            let tol = (4.0 * se).max(APPROX_ERR);
            eprintln!("LRU {case:?}: measured {m:.4} ± {se:.4}, Che {expected:.4}, tol {tol:.4}");
            assert!((m - expected).abs() < tol);
            // The test tells LRU from FIFO: their figures differ by more.
            assert!((expected - fifo_random_approx(&p, case.0)).abs() > 2.0 * tol);
        }
    }

    #[test]
    fn fifo_and_random_match_their_approximation() {
        // Observed, FIFO and RANDOM vs the approximation: 0.1337, 0.1337 vs
        // 0.1336; 0.4647, 0.4651 vs 0.4648; 0.8320, 0.8319 vs 0.8318 (SE
        // 0.0003 to 0.0005).
        for case in CASES {
            let p = zipf_p(case.1, case.2);
            let expected = fifo_random_approx(&p, case.0);
            let (f, f_se) = irm(Eviction::Fifo, case, 12);
            let (r, r_se) = irm(Eviction::Random, case, 13);
            let f_tol = (4.0 * f_se).max(APPROX_ERR);
            let r_tol = (4.0 * r_se).max(APPROX_ERR);
            // FIFO and RANDOM have the same hit ratio exactly under IRM
            // (Gelenbe 1973): their difference is noise only.
            let d_tol = 4.0 * f_se.hypot(r_se);
            eprintln!(
                "FIFO {case:?}: measured {f:.4} ± {f_se:.4}, approx {expected:.4}, tol {f_tol:.4}\n\
                 RANDOM {case:?}: measured {r:.4} ± {r_se:.4}, approx {expected:.4}, tol {r_tol:.4}; \
                 FIFO - RANDOM {:.4}, tol {d_tol:.4}",
                f - r
            );
            assert!((f - expected).abs() < f_tol);
            assert!((r - expected).abs() < r_tol);
            assert!((f - r).abs() < d_tol);
        }
    }

    #[test]
    fn lfu_beats_lru_within_the_top_c_mass() {
        // Observed LFU / LRU / top-C mass: 0.2674 / 0.1568 / 0.3000;
        // 0.5936 / 0.5057 / 0.6191; 0.8919 / 0.8616 / 0.9034 (SE ≤ 0.0005).
        // In-cache LFU stays below the top-C mass: a popular key evicted early
        // re-enters at 1 and goes again before it can catch up with the
        // counts of the keys that stayed.
        for case in CASES {
            let p = zipf_p(case.1, case.2);
            let top: f64 = p[..case.0].iter().sum();
            let (lfu, lfu_se) = irm(Eviction::Lfu, case, 14);
            let (lru, lru_se) = irm(Eviction::Lru, case, 14);
            eprintln!(
                "LFU {case:?}: measured {lfu:.4} ± {lfu_se:.4}, LRU {lru:.4} ± {lru_se:.4}, \
                 top-C mass {top:.4}"
            );
            assert!(lfu - lru > 4.0 * lfu_se.hypot(lru_se));
            assert!(lfu < top + 4.0 * lfu_se);
        }
    }

    #[test]
    fn ttl_only_matches_the_renewal_formula() {
        // Poisson requests of total rate Λ = 1 per ms, key i at λ_i = Λ p_i;
        // every miss stores, then the key hits for T: per key, λT hits per
        // λT + 1 requests, exactly (no approximation), so the tolerance is
        // 4 SE alone. Gaps of 10^6 ns make the rounding to whole ns
        // negligible. Observed: all keys 0.3331 ± 0.0003 vs 0.3327; keys 0 to
        // 4: 0.9737, 0.9550, 0.9392, 0.9243, 0.9113 vs 0.9736, 0.9549, 0.9387,
        // 0.9241, 0.9105 (SE 0.0001 to 0.0005).
        let (n, s) = (10_000, 0.8);
        let p = zipf_p(n, s);
        let mean_gap = 1e6; // ns
        let ttl = 1_000_000_000; // 1 s: λ_i T = 1000 p_i
        let lt = |q: f64| q * ttl as f64 / mean_gap;
        let expected: f64 = p.iter().map(|&q| q * lt(q) / (1.0 + lt(q))).sum();
        const TOP: usize = 5;

        let zipf = Zipf::new(n as f64, s).unwrap();
        let mut keys = Stream::new(15, "ttl", "keys");
        let mut gaps = Stream::new(15, "ttl", "gaps");
        let mut r = Stream::new(15, "ttl", "evict");
        let mut store = Store::new(None, Eviction::Lru, Some(ttl));
        let mut now = 0u64;
        let mut request = |per_key: &mut [(u32, u32); TOP]| {
            now += (gaps.exp1() * mean_gap).round() as u64;
            let key = keys.sample(&zipf) as u64 - 1;
            let hit = store.lookup(key, now);
            if !hit {
                store.store(key, now, &mut r);
            }
            if let Some(k) = per_key.get_mut(key as usize) {
                *k = (k.0 + hit as u32, k.1 + 1);
            }
            hit
        };
        for _ in 0..10_000 {
            request(&mut [(0, 0); TOP]); // 10 T
        }
        let mut all = Vec::new();
        let mut each = vec![Vec::new(); TOP];
        for _ in 0..BATCHES {
            let mut per_key = [(0, 0); TOP];
            let hits = (0..BATCH).filter(|_| request(&mut per_key)).count();
            all.push(hits as f64 / BATCH as f64);
            for (e, (h, n)) in each.iter_mut().zip(per_key) {
                e.push(h as f64 / n as f64);
            }
        }
        let (m, se) = estimate(&all);
        eprintln!("TTL all keys: measured {m:.4} ± {se:.4}, expected {expected:.4}");
        assert!((m - expected).abs() < 4.0 * se);
        for (i, e) in each.iter().enumerate() {
            let (m, se) = estimate(e);
            let expected = lt(p[i]) / (1.0 + lt(p[i]));
            eprintln!("TTL key {i}: measured {m:.4} ± {se:.4}, expected {expected:.4}");
            assert!((m - expected).abs() < 4.0 * se);
        }
    }
}
