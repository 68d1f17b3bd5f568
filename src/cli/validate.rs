//! `capsim validate`: checks scenario files without running them.

use std::process::ExitCode;

use super::args::ValidateArgs;
use super::exit::EXIT_BAD_INPUT;
use super::options::{color, load_options};
use crate::scenario;

/// `capsim validate FILE...`: a line per good file, the errors of the
/// others; exit 2 when any has errors.
pub fn validate(args: &ValidateArgs) -> ExitCode {
    let opts = load_options(&args.scenario, None, Vec::new());
    let mut failed = 0;
    for file in &args.files {
        match scenario::load_file(file, &opts) {
            Ok(_) if args.quiet => {}
            Ok(models) => {
                let m = &models[0];
                let variants = if models.len() > 1 {
                    format!(
                        ", variants {}",
                        models[1..]
                            .iter()
                            .map(|v| v.variant.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                } else {
                    String::new()
                };
                println!(
                    "ok: {} ({}: {} components, {} simulated{variants})",
                    file.display(),
                    m.name,
                    m.components.len(),
                    m.duration
                )
            }
            Err(f) => {
                failed += 1;
                eprint!("{}", f.render(color()));
            }
        }
    }
    if failed > 0 {
        let n = args.files.len();
        eprintln!(
            "{failed} of {n} file{} {} errors",
            if n == 1 { "" } else { "s" },
            if failed == 1 { "has" } else { "have" }
        );
        ExitCode::from(EXIT_BAD_INPUT)
    } else {
        ExitCode::SUCCESS
    }
}
