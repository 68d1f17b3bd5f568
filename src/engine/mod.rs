//! The simulation engine: the clock, the one event list, random streams and
//! the arenas that hold what is in flight. It knows no component.

pub mod arena;
pub mod event_list;
pub mod random;
pub mod sampling;
pub mod time;

pub use arena::{Arena, Handle};
pub use event_list::EventList;
pub use random::{Stream, derived_seed, name_hash};
pub use time::{NANOS_PER_SEC, SimDuration, SimTime, format_seconds};
