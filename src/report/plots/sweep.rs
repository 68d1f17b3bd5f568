//! PLACEHOLDER until the sweepplots branch merges (replaced wholesale by it).
#![allow(missing_docs)]
use std::path::Path;
pub struct Figure { pub mean: f64, pub lo: f64, pub hi: f64 }
pub struct SweepAxis { pub key: String, pub values: Vec<String> }
pub struct SweepPoint { pub values: Vec<String>, pub p99_ms: Option<Figure>, pub error_rate: Option<Figure>, pub cost_per_hour: Option<f64>, pub meets: Option<bool>, pub chosen: bool }
pub struct SweepPlots<'a> { pub dir: &'a Path, pub scenario: &'a str, pub title: &'a str, pub axes: &'a [SweepAxis], pub points: &'a [SweepPoint], pub slo_p99_ms: Option<f64>, pub slo_error_rate: Option<f64> }
pub fn write_sweep_plots(_: &SweepPlots) -> std::io::Result<Vec<String>> { Ok(Vec::new()) }
