//! (filled in by this work)
