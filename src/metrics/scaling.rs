//! What an autoscaled pool did over a run: its instances over time, each
//! decision's measured utilisation and the instance-time billed.

use crate::engine::SimTime;

/// Instances serving and provisioning from an instant on, and each
/// decision's measured utilisation: what `autoscale.png` draws.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScalingTrace {
    /// The service's name.
    pub component: String,
    /// What the autoscaler measures (`target` is in its unit).
    pub metric: crate::model::ScaleMetric,
    /// The target per instance: a utilisation for `utilization`, else
    /// requests/s, requests waiting or messages held.
    pub target: f64,
    /// `min` and `max`.
    pub bounds: (u32, u32),
    /// `(from, serving, provisioning)`, a row per change, the first at 0.
    pub steps: Vec<(SimTime, u32, u32)>,
    /// `(decision time, mean utilisation of the instances that could take
    /// work over the interval before it)`.
    pub utilization: Vec<(SimTime, f64)>,
    /// Instance-nanoseconds billed over the run (provisioning to removal).
    pub billed_ns: u128,
}
