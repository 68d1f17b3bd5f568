//! Any bytes as a scenario file: loading (the base alone and with every
//! variant), the analytic estimate and error rendering must never panic.
//! Nothing is simulated (a run can be long).

#![no_main]

use capsim::scenario::load_str;
use capsim_fuzz::{Files, check, files_read, load, options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let files = files_read(&text, &[]);
    if files == Files::Outside {
        return;
    }
    let all_variants = options(Vec::new(), None, Vec::new());
    // The base alone: `load_str` (as `--variant base`), which reads recorded
    // inputs from the working directory, for an input that names none; else
    // the same through the sandbox.
    let base = if files == Files::None {
        let model = load_str("fuzz.yaml", "fuzz", &text, &all_variants);
        check(model.map(|m| vec![m]), false)
    } else {
        let only_base = options(Vec::new(), None, vec!["base".to_string()]);
        check(load("fuzz.yaml", "fuzz", &text, &only_base), false)
    };
    // The base and every variant (`capsim run FILE`, `validate`), estimated.
    let all = check(load("fuzz.yaml", "fuzz", &text, &all_variants), true);
    // Both check every variant, so they succeed or fail together.
    assert_eq!(base, all, "the base alone and all variants disagree");
});
