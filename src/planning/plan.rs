//! `capsim plan`: the cheapest point of a grid that meets the SLO. Figures
//! are monotone in a count (more instances never make p99 worse), so the
//! last integer-range axis is bisected for each combination of the other
//! axes, starting from an analytic guess and galloping out from it; the
//! other axes are enumerated.

use super::estimate::{Estimate, estimate};
use super::objective::Objective;
use super::sweep::{Axis, points};
use crate::model::Model;

/// What evaluating a point said.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict {
    /// Whether the upper ends of its intervals meet the SLO.
    pub meets: bool,
    /// Its cost per hour, when it has sizes.
    pub cost: Option<f64>,
}

/// What a search tried and chose.
#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    /// Points evaluated, in the order they were.
    pub tried: Vec<(Vec<usize>, Verdict)>,
    /// The cheapest point that meets the SLO, if any does.
    pub chosen: Option<Vec<usize>>,
}

/// Whether point `a` is smaller than `b`, axis by axis: numbers by value,
/// other values by their order in the list.
fn smaller(axes: &[Axis], a: &[usize], b: &[usize]) -> bool {
    for (axis, (&i, &j)) in axes.iter().zip(a.iter().zip(b)) {
        if i == j {
            continue;
        }
        let (x, y) = (&axis.values[i], &axis.values[j]);
        return match (x.parse::<f64>(), y.parse::<f64>()) {
            (Ok(x), Ok(y)) if x != y => x < y,
            _ => i < j,
        };
    }
    false
}

/// Searches `axes` for the cheapest point that meets the SLO (ties go to
/// smaller values). `evaluate` is called at most once per point; `start`
/// gives, for a point whose bisected coordinate is to be found, the index
/// the analytic estimate suggests (`None`: the middle of the range).
pub fn search(
    axes: &[Axis],
    start: &mut dyn FnMut(&[usize]) -> Option<usize>,
    evaluate: &mut dyn FnMut(&[usize]) -> Verdict,
) -> Search {
    let mut tried: Vec<(Vec<usize>, Verdict)> = Vec::new();
    let mut eval = |p: &[usize], tried: &mut Vec<(Vec<usize>, Verdict)>| -> Verdict {
        if let Some((_, v)) = tried.iter().find(|(q, _)| q == p) {
            return *v;
        }
        let v = evaluate(p);
        tried.push((p.to_vec(), v));
        v
    };
    match axes.iter().rposition(|a| a.range) {
        None => {
            for p in points(axes) {
                eval(&p, &mut tried);
            }
        }
        Some(b) => {
            let others: Vec<Axis> = axes
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    if i == b {
                        Axis {
                            key: a.key.clone(),
                            values: vec![a.values[0].clone()],
                            range: false,
                        }
                    } else {
                        a.clone()
                    }
                })
                .collect();
            let len = axes[b].values.len();
            for combo in points(&others) {
                let at = |i: usize| {
                    let mut p = combo.clone();
                    p[b] = i;
                    p
                };
                let guess = start(&combo).unwrap_or(len / 2).min(len - 1);
                // Bracket: `fail` fails (or is below the range), `pass` meets.
                let (mut fail, mut pass): (Option<usize>, Option<usize>);
                if eval(&at(guess), &mut tried).meets {
                    pass = Some(guess);
                    fail = None;
                    let mut step = 1;
                    loop {
                        let Some(i) = pass.and_then(|p| p.checked_sub(step)) else {
                            // Below the range's start.
                            if pass != Some(0) && !eval(&at(0), &mut tried).meets {
                                fail = Some(0);
                            } else {
                                pass = Some(0);
                            }
                            break;
                        };
                        if eval(&at(i), &mut tried).meets {
                            pass = Some(i);
                            step *= 2;
                        } else {
                            fail = Some(i);
                            break;
                        }
                    }
                } else {
                    fail = Some(guess);
                    pass = None;
                    let mut step = 1;
                    loop {
                        let f = fail.expect("set");
                        if f == len - 1 {
                            break;
                        }
                        let i = (f + step).min(len - 1);
                        if eval(&at(i), &mut tried).meets {
                            pass = Some(i);
                            break;
                        }
                        fail = Some(i);
                        step *= 2;
                    }
                }
                // Bisect between the last failure and the first pass.
                if let (Some(mut f), Some(mut p)) = (fail, pass) {
                    while p > f + 1 {
                        let mid = f + (p - f) / 2;
                        if eval(&at(mid), &mut tried).meets {
                            p = mid;
                        } else {
                            f = mid;
                        }
                    }
                }
            }
        }
    }
    let mut chosen: Option<(Vec<usize>, Verdict)> = None;
    for (p, v) in &tried {
        if !v.meets {
            continue;
        }
        let better = match &chosen {
            None => true,
            Some((q, w)) => match (v.cost, w.cost) {
                (Some(a), Some(b)) if a != b => a < b,
                _ => smaller(axes, p, q),
            },
        };
        if better {
            chosen = Some((p.clone(), *v));
        }
    }
    Search {
        tried,
        chosen: chosen.map(|c| c.0),
    }
}

