//! `--set` overrides on a known scenario, applied as the CLI applies them,
//! then compiled and estimated: must never panic. Nothing is simulated.
//!
//! Input: the first byte picks the base scenario; the rest (as UTF-8, lossy)
//! is one argument a line: `--seed N`, `--variant NAME`, or else the text of
//! a `--set` (`components.web.instances=4`). A line ending in `\` continues
//! on the next, with the newline kept (a multi-line value). Blank lines are
//! skipped.

#![no_main]

use capsim_fuzz::{Files, check, files_read, load, options};
use libfuzzer_sys::fuzz_target;

/// The base scenarios, with the name and stem a CLI load would give them.
const BASES: &[(&str, &str)] = &[
    ("demo", include_str!("../../scenarios/demo.yaml")),
    (
        "flash-sale",
        include_str!("../../scenarios/flash-sale.yaml"),
    ),
    (
        "sticky-sessions",
        include_str!("../../scenarios/sticky-sessions.yaml"),
    ),
    (
        "autoscaling",
        include_str!("../../scenarios/autoscaling.yaml"),
    ),
    (
        "retry-storm",
        include_str!("../../scenarios/retry-storm.yaml"),
    ),
    (
        "primary-failover",
        include_str!("../../scenarios/primary-failover.yaml"),
    ),
    (
        "cache-aside",
        include_str!("../../scenarios/cache-aside.yaml"),
    ),
    (
        "closed-loop",
        include_str!("../../scenarios/closed-loop.yaml"),
    ),
    (
        "capacity-plan",
        include_str!("../../scenarios/capacity-plan.yaml"),
    ),
    (
        "scale-up-ceiling",
        include_str!("../../scenarios/scale-up-ceiling.yaml"),
    ),
    (
        "queue-spike",
        include_str!("../../scenarios/queue-spike.yaml"),
    ),
    ("chaos", include_str!("../../scenarios/chaos.yaml")),
    ("good", include_str!("../../tests/fixtures/good.yaml")),
    (
        "data-tier",
        include_str!("../../tests/fixtures/data-tier.yaml"),
    ),
    ("faults", include_str!("../../tests/fixtures/faults.yaml")),
    (
        "variants",
        include_str!("../../tests/fixtures/variants.yaml"),
    ),
    ("trace", include_str!("../../tests/fixtures/trace.yaml")),
    ("small", include_str!("../../tests/fixtures/small.yaml")),
];

/// The command line's arguments, from the input's lines.
fn arguments(text: &str) -> (Vec<String>, Option<u64>, Vec<String>) {
    let (mut sets, mut seed, mut variants) = (Vec::new(), None, Vec::new());
    let mut pending = String::new();
    for line in text.split('\n') {
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head);
            pending.push('\n');
            continue;
        }
        let arg = std::mem::take(&mut pending) + line;
        if arg.is_empty() {
            continue;
        }
        if let Some(n) = arg.strip_prefix("--seed ") {
            seed = n.trim().parse().ok().or(seed);
        } else if let Some(v) = arg.strip_prefix("--variant ") {
            variants.push(v.to_string());
        } else {
            sets.push(arg);
        }
    }
    if !pending.is_empty() {
        sets.push(pending);
    }
    (sets, seed, variants)
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (stem, text) = BASES[pick as usize % BASES.len()];
    let (sets, seed, variants) = arguments(&String::from_utf8_lossy(rest));
    if files_read(text, &sets) == Files::Outside {
        return;
    }
    let name = format!("scenarios/{stem}.yaml");
    check(
        load(&name, stem, text, &options(sets, seed, variants)),
        true,
    );
});
