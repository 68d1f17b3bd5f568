//! `capsim schema`: the JSON Schema of the scenario language, checked with
//! an independent validator (the `jsonschema` crate). Every shipped
//! scenario validates; structurally bad documents fail, each for its own
//! reason (the place and the keyword of the failure); the unit patterns
//! agree with the parsers they describe; the schema is valid against the
//! draft 2020-12 meta-schema and the same run to run.
//!
//! YAML is turned into JSON by capsim's own reader (`yaml::parse`, then
//! the spanned deserializer into a `serde_json::Value`), so that scalars
//! resolve exactly as the loader resolves them (YAML 1.2: `"4"` is text,
//! `4` a number).

use std::fs;
use std::path::Path;
use std::process::Command;

use capsim::scenario::schema::scenario_schema;
use capsim::scenario::{LoadOptions, Sources, de, load_str, spec, yaml};
use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde::Deserialize;
use serde::de::value::{Error as ValueError, StrDeserializer};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_capsim");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A scenario that loads (checked below) and uses every kind, [geo]
/// placement, units and a variant: the base the bad documents change.
const BASE: &str = r#"
name: schema-base
duration: 60s
datacenters: { us-east: {}, eu-west: {} }
network:
  within: 250us
  links:
    - { between: [us-east, eu-west], latency: 40ms, bandwidth: 1Gbps }
traffic:
  to: dns
  rate: 100
  origins:
    na: { share: 60%, latency: { us-east: 15ms, eu-west: 85ms } }
    eu: { share: 40%, latency: { us-east: 80ms, eu-west: 12ms } }
  requests:
    view: { weight: 9, op: read, key: { uniform: { keys: 1000 } }, bytes: { request: 2KB, response: 40KB } }
    buy: { weight: 1, op: write, key: { uniform: { keys: 1000 } } }
components:
  dns: { kind: dns, to: [lb-us, lb-eu], policy: nearest }
  lb-us: { kind: load_balancer, dc: us-east, to: web, policy: round_robin }
  lb-eu: { kind: load_balancer, dc: eu-west, to: web }
  web:
    kind: service
    dcs: [us-east, eu-west]
    instances: 2
    service_time: { exponential: { mean: 5ms } }
    calls: [cache]
  cache: { kind: cache, dc: us-east, hit_time: 1ms, on_miss: db }
  db: { kind: database, dc: us-east, read_time: 2ms, write_time: 5ms }
slo: { p99: 200ms, error_rate: 1% }
variants:
  more: { components: { web: { instances: 4 } } }
"#;

/// The bad fixtures whose fault is one of structure (an unknown key or
/// value, a wrong type, a bad unit, a negative count, broken YAML), which
/// the schema refuses. The other `bad-*.yaml` are wrong only in what their
/// values mean together (a cycle, an unknown component, a zero rate), which
/// the loader refuses and no schema can see.
const STRUCTURAL: &[&str] = &[
    "bad-autoscale-not-service.yaml",
    "bad-autoscale-provision-negative.yaml",
    "bad-autoscale-target-above-one.yaml",
    "bad-backoff-negative.yaml",
    "bad-bare-duration.yaml",
    "bad-dist-unknown-parameter.yaml",
    "bad-duplicate-key.yaml",
    "bad-enum-typo.yaml",
    "bad-eviction.yaml",
    "bad-fault-negative-for.yaml",
    "bad-flow-codel-target-negative.yaml",
    "bad-flow-discipline-unknown.yaml",
    "bad-flow-join-fractional.yaml",
    "bad-flow-lb-weight-text.yaml",
    "bad-flow-pool-fractional.yaml",
    "bad-flow-priority-fractional.yaml",
    "bad-flow-priority-negative.yaml",
    "bad-flow-scale-metric.yaml",
    "bad-flow-scale-stabilization-negative.yaml",
    "bad-geo-bandwidth-negative.yaml",
    "bad-geo-bandwidth-no-unit.yaml",
    "bad-geo-bytes-no-unit.yaml",
    "bad-jitter.yaml",
    "bad-many-errors.yaml",
    "bad-negative-count.yaml",
    "bad-syntax.yaml",
    "bad-unknown-key.yaml",
    "bad-unknown-kind.yaml",
    "bad-wrong-type.yaml",
];

