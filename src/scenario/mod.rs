//! The scenario language: reading YAML (with locations), `--set` overrides,
//! typed structs, validation, and compilation into the plain model. Only this
//! module knows YAML; the engine sees a [`crate::model::Model`].

pub mod compile;
pub mod de;
pub mod error;
pub mod geo_spec;
pub mod inputs;
pub mod overrides;
pub mod schema;
pub mod source;
pub mod spec;
pub mod variants;
pub mod work;
pub mod yaml;

use std::path::Path;

pub use error::{Errors, ScenarioError};
pub use source::Sources;

use crate::model::Model;

/// The scenario run when `capsim run` is given no file.
pub const DEMO: &str = include_str!("../../scenarios/demo.yaml");

/// How a scenario is loaded.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `--set key.path=value` overrides, applied in order.
    pub sets: Vec<String>,
    /// `--seed`, which wins over the file's `seed`.
    pub seed: Option<u64>,
    /// `--variant`: the variants to run (`base` included); all when empty.
    pub variants: Vec<String>,
    /// Refuse a model whose run is estimated at over an hour
    /// ([`work::too_long`]): set by `run`, `sweep` and `plan` unless
    /// `--yes`; off for `validate`, `estimate` and the library.
    pub check_work: bool,
}

/// A scenario that could not be loaded, with the texts needed to show where.
#[derive(Debug)]
pub struct LoadFailure {
    /// What went wrong: every independent error, in the order of the file
    /// (never empty).
    pub errors: Vec<ScenarioError>,
    /// The file and overrides it refers to.
    pub sources: Sources,
}

impl LoadFailure {
    /// A failure of one error.
    fn one(error: ScenarioError) -> LoadFailure {
        LoadFailure {
            errors: vec![error],
            sources: Sources::new(),
        }
    }

    /// The first error (in the order of the file).
    pub fn first(&self) -> &ScenarioError {
        &self.errors[0]
    }

    /// The first error, by value.
    pub fn into_first(mut self) -> ScenarioError {
        self.errors.swap_remove(0)
    }

    /// The errors as the terminal shows them, one after the other, with
    /// their count when there are several.
    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        for e in &self.errors {
            out.push_str(&e.render(&self.sources, color));
        }
        if self.errors.len() > 1 {
            let file = self.sources.first_name().unwrap_or("the scenario");
            out.push_str(&format!("{} errors in {file}\n", self.errors.len()));
        }
        out
    }
}

/// Most bytes a scenario file may hold: read whole before parsing, and
/// the largest shipped one is under 5 KiB.
const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// Reads, checks and compiles the scenario file at `path`: the base and the
/// variants `opts` selects (all by default), base first.
pub fn load_file(path: &Path, opts: &LoadOptions) -> Result<Vec<Model>, LoadFailure> {
    let name = path.display().to_string();
    match source::read_text(path, MAX_SCENARIO_BYTES) {
        Ok(text) => {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "scenario".to_string());
            // Recorded inputs are found beside the scenario file.
            let base = path.parent().unwrap_or(Path::new(""));
            load_all_at(&name, &stem, &text, opts, Some(base))
        }
        Err(source::ReadError::TooLarge) => Err(LoadFailure::one(ScenarioError::new(format!(
            "`{name}` holds more than {} MiB: a scenario file is at most {0} MiB",
            MAX_SCENARIO_BYTES >> 20
        )))),
        Err(source::ReadError::Unreadable(why)) => Err(LoadFailure::one(ScenarioError::new(
            format!("cannot read `{name}`: {why}"),
        ))),
    }
}

/// Reads, checks and compiles the base scenario from text (variants are
/// checked too, not returned). `name` is how messages refer to the text;
/// `stem` names the scenario when it has no `name`.
pub fn load_str(
    name: &str,
    stem: &str,
    text: &str,
    opts: &LoadOptions,
) -> Result<Model, LoadFailure> {
    let opts = LoadOptions {
        variants: vec!["base".to_string()],
        ..opts.clone()
    };
    load_all(name, stem, text, &opts).map(|mut models| models.remove(0))
}

/// Reads, checks and compiles a scenario from text: the base and the
/// variants `opts` selects (all by default), base first.
/// Recorded input files (traces, empirical samples) are read relative to the
/// working directory.
pub fn load_all(
    name: &str,
    stem: &str,
    text: &str,
    opts: &LoadOptions,
) -> Result<Vec<Model>, LoadFailure> {
    load_all_at(name, stem, text, opts, None)
}

/// [`load_all`] with recorded input files read relative to the folder
/// `base` instead of the working directory (as [`load_file`] reads them
/// beside the scenario file).
pub fn load_all_in(
    name: &str,
    stem: &str,
    text: &str,
    opts: &LoadOptions,
    base: &Path,
) -> Result<Vec<Model>, LoadFailure> {
    load_all_at(name, stem, text, opts, Some(base))
}

