//! Requests and calls in flight live in arenas: slots reused through a free
//! list, so memory follows what is in flight, never what was simulated.

use std::num::NonZeroU32;

/// The index of a slot with the generation it had when it was handed out, so
/// that a late event (a client timeout after its request ended) can tell that
/// the slot now holds something else.
///
/// Generations count from 1 and skip 0 when they wrap (a `NonZeroU32`):
/// `Option<Handle>` (a call's parent) then takes 8 bytes, not 12, which
/// leaves room in a call for its flags; the index needs no arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Handle {
    index: u32,
    generation: NonZeroU32,
}

/// The first generation of a slot.
const FIRST: NonZeroU32 = NonZeroU32::MIN;

/// The generation after `g`, skipping 0.
#[inline]
fn next(g: NonZeroU32) -> NonZeroU32 {
    NonZeroU32::new(g.get().wrapping_add(1)).unwrap_or(FIRST)
}

impl Handle {
    /// The slot index (for diagnostics and dense side tables).
    #[inline]
    pub fn index(self) -> usize {
        self.index as usize
    }
}

struct Slot<T> {
    generation: NonZeroU32,
    value: Option<T>,
}

/// A generational arena.
pub struct Arena<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    live: usize,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Arena<T> {
    /// An empty arena.
    pub fn new() -> Self {
        Arena {
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
        }
    }

    /// Stores `value` and returns its handle.
    #[inline]
    pub fn insert(&mut self, value: T) -> Handle {
        self.live += 1;
        if let Some(index) = self.free.pop() {
            let slot = &mut self.slots[index as usize];
            slot.value = Some(value);
            Handle {
                index,
                generation: slot.generation,
            }
        } else {
            let index = u32::try_from(self.slots.len()).expect("more than 4 billion live entries");
            self.slots.push(Slot {
                generation: FIRST,
                value: Some(value),
            });
            Handle {
                index,
                generation: FIRST,
            }
        }
    }

    /// The value behind `h`, if it is still the one `h` was handed out for.
    #[inline]
    pub fn get(&self, h: Handle) -> Option<&T> {
        let slot = self.slots.get(h.index as usize)?;
        if slot.generation == h.generation {
            slot.value.as_ref()
        } else {
            None
        }
    }

    /// Mutable access to the value behind `h`, if still live.
    #[inline]
    pub fn get_mut(&mut self, h: Handle) -> Option<&mut T> {
        let slot = self.slots.get_mut(h.index as usize)?;
        if slot.generation == h.generation {
            slot.value.as_mut()
        } else {
            None
        }
    }

    /// Removes and returns the value behind `h`; its slot gets a new generation.
    #[inline]
    pub fn remove(&mut self, h: Handle) -> Option<T> {
        let slot = self.slots.get_mut(h.index as usize)?;
        if slot.generation != h.generation {
            return None;
        }
        let value = slot.value.take()?;
        slot.generation = next(slot.generation);
        self.free.push(h.index);
        self.live -= 1;
        Some(value)
    }

    /// Values stored now.
    #[inline]
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Every live value with its handle, in slot order (deterministic).
    pub fn iter(&self) -> impl Iterator<Item = (Handle, &T)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| {
            s.value.as_ref().map(|v| {
                (
                    Handle {
                        index: i as u32,
                        generation: s.generation,
                    },
                    v,
                )
            })
        })
    }

    /// Slots ever allocated: the high-water mark of what was in flight at once.
    pub fn capacity_used(&self) -> usize {
        self.slots.len()
    }
}

impl<T> std::ops::Index<Handle> for Arena<T> {
    type Output = T;
    /// Panics on a stale handle: inside the engine that is a logic error, never
    /// a consequence of user input.
    #[inline]
    fn index(&self, h: Handle) -> &T {
        self.get(h).expect("stale arena handle")
    }
}

impl<T> std::ops::IndexMut<Handle> for Arena<T> {
    #[inline]
    fn index_mut(&mut self, h: Handle) -> &mut T {
        self.get_mut(h).expect("stale arena handle")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reused_and_stale_handles_miss() {
        let mut a = Arena::new();
        let x = a.insert(1);
        let y = a.insert(2);
        assert_eq!(a.remove(x), Some(1));
        let z = a.insert(3);
        assert_eq!(z.index(), x.index());
        assert_eq!(a.get(x), None);
        assert_eq!(a.remove(x), None);
        assert_eq!(a[z], 3);
        assert_eq!(a[y], 2);
        assert_eq!(a.len(), 2);
        assert_eq!(a.capacity_used(), 2);
    }

    #[test]
    fn an_optional_handle_takes_no_more_room_than_a_handle() {
        assert_eq!(std::mem::size_of::<Option<Handle>>(), 8);
        assert_eq!(next(NonZeroU32::MAX), FIRST);
    }
}
