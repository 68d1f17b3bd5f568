//! `capsim schema`: prints the JSON Schema of the scenario language
//! ([`crate::scenario::schema`]), for editors and other tools.

use std::process::ExitCode;

use super::completions::to_stdout;
use crate::scenario::schema::scenario_schema_text;

/// `capsim schema`: the schema on stdout.
pub fn schema() -> ExitCode {
    to_stdout(scenario_schema_text().as_bytes())
}