/// [`load_all`] with recorded input files read relative to `base` (the
/// working directory when `None`).
fn load_all_at(
    name: &str,
    stem: &str,
    text: &str,
    opts: &LoadOptions,
    base: Option<&Path>,
) -> Result<Vec<Model>, LoadFailure> {
    let mut sources = Sources::new();
    let id = sources.add(name, text);
    match load_inner(&mut sources, id, stem, opts, base) {
        Ok(m) => Ok(m),
        Err(mut errors) => {
            errors.sort();
            Err(LoadFailure {
                errors: errors.0,
                sources,
            })
        }
    }
}

fn load_inner(
    sources: &mut Sources,
    id: source::SourceId,
    stem: &str,
    opts: &LoadOptions,
    base: Option<&Path>,
) -> Result<Vec<Model>, Errors> {
    let mut root = yaml::parse(sources, id)?;
    for arg in &opts.sets {
        overrides::apply(&mut root, sources, arg)?;
    }
    let inputs = inputs::Inputs::new(base, sources);
    let result = compile_all(root, stem, opts, &inputs);
    // The files read join the sources, so their errors show the bad row.
    inputs.finish(sources);
    result
}

/// Compiles the base and the selected variants of the document `root`.
/// Every variant is checked, run or not, so a broken one is found early;
/// all their errors are told, but for those a variant only repeats from
/// the base.
fn compile_all(
    mut root: yaml::Node,
    stem: &str,
    opts: &LoadOptions,
    inputs: &inputs::Inputs,
) -> Result<Vec<Model>, Errors> {
    let declared = variants::take(&mut root)?;
    for wanted in &opts.variants {
        if wanted != "base" && !declared.contains_key(wanted) {
            let mut names: Vec<&str> = vec!["base"];
            names.extend(declared.keys().map(String::as_str));
            return Err(ScenarioError::new(format!(
                "`--variant {wanted}`: the scenario has no variant `{wanted}`"
            ))
            .expected(error::one_of(&names))
            .suggest(wanted, names.iter().copied())
            .into());
        }
    }
    let selected = |name: &str| opts.variants.is_empty() || opts.variants.iter().any(|v| v == name);
    let mut models = Vec::new();
    let mut errs = Errors::new();
    // The base is always checked: a variant builds on it.
    match compile::compile_with(&root, stem, "base", opts.seed, inputs) {
        Ok(base) if selected("base") => match check_work(base, &root, opts) {
            Ok(base) => models.push(base),
            Err(e) => errs.push(e),
        },
        Ok(_) => {}
        Err(e) => errs.extend(e),
    }
    let in_base = errs.clone();
    for (name, keys) in &declared {
        let mut merged = root.clone();
        variants::merge(&mut merged, keys);
        match compile::compile_with(&merged, stem, name, opts.seed, inputs) {
            Ok(model) if selected(name) => match check_work(model, &merged, opts) {
                Ok(model) => models.push(model),
                Err(e) => errs.push(in_variant(e, name, keys)),
            },
            Ok(_) => {}
            Err(found) => {
                for e in found.0 {
                    if !in_base.0.contains(&e) {
                        errs.push(in_variant(e, name, keys));
                    }
                }
            }
        }
    }
    errs.or_ok(models)
}

/// `model`, unless `opts` asks for the check of its work and its run is
/// estimated at over an hour: then an error at the `duration` of `root`
/// saying the estimate and how to go ahead.
fn check_work(model: Model, root: &yaml::Node, opts: &LoadOptions) -> Result<Model, ScenarioError> {
    if !opts.check_work {
        return Ok(model);
    }
    let Some(why) = work::too_long(&model) else {
        return Ok(model);
    };
    let at = root.get("duration").unwrap_or(root);
    Err(ScenarioError::at(at.span, why).path("duration").expected(
        "`--yes` to run it anyway, or a shorter `duration`, a lower rate or longer windows",
    ))
}

/// A variant's error, told as the variant's when it is in the variant's own
/// keys, else as the base's with a note of the variant that changes it.
fn in_variant(e: ScenarioError, name: &str, keys: &yaml::Node) -> ScenarioError {
    let inside = e.span.is_some_and(|s| variants::contains(keys, &s));
    if inside {
        let path = e
            .path
            .clone()
            .map(|p| format!("variants.{name}.{p}"))
            .unwrap_or_else(|| format!("variants.{name}"));
        e.path(path)
    } else {
        let note = format!("in variant `{name}`, which changes this scenario");
        match e.help.clone() {
            Some(h) => e.help(format!("{h} ({note})")),
            None => e.help(note),
        }
    }
}