/// The document `text` as JSON, as the loader reads it; the loader's
/// message when it is not YAML (or has a duplicate key).
fn to_json(name: &str, text: &str) -> Result<Value, String> {
    let mut sources = Sources::new();
    let id = sources.add(name, text);
    let root = yaml::parse(&sources, id).map_err(|e| e.render(&sources, false))?;
    de::from_node::<Value>(&root, &[]).map_err(|e| e.render(&sources, false))
}

fn validator() -> Validator {
    jsonschema::draft202012::new(&scenario_schema()).expect("the schema compiles")
}

/// A validator of one definition of the schema (`DurationValue`, ...).
fn validator_of(def: &str) -> Validator {
    let mut s = scenario_schema();
    let o = s.as_object_mut().unwrap();
    assert!(o["$defs"].get(def).is_some(), "no definition {def}");
    for k in ["type", "properties", "required", "additionalProperties"] {
        o.remove(k);
    }
    o.insert("$ref".into(), json!(format!("#/$defs/{def}")));
    jsonschema::draft202012::new(&s).expect("the schema compiles")
}

/// Each error reduced to its leaves (the branches of a failed `anyOf` or
/// `oneOf` opened), as `(instance path, keyword)`, the keyword of an
/// unknown key followed by the key.
fn leaves(e: &ValidationError, out: &mut Vec<(String, String)>) {
    match e.kind() {
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            for branch in context {
                for inner in branch {
                    leaves(inner, out);
                }
            }
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => out.push((
            e.instance_path().to_string(),
            format!("additionalProperties {}", unexpected.join(",")),
        )),
        kind => out.push((e.instance_path().to_string(), kind.keyword().to_string())),
    }
}

/// What is wrong with `doc`, as leaves; empty when it is valid.
fn failures(v: &Validator, doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in v.iter_errors(doc) {
        leaves(&e, &mut out);
    }
    out
}

fn base() -> Value {
    to_json("base", BASE).unwrap()
}

/// `doc` with the value at the JSON pointer `at` set to `value` (the key
/// added when absent), or removed when `value` is `None`.
fn with(mut doc: Value, at: &str, value: Option<Value>) -> Value {
    let (parent, key) = at.rsplit_once('/').unwrap();
    let obj = doc
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("{parent} is not a mapping of the base"));
    match value {
        Some(v) => {
            obj.insert(key.to_string(), v);
        }
        None => {
            obj.remove(key).expect("the key is in the base");
        }
    }
    doc
}

#[test]
fn the_base_loads_and_validates() {
    load_str("base", "base", BASE, &LoadOptions::default())
        .unwrap_or_else(|f| panic!("{}", f.render(false)));
    assert_eq!(failures(&validator(), &base()), Vec::new());
}

#[test]
fn the_schema_is_valid_against_the_draft_2020_12_meta_schema() {
    let s = scenario_schema();
    assert_eq!(
        s["$schema"],
        json!("https://json-schema.org/draft/2020-12/schema")
    );
    jsonschema::draft202012::meta::validate(&s).expect("a valid draft 2020-12 schema");
    for key in ["$id", "title", "description"] {
        assert!(s[key].as_str().is_some_and(|t| !t.is_empty()), "{key}");
    }
}

#[test]
fn every_shipped_scenario_and_good_fixture_validates() {
    let v = validator();
    let mut files = Vec::new();
    for dir in ["scenarios", "tests/fixtures"] {
        for entry in fs::read_dir(Path::new(ROOT).join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".yaml") && !name.starts_with("bad-") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 30, "{} files", files.len());
    for path in &files {
        let text = fs::read_to_string(path).unwrap();
        let doc = to_json(&path.display().to_string(), &text).unwrap();
        assert_eq!(failures(&v, &doc), Vec::new(), "{}", path.display());
    }
}

