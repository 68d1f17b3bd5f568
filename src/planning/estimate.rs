//! PLACEHOLDER until the estimate branch merges (replaced wholesale by it).
use crate::model::Model;
/// Estimate.
pub struct Estimate {
    /// End to end.
    pub end_to_end: Option<EndToEnd>,
}
/// End to end.
pub struct EndToEnd {
    /// p99 in seconds.
    pub p99_s: f64,
}
impl Estimate {
    /// Saturated.
    pub fn saturated(&self) -> bool {
        false
    }
}
/// Estimate.
pub fn estimate(_: &Model) -> Estimate {
    Estimate { end_to_end: None }
}
