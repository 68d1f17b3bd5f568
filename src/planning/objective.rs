//! The objective of `capsim sweep` and `capsim plan`: bounds on the upper
//! ends of a point's 95% intervals of p99 and error rate, from `--slo` or
//! the scenario's `slo`.

use crate::model::Model;
use crate::report::figures::Replicated;
use crate::report::format::fixed;
use crate::scenario;

/// The objective a point is judged against: the upper ends of its 95%
/// intervals of p99 and error rate (over the run after warm-up).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Objective {
    /// Most p99, in milliseconds.
    pub p99_ms: Option<f64>,
    /// Most error rate, a fraction.
    pub error_rate: Option<f64>,
}

impl Objective {
    /// Reads `p99=600ms,error_rate=1%`.
    pub fn parse(text: &str) -> Result<Objective, String> {
        let mut o = Objective {
            p99_ms: None,
            error_rate: None,
        };
        for part in text.split(',') {
            let (k, v) = part.split_once('=').ok_or_else(|| {
                format!("`{part}` is not `key=value`: write `--slo p99=600ms,error_rate=1%`")
            })?;
            match k.trim() {
                "p99" => {
                    let d = scenario::spec::parse_duration(v.trim())?;
                    o.p99_ms = Some(d.as_millis_f64());
                }
                "error_rate" => {
                    let v = v.trim();
                    let x = match v.strip_suffix('%') {
                        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
                        None => v.parse::<f64>(),
                    }
                    .map_err(|_| format!("`{v}` is not an error rate: write `1%` or `0.01`"))?;
                    if !(0.0..=1.0).contains(&x) {
                        return Err(format!("`{v}`: an error rate is between 0% and 100%"));
                    }
                    o.error_rate = Some(x);
                }
                other => {
                    return Err(format!(
                        "`{other}` is not a bound of the SLO: expected `p99` or `error_rate`"
                    ));
                }
            }
        }
        Ok(o)
    }

    /// The file's `slo`.
    pub fn of_model(m: &Model) -> Option<Objective> {
        let s = m.slo.as_ref()?;
        Some(Objective {
            p99_ms: s.p99.map(|d| d.as_millis_f64()),
            error_rate: s.error_rate,
        })
    }

    /// Whether figures meet it: their intervals' upper ends within bounds.
    pub fn met_by(&self, r: &Replicated) -> bool {
        let a = r.all();
        let p99 = self
            .p99_ms
            .is_none_or(|b| a.latency_ms[3].is_some_and(|f| f.upper() <= b));
        let err = self.error_rate.is_none_or(|b| a.error_rate.upper() <= b);
        p99 && err
    }

    /// The bounds in words, for the terminal: `p99 <= 600 ms, error rate <= 1%`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = self.p99_ms {
            parts.push(format!("p99 <= {} ms", fixed(p, 3)));
        }
        if let Some(e) = self.error_rate {
            parts.push(format!("error rate <= {}%", fixed(e * 100.0, 4)));
        }
        parts.join(", ")
    }
}
