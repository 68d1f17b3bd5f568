//! The manifest of a share (`shard.txt`): what `capsim merge` needs besides
//! the shares' samples to rebuild exactly what one machine writes. A line
//! per item, `key value` to the end of the line, so that it diffs and
//! reads back as written.

use std::fmt::Write as _;

use super::objective::Objective;
use super::replications::Share;
use super::sweep::Axis;
use crate::engine::name_hash;
use crate::model::{Model, Replications};
use crate::report::table;

/// The file a share writes beside its variants' folders (a run's) or its
/// samples (a sweep's).
pub const SHARD_FILE: &str = "shard.txt";

/// A hash of compiled models and options: shares of different runs must not
/// merge.
pub fn fingerprint(models: &[Model]) -> String {
    format!("{:016x}", name_hash(&format!("{models:?}")))
}

/// What the outputs of a series need besides its samples: written by each
/// share, so that a merge rebuilds exactly what one machine writes.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// This share; `None` on one machine.
    pub share: Option<Share>,
    /// A hash of the compiled scenario and options: shares of different
    /// runs must not merge.
    pub fingerprint: String,
    /// The scenario's name.
    pub scenario: String,
    /// Its description.
    pub description: String,
    /// Duration, warm-up, window, seed (the report's facts).
    pub facts: Vec<(String, String)>,
    /// Replications asked for.
    pub spec: Replications,
    /// Variants in order, with their SLO's bounds when they have one.
    pub variants: Vec<(String, Option<String>)>,
}

impl Manifest {
    /// The manifest of `models` (base first) run as `share`.
    pub fn of(models: &[Model], share: Option<Share>) -> Manifest {
        let base = &models[0];
        Manifest {
            share,
            fingerprint: fingerprint(models),
            scenario: base.name.clone(),
            description: base.description.clone(),
            facts: vec![
                ("duration".into(), base.duration.to_string()),
                (
                    "warm-up".into(),
                    if base.warmup_auto {
                        "auto (MSER-5)".to_string()
                    } else {
                        base.warmup.to_string()
                    },
                ),
                ("window".into(), base.window.to_string()),
                ("seed".into(), base.seed.to_string()),
            ],
            spec: base.replications,
            variants: models
                .iter()
                .map(|m| {
                    (
                        m.variant.clone(),
                        m.slo.as_ref().map(|_| table::slo_bounds(m)),
                    )
                })
                .collect(),
        }
    }

    /// As written to [`SHARD_FILE`]: a line per item, values to the end
    /// of the line (newlines escaped).
    pub fn to_text(&self) -> String {
        let esc = |s: &str| s.replace('\\', "\\\\").replace('\n', "\\n");
        let mut out =
            String::from("# a share of a capsim run: combine the shares with `capsim merge`\n");
        if let Some(s) = self.share {
            let _ = writeln!(out, "share {}/{}", s.index, s.count);
        }
        let _ = writeln!(out, "fingerprint {}", self.fingerprint);
        let _ = writeln!(out, "scenario {}", esc(&self.scenario));
        let _ = writeln!(out, "description {}", esc(&self.description));
        for (k, v) in &self.facts {
            let _ = writeln!(out, "fact {}={}", esc(k), esc(v));
        }
        let _ = writeln!(out, "replications {}", spec_text(&self.spec));
        for (v, slo) in &self.variants {
            let _ = writeln!(
                out,
                "variant {}={}",
                esc(v),
                slo.as_deref().map(esc).unwrap_or_default()
            );
        }
        out
    }

    /// Reads [`Manifest::to_text`] back.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let unesc = |s: &str| {
            let mut out = String::new();
            let mut chars = s.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    match chars.next() {
                        Some('n') => out.push('\n'),
                        Some(o) => out.push(o),
                        None => {}
                    }
                } else {
                    out.push(c);
                }
            }
            out
        };
        let mut m = Manifest {
            share: None,
            fingerprint: String::new(),
            scenario: String::new(),
            description: String::new(),
            facts: Vec::new(),
            spec: Replications::default(),
            variants: Vec::new(),
        };
        let mut seen_spec = false;
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let bad = || {
                format!(
                    "line {}: `{line}` is not a line of a share's manifest",
                    i + 1
                )
            };
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            match key {
                "share" => {
                    m.share = Some(Share::parse(value).map_err(|_| bad())?);
                }
                "fingerprint" => m.fingerprint = value.to_string(),
                "scenario" => m.scenario = unesc(value),
                "description" => m.description = unesc(value),
                "fact" => {
                    let (k, v) = value.split_once('=').ok_or_else(bad)?;
                    m.facts.push((unesc(k), unesc(v)));
                }
                "replications" => {
                    m.spec = parse_spec(value).ok_or_else(bad)?;
                    seen_spec = true;
                }
                "variant" => {
                    let (v, slo) = value.split_once('=').ok_or_else(bad)?;
                    m.variants
                        .push((unesc(v), (!slo.is_empty()).then(|| unesc(slo))));
                }
                _ => return Err(bad()),
            }
        }
        if m.fingerprint.is_empty() || m.scenario.is_empty() || m.variants.is_empty() || !seen_spec
        {
            return Err("an incomplete manifest".to_string());
        }
        Ok(m)
    }
}

