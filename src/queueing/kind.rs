//! What every component kind is to the analytic estimate: how it passes
//! requests on, which stations it is, and what its figures leave out. Each
//! kind implements [`KindEstimate`] in `components/<kind>/estimate.rs`;
//! the network and `planning::estimate` ask the kind instead of matching
//! on kinds.

use super::eval::{ComponentEstimate, Eval, EvalCtx};
use super::mva::MvaNet;
use super::net::{Line, Net};
use crate::components::KindModel;
use crate::model::{DcId, Dist, Model};

/// What the estimate leaves out of a scenario, gathered kind by kind; the
/// estimate says so in one note.
#[derive(Debug, Default)]
pub struct Ignored {
    /// Some downstream call has a timeout, retries or a breaker.
    pub guards: bool,
    /// Something enforces a rate limit.
    pub rate_limits: bool,
    /// Some service keeps sessions.
    pub sessions: bool,
    /// Components that spread load by a policy the estimate takes as an
    /// even random split (`` `lb` (round_robin) ``).
    pub uneven_splits: Vec<String>,
}

/// A kind's part in the estimate, on top of its compiled form.
pub trait KindEstimate: KindModel {
    /// The components its requests go on to, in the order they do: the
    /// routing visits them depth first in this order, which fixes the order
    /// of every row's notes.
    fn callees(&self) -> Vec<usize> {
        self.downstream().into_iter().map(|c| c as usize).collect()
    }

    /// The line it is, when its consumers pull from it.
    fn line(&self) -> Option<Line> {
        None
    }

    /// Passes what reaches component `x` on to its callees, keeping in
    /// `net` what its evaluation needs.
    fn route(&self, x: usize, net: &mut Net);

    /// Evaluates its stations at the rates in `at`, its callees already
    /// evaluated: fills in `out`'s row (name, kind and offered rate are
    /// set) and each class's response time, and notes its approximations.
    fn evaluate(&self, at: &EvalCtx, out: &mut Eval, notes: &mut Vec<String>);

    /// Adds its stations (and delays) for mean-value analysis, component
    /// `x` taking `rate` requests per request of the network.
    fn mva(&self, _x: usize, _net: &Net, _rate: f64, _into: &mut MvaNet) {}

    /// The times its stations hold a worker for (checked for an infinite
    /// variance, which leaves its wait without an estimate).
    fn holding_times(&self) -> Vec<&Dist> {
        Vec::new()
    }

    /// Adds to `left` what the estimate ignores of it, `name` its name.
    fn ignored(&self, _name: &str, _left: &mut Ignored) {}

    /// Whether its row's capacity is that of one instance of several (the
    /// saturation warning then says so).
    fn capacity_per_instance(&self) -> bool {
        false
    }

    /// Closed arrivals: a warning when its figures at throughput `x` are
    /// optimistic because MVA leaves out what it does (simultaneous
    /// possession), `row` its estimate.
    fn possession(&self, _row: &ComponentEstimate, _x: f64) -> Option<String> {
        None
    }

    /// With data centers: where component `y` (of this kind) serves class
    /// `c`'s calls from a caller in data center `from`, as shares of its
    /// calls per data center (they sum to 1). By default where it stands.
    fn places(&self, y: usize, net: &Net, _c: usize, _from: DcId) -> Vec<(DcId, f64)> {
        vec![(super::geo::placement(net.model, y), 1.0)]
    }

    /// With data centers, for a kind that picks each request's entry point
    /// (a DNS): the components origin `o`'s requests enter at, with their
    /// shares; `None`: the requests are served here.
    fn entry_split(&self, _model: &Model, _o: usize) -> Option<Vec<(usize, f64)>> {
        None
    }

    /// The note to add when the key space is bucketed past its exact head
    /// and it spreads the bucketed keys evenly (once for the scenario).
    fn bucket_note(&self) -> Option<String> {
        None
    }
}

// Beside the trait rather than beside `ComponentKind::model()` (which the
// estimate does not own): the one place that turns a compiled component
// into its estimate.
