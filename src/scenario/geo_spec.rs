//! The [geo] keys as written: `datacenters`, `network`, `traffic.origins`
//! and a class's `bytes`, and the units they are written in (byte sizes,
//! bandwidths). `compile/geo.rs` checks and compiles them.

use std::borrow::Cow;
use std::fmt;

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::spec::{DistSpec, DurationValue, Share};

/// One entry of `datacenters`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatacenterSpec {
    /// Sizes standing in it cost this many times their price (1).
    #[serde(default)]
    pub price_factor: Option<f64>,
}

/// `network`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// One-way latency of a hop inside a data center (0s).
    #[serde(default)]
    pub within: Option<DurationValue>,
    /// The links between data centers.
    #[serde(default)]
    pub links: Option<Vec<LinkSpec>>,
}

/// One entry of `network.links`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// The two data centers it joins.
    pub between: Vec<String>,
    /// One-way latency, drawn per crossing.
    pub latency: DistSpec,
    /// What each direction transmits (no transmission time).
    #[serde(default)]
    pub bandwidth: Option<Bandwidth>,
    /// Price per GB crossing it (free).
    #[serde(default)]
    pub egress: Option<f64>,
}

/// One entry of `traffic.origins`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OriginSpec {
    /// Its share of the requests.
    pub share: Share,
    /// One-way latency from its clients to each data center.
    pub latency: IndexMap<String, DurationValue>,
}

/// A class's `bytes`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BytesSpec {
    /// What a call weighs (0).
    #[serde(default)]
    pub request: Option<ByteSize>,
    /// What a reply weighs (0).
    #[serde(default)]
    pub response: Option<ByteSize>,
}

/// A size written with a unit: `2KB` (B, KB, MB, GB; 1000-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteSize(pub u64);

/// A bandwidth written with a unit: `1Gbps` (bps, Kbps, Mbps, Gbps;
/// 1000-based), in bits per second. Zero or negative is read, so that the
/// compiler's message can say what it is for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bandwidth(pub f64);

/// Splits `12.5Mbps` into `12.5` and `Mbps`.
fn number_and_unit(t: &str) -> Option<(f64, &str)> {
    let t = t.trim();
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(t.len());
    let n = t[..end].trim().parse::<f64>().ok()?;
    n.is_finite().then_some((n, t[end..].trim()))
}

/// Parses `2KB`; the error says what to write instead.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let Some((n, unit)) = number_and_unit(text) else {
        return Err(format!(
            "`{text}` is not a size: write a number and a unit, such as `2KB` (B, KB, MB, GB)"
        ));
    };
    let scale = match unit {
        "" => {
            return Err(format!(
                "`{text}` has no unit: write `{text}B`, `{text}KB` or another unit (B, KB, MB, GB)"
            ));
        }
        "B" => 1.0,
        "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        _ => {
            return Err(format!(
                "`{unit}` is not a unit of size: write B, KB, MB or GB (1000-based)"
            ));
        }
    };
    let b = n * scale;
    if !(0.0..=1e15).contains(&b) {
        return Err(format!("`{text}`: write a size from 0B to 1000000GB"));
    }
    Ok(b.round() as u64)
}

/// Parses `1Gbps` into bits per second; the error says what to write.
pub fn parse_bandwidth(text: &str) -> Result<f64, String> {
    let Some((n, unit)) = number_and_unit(text) else {
        return Err(format!(
            "`{text}` is not a bandwidth: write a number and a unit, such as `1Gbps` (bps, Kbps, Mbps, Gbps)"
        ));
    };
    let scale = match unit {
        "" => {
            return Err(format!(
                "`{text}` has no unit: write `{text}Mbps`, `{text}Gbps` or another unit (bps, Kbps, Mbps, Gbps)"
            ));
        }
        "bps" => 1.0,
        "Kbps" => 1e3,
        "Mbps" => 1e6,
        "Gbps" => 1e9,
        _ => {
            return Err(format!(
                "`{unit}` is not a unit of bandwidth: write bps, Kbps, Mbps or Gbps (1000-based)"
            ));
        }
    };
    Ok(n * scale)
}

/// Reads a scalar written as a string or a number, as its text.
struct Text(&'static str);

impl Visitor<'_> for Text {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = d.deserialize_any(Text("a size such as `2KB`"))?;
        parse_bytes(&text).map(ByteSize).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Bandwidth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = d.deserialize_any(Text("a bandwidth such as `1Gbps`"))?;
        parse_bandwidth(&text)
            .map(Bandwidth)
            .map_err(de::Error::custom)
    }
}

impl JsonSchema for ByteSize {
    fn schema_name() -> Cow<'static, str> {
        "ByteSize".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A size: a number and a unit, such as `2KB` (B, KB, MB, GB; 1000-based).",
            "type": "string",
            "pattern": super::schema::BYTES_PATTERN
        })
    }
}

impl JsonSchema for Bandwidth {
    fn schema_name() -> Cow<'static, str> {
        "Bandwidth".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A bandwidth in bits per second: a positive number and a unit, such as `1Gbps` (bps, Kbps, Mbps, Gbps; 1000-based).",
            "type": "string",
            "pattern": super::schema::BANDWIDTH_PATTERN
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_bandwidths_read_their_units() {
        assert_eq!(parse_bytes("2KB"), Ok(2000));
        assert_eq!(parse_bytes("1.5 MB"), Ok(1_500_000));
        assert_eq!(parse_bytes("0B"), Ok(0));
        assert!(parse_bytes("2048").unwrap_err().contains("has no unit"));
        assert!(parse_bytes("2KiB").unwrap_err().contains("not a unit"));
        assert_eq!(parse_bandwidth("1Gbps"), Ok(1e9));
        assert_eq!(parse_bandwidth("-5Mbps"), Ok(-5e6));
        assert!(parse_bandwidth("100").unwrap_err().contains("has no unit"));
    }
}
