//! Capacity planning: analytic estimates beside the simulation, and the
//! searches that use them.

pub mod estimate;