#[test]
fn the_whole_file_examples_of_the_docs_validate() {
    let v = validator();
    let mut whole = 0;
    for doc in ["README.md", "SCENARIO.md"] {
        let text = fs::read_to_string(Path::new(ROOT).join(doc)).unwrap();
        for block in text.split("```yaml\n").skip(1) {
            let block = block.split("```").next().unwrap();
            let top = |k: &str| block.lines().any(|l| l.starts_with(&format!("{k}:")));
            // Fragments (a `components` excerpt) are not scenarios.
            if !(top("duration") && top("traffic") && top("components")) {
                continue;
            }
            whole += 1;
            let json = to_json(doc, block).unwrap();
            assert_eq!(failures(&v, &json), Vec::new(), "{doc}:\n{block}");
        }
    }
    assert!(whole >= 1, "no whole scenario in the docs");
}

#[test]
fn structural_mistakes_fail_where_and_why_they_are() {
    let v = validator();
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "an unknown key at the top",
            with(base(), "/servics", Some(json!({}))),
            "",
            "additionalProperties servics",
        ),
        (
            "an unknown key in a component",
            with(base(), "/components/web/instancez", Some(json!(4))),
            "/components/web",
            "additionalProperties instancez",
        ),
        (
            "`autoscale` on a load balancer",
            with(
                base(),
                "/components/lb-us/autoscale",
                Some(json!({ "min": 1, "max": 2 })),
            ),
            "/components/lb-us",
            "additionalProperties autoscale",
        ),
        (
            "`replica_dcs` on a service",
            with(
                base(),
                "/components/web/replica_dcs",
                Some(json!(["us-east"])),
            ),
            "/components/web",
            "additionalProperties replica_dcs",
        ),
        (
            "instances written as text",
            with(base(), "/components/web/instances", Some(json!("4"))),
            "/components/web/instances",
            "type",
        ),
        (
            "kind: servise",
            with(base(), "/components/web/kind", Some(json!("servise"))),
            "/components/web/kind",
            "enum",
        ),
        (
            "policy: nearestt",
            with(base(), "/components/dns/policy", Some(json!("nearestt"))),
            "/components/dns/policy",
            "const",
        ),
        (
            "a duration in parsecs",
            with(
                base(),
                "/components/web/service_time",
                Some(json!("10 parsecs")),
            ),
            "/components/web/service_time",
            "pattern",
        ),
        (
            "a bandwidth in Gbit",
            with(base(), "/network/links/0/bandwidth", Some(json!("1 Gbit"))),
            "/network/links/0/bandwidth",
            "pattern",
        ),
        (
            "a size in KiB",
            with(
                base(),
                "/traffic/requests/view/bytes/request",
                Some(json!("2KiB")),
            ),
            "/traffic/requests/view/bytes/request",
            "pattern",
        ),
        (
            "a share above 100%",
            with(base(), "/traffic/origins/na/share", Some(json!("160%"))),
            "/traffic/origins/na/share",
            "pattern",
        ),
        (
            "no duration",
            with(base(), "/duration", None),
            "",
            "required",
        ),
        (
            "an unknown key in a variant's component",
            with(
                base(),
                "/variants/more/components/web/instancez",
                Some(json!(4)),
            ),
            "/variants/more/components/web",
            "additionalProperties instancez",
        ),
    ];
    for (what, doc, at, keyword) in cases {
        let found = failures(&v, &doc);
        assert!(
            found.iter().any(|(p, k)| p == at && k == keyword),
            "{what}: expected {keyword} at `{at}`, found {found:?}"
        );
        // Nothing fails off the path to the mistake: the failure is its.
        let on_path = |p: &str| {
            p == at || at.starts_with(&format!("{p}/")) || p.starts_with(&format!("{at}/"))
        };
        assert!(
            found.iter().all(|(p, _)| on_path(p)),
            "{what}: failures away from `{at}`: {found:?}"
        );
    }
}