/// Where the analytic estimate starts a bisection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Guess {
    /// The value's index on the bisected axis.
    pub index: usize,
    /// Whether the estimate meets the p99 bound there (else it is only the
    /// fewest that keeps up).
    pub meets_p99: bool,
}

/// Whether an estimate keeps up with its load (below saturation, within the
/// objective's error rate, 1% without one) and whether it also meets the
/// objective's p99.
fn judge(e: &Estimate, objective: &Objective) -> (bool, bool) {
    // A bounded queue is never "saturated": it rejects instead.
    let rejected: f64 = e.components.iter().filter_map(|c| c.rejected_share).sum();
    let keeps_up = !e.saturated()
        && e.components
            .iter()
            .all(|c| c.utilization.is_none_or(|u| u < 1.0))
        && rejected <= objective.error_rate.unwrap_or(0.01);
    let meets = keeps_up
        && e.end_to_end
            .as_ref()
            .is_some_and(|x| objective.p99_ms.is_none_or(|p| x.p99_s * 1e3 <= p));
    (keeps_up, meets)
}

/// The analytic start of a bisection over `along` (the models of each value
/// of the bisected axis, the other axes fixed): the fewest whose estimate
/// meets the p99 bound; else the fewest below saturation (the estimate's
/// even split can be pessimistic about the tail); `None` when every one is
/// saturated.
pub fn analytic_guess<'m>(
    along: impl IntoIterator<Item = &'m Model>,
    objective: &Objective,
) -> Option<Guess> {
    let verdicts: Vec<(bool, bool)> = along
        .into_iter()
        .map(|m| judge(&estimate(m), objective))
        .collect();
    match verdicts.iter().position(|v| v.1) {
        Some(index) => Some(Guess {
            index,
            meets_p99: true,
        }),
        None => verdicts.iter().position(|v| v.0).map(|index| Guess {
            index,
            meets_p99: false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool of n instances of a size with `speed` meets the SLO from
    /// `need / speed` instances; cost is n x price.
    fn world(n: u32, speed: f64, price: f64, need: f64) -> Verdict {
        Verdict {
            meets: n as f64 * speed >= need,
            cost: Some(n as f64 * price),
        }
    }

    #[test]
    fn bisection_finds_the_threshold_from_any_guess_in_few_steps() {
        let axes = [Axis::parse("n=1..40").unwrap()];
        for guess in [None, Some(0), Some(5), Some(16), Some(39)] {
            for need in [1.0, 7.0, 17.0, 40.0] {
                let mut calls = 0;
                let s = search(&axes, &mut |_| guess, &mut |p| {
                    calls += 1;
                    world(p[0] as u32 + 1, 1.0, 1.0, need)
                });
                assert_eq!(
                    s.chosen,
                    Some(vec![need as usize - 1]),
                    "guess {guess:?} need {need}"
                );
                assert!(calls <= 12, "{calls} evaluations");
            }
        }
        // A right guess costs two evaluations.
        let mut calls = 0;
        search(&axes, &mut |_| Some(16), &mut |p| {
            calls += 1;
            world(p[0] as u32 + 1, 1.0, 1.0, 17.0)
        });
        assert_eq!(calls, 2);
        // Nothing meets.
        let s = search(&axes, &mut |_| None, &mut |p| {
            world(p[0] as u32 + 1, 1.0, 1.0, 99.0)
        });
        assert_eq!(s.chosen, None);
    }

    #[test]
    fn the_cheapest_combination_wins_and_ties_go_to_smaller_values() {
        let axes = [
            Axis::parse("size=large,xlarge").unwrap(),
            Axis::parse("n=1..20").unwrap(),
        ];
        // xlarge is 4x as fast for 3x the price: 3 of them (9) beat 10 large.
        let s = search(&axes, &mut |_| None, &mut |p| {
            let (speed, price) = if p[0] == 0 { (1.0, 1.0) } else { (4.0, 3.0) };
            world(p[1] as u32 + 1, speed, price, 10.0)
        });
        assert_eq!(s.chosen, Some(vec![1, 2]));
        // Equal cost: the smaller size.
        let s = search(&axes, &mut |_| None, &mut |p| {
            let (speed, price) = if p[0] == 0 { (1.0, 1.0) } else { (2.0, 2.0) };
            world(p[1] as u32 + 1, speed, price, 10.0)
        });
        assert_eq!(s.chosen, Some(vec![0, 9]));
    }

    #[test]
    fn without_a_range_every_point_is_tried() {
        let axes = [Axis::parse("policy=random,round_robin,least_connections").unwrap()];
        let s = search(&axes, &mut |_| None, &mut |p| Verdict {
            meets: p[0] > 0,
            cost: None,
        });
        assert_eq!(s.tried.len(), 3);
        assert_eq!(s.chosen, Some(vec![1]));
    }
}