/// A replications spec as a manifest writes it: `min max precision`
/// (`-` without one; the precision as Rust prints it, so it reads back).
pub fn spec_text(spec: &Replications) -> String {
    let p = spec
        .precision
        .map(|p| format!("{p}"))
        .unwrap_or_else(|| "-".into());
    format!("{} {} {p}", spec.min, spec.max)
}

/// Reads [`spec_text`] back.
pub fn parse_spec(text: &str) -> Option<Replications> {
    let parts: Vec<&str> = text.split(' ').collect();
    let [min, max, p] = parts[..] else {
        return None;
    };
    Some(Replications {
        min: min.parse().ok()?,
        max: max.parse().ok()?,
        precision: if p == "-" {
            None
        } else {
            Some(p.parse().ok()?)
        },
    })
}

/// A share of a sweep: what `capsim merge` needs besides the samples.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepManifest {
    /// This share.
    pub share: Share,
    /// Hash of the points' compiled models.
    pub fingerprint: String,
    /// The scenario's name.
    pub scenario: String,
    /// Replications per point.
    pub spec: Replications,
    /// The grid.
    pub axes: Vec<Axis>,
    /// The SLO `meets` is judged on.
    pub objective: Option<Objective>,
}

impl SweepManifest {
    /// As written to the share's `shard.txt`.
    pub fn to_text(&self) -> String {
        let mut out = String::from(
            "# a share of a capsim sweep: combine the shares with `capsim merge`\nkind sweep\n",
        );
        let _ = writeln!(out, "share {}/{}", self.share.index, self.share.count);
        let _ = writeln!(out, "fingerprint {}", self.fingerprint);
        let _ = writeln!(out, "scenario {}", self.scenario);
        let _ = writeln!(out, "replications {}", spec_text(&self.spec));
        for a in &self.axes {
            // Values hold no newline: they come from one command-line word.
            let _ = writeln!(
                out,
                "axis {} {} {}",
                if a.range { "range" } else { "list" },
                a.key,
                a.values.join("\u{1f}")
            );
        }
        if let Some(o) = self.objective {
            let f = |x: Option<f64>| x.map(|v| format!("{v}")).unwrap_or_else(|| "-".into());
            let _ = writeln!(out, "slo {} {}", f(o.p99_ms), f(o.error_rate));
        }
        out
    }

    /// Reads [`SweepManifest::to_text`] back; `None` when the text is not a
    /// sweep's.
    pub fn parse(text: &str) -> Option<Result<SweepManifest, String>> {
        if !text.lines().any(|l| l == "kind sweep") {
            return None;
        }
        let mut share = None;
        let mut fingerprint = String::new();
        let mut scenario = String::new();
        let mut spec = None;
        let mut axes = Vec::new();
        let mut objective = None;
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.is_empty() || line == "kind sweep" {
                continue;
            }
            let bad = || {
                format!(
                    "line {}: `{line}` is not a line of a sweep share's manifest",
                    i + 1
                )
            };
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            let r: Result<(), String> = (|| {
                match key {
                    "share" => share = Some(Share::parse(value).map_err(|_| bad())?),
                    "fingerprint" => fingerprint = value.to_string(),
                    "scenario" => scenario = value.to_string(),
                    "replications" => {
                        spec = Some(parse_spec(value).ok_or_else(bad)?);
                    }
                    "axis" => {
                        let mut parts = value.splitn(3, ' ');
                        let (kind, key, values) = (parts.next(), parts.next(), parts.next());
                        let (Some(kind), Some(key), Some(values)) = (kind, key, values) else {
                            return Err(bad());
                        };
                        axes.push(Axis {
                            key: key.to_string(),
                            values: values.split('\u{1f}').map(str::to_string).collect(),
                            range: kind == "range",
                        });
                    }
                    "slo" => {
                        let parts: Vec<&str> = value.split(' ').collect();
                        let [p, e] = parts[..] else { return Err(bad()) };
                        let f = |s: &str| -> Result<Option<f64>, String> {
                            if s == "-" {
                                Ok(None)
                            } else {
                                s.parse().map(Some).map_err(|_| bad())
                            }
                        };
                        objective = Some(Objective {
                            p99_ms: f(p)?,
                            error_rate: f(e)?,
                        });
                    }
                    _ => return Err(bad()),
                }
                Ok(())
            })();
            if let Err(e) = r {
                return Some(Err(e));
            }
        }
        Some(match (share, spec) {
            (Some(share), Some(spec)) if !axes.is_empty() && !scenario.is_empty() => {
                Ok(SweepManifest {
                    share,
                    fingerprint,
                    scenario,
                    spec,
                    axes,
                    objective,
                })
            }
            _ => Err("an incomplete manifest".to_string()),
        })
    }
}