#[test]
fn the_schema_refuses_exactly_the_structural_bad_fixtures() {
    let v = validator();
    let dir = Path::new(ROOT).join("tests/fixtures");
    let mut refused = Vec::new();
    let mut accepted = 0;
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("bad-") && n.ends_with(".yaml"))
        .collect();
    names.sort();
    for name in &names {
        let text = fs::read_to_string(dir.join(name)).unwrap();
        let ok = match to_json(name, &text) {
            Ok(doc) => v.is_valid(&doc),
            Err(_) => false,
        };
        if ok {
            accepted += 1;
        } else {
            refused.push(name.as_str());
        }
    }
    assert_eq!(refused, STRUCTURAL, "the bad fixtures the schema refuses");
    assert_eq!(refused.len() + accepted, names.len());
}

/// `s` as a deserializer: what the loader hands a unit's `Deserialize` for
/// a text.
fn read(s: &str) -> StrDeserializer<'_, ValueError> {
    StrDeserializer::new(s)
}

/// Whether the definition's validator and the parser agree on each sample.
fn agree(def: &str, samples: &[&str], parses: impl Fn(&str) -> bool) {
    let v = validator_of(def);
    for s in samples {
        assert_eq!(
            v.is_valid(&json!(s)),
            parses(s),
            "{def}: `{s}` (schema, parser)"
        );
    }
}

#[test]
fn the_unit_patterns_agree_with_the_parsers() {
    agree(
        "DurationValue",
        &[
            "250ms",
            "1.5s",
            "1h 30m",
            "1h30m",
            "0s",
            "5 m",
            " 5s ",
            "2 days",
            "1w",
            "3months",
            "1y",
            "10us",
            "10µs",
            "7 nanos",
            "90",
            "1.5",
            "-5s",
            "fast",
            "10 parsecs",
            "5 m s",
            "1.s",
            ".5s",
            "s",
            "",
            "5ms x",
            "1e3s",
            "5 ms",
            "10MS",
        ],
        |s| spec::parse_duration(s).is_ok(),
    );
    agree(
        "PercentValue",
        &[
            "10%", "0.5%", "150%", "-5%", "1e2%", " 7 % ", "10", "ten%", "%", "10%%", "inf%",
        ],
        |s| spec::PercentValue::deserialize(read(s)).is_ok(),
    );
    agree(
        "Share",
        &[
            "25%", "0%", "100%", "100.0%", "99.5%", "007%", " 5 %", "101%", "100.1%", "-1%", "25",
            "a%",
        ],
        |s| spec::Share::deserialize(read(s)).is_ok(),
    );
    agree(
        "ByteSize",
        &[
            "2KB", "1.5 MB", "0B", "40KB", "3GB", "2048", "2KiB", "2kb", "-2KB", "KB",
        ],
        |s| spec::ByteSize::deserialize(read(s)).is_ok(),
    );
    // A negative bandwidth is read, and refused by the compiler (with its
    // own message); the schema refuses it at once.
    agree(
        "Bandwidth",
        &[
            "1Gbps", "12.5Mbps", "0bps", "100 Kbps", "100", "1 Gbit", "1gbps", "-5Mbps",
        ],
        |s| spec::Bandwidth::deserialize(read(s)).is_ok_and(|b| b.0 >= 0.0),
    );
}

#[test]
fn capsim_schema_prints_the_same_schema_every_time() {
    let print = || {
        let o = Command::new(BIN).arg("schema").output().unwrap();
        assert_eq!(o.status.code(), Some(0));
        assert!(o.stderr.is_empty());
        o.stdout
    };
    let first = print();
    assert_eq!(first, print(), "two runs differ");
    let parsed: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(parsed, scenario_schema());
    assert!(first.ends_with(b"}\n"));
}
