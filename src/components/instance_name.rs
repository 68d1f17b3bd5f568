//! How outputs and fault targets name a component's instances: `web.3` (a
//! service's instance), `cache.node1` (a cache node), `db.shard0.primary`
//! and `db.shard2.replica1` (database nodes), or the component alone (`lb`,
//! `orders`) for a kind with one instance. One type, written and read in
//! one place, so that a name in `components.csv`, `events.csv` and a fault's
//! `target` always means the same instance.

use std::fmt;
use std::str::FromStr;

/// The part of an instance's name after its component's: what names the
/// instance within its component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Label {
    /// A service's instance, by index: `3`.
    Index(u32),
    /// A cache node: `node1`.
    Node(u32),
    /// A database shard's primary slot: `shard0.primary`.
    Primary {
        /// The shard.
        shard: u32,
    },
    /// A node of a database whose nodes are equal (`multi_primary`, `ring`,
    /// `quorum`): `shard0.node1`.
    ShardNode {
        /// The shard.
        shard: u32,
        /// The node within the shard, from 0.
        node: u32,
    },
    /// A database shard's replica: `shard2.replica1`.
    Replica {
        /// The shard.
        shard: u32,
        /// The replica within the shard, from 0.
        replica: u32,
    },
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Label::Index(i) => write!(f, "{i}"),
            Label::Node(i) => write!(f, "node{i}"),
            Label::Primary { shard } => write!(f, "shard{shard}.primary"),
            Label::Replica { shard, replica } => write!(f, "shard{shard}.replica{replica}"),
            Label::ShardNode { shard, node } => write!(f, "shard{shard}.node{node}"),
        }
    }
}

/// A number as written in a name: decimal digits only, no sign, no leading
/// zero (so that `web.01` is not `web.1`), within `u32`.
fn number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

impl FromStr for Label {
    type Err = ();

    /// Reads `3`, `node1`, `shard0.primary`, `shard2.replica1` or
    /// `shard0.node1`.
    fn from_str(s: &str) -> Result<Label, ()> {
        if let Some(i) = number(s) {
            return Ok(Label::Index(i));
        }
        if let Some(i) = s.strip_prefix("node").and_then(number) {
            return Ok(Label::Node(i));
        }
        let (shard, role) = s.split_once('.').ok_or(())?;
        let shard = shard.strip_prefix("shard").and_then(number).ok_or(())?;
        if role == "primary" {
            return Ok(Label::Primary { shard });
        }
        if let Some(node) = role.strip_prefix("node").and_then(number) {
            return Ok(Label::ShardNode { shard, node });
        }
        let replica = role.strip_prefix("replica").and_then(number).ok_or(())?;
        Ok(Label::Replica { shard, replica })
    }
}

/// A whole instance name: its component's name and, for a kind with several
/// instances, the instance's [`Label`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InstanceName {
    /// The component's name, as in the file.
    pub component: String,
    /// The instance within it; `None` for a kind with one instance.
    pub label: Option<Label>,
}

impl InstanceName {
    /// Instance `label` of `component`.
    pub fn new(component: &str, label: Option<Label>) -> InstanceName {
        InstanceName {
            component: component.to_string(),
            label,
        }
    }
}

impl fmt::Display for InstanceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.label {
            Some(l) => write!(f, "{}.{l}", self.component),
            None => f.write_str(&self.component),
        }
    }
}

impl FromStr for InstanceName {
    type Err = ();

    /// Splits at the first `.`: component names cannot hold one. A name
    /// without a `.` is the component alone.
    fn from_str(s: &str) -> Result<InstanceName, ()> {
        match s.split_once('.') {
            None if !s.is_empty() => Ok(InstanceName::new(s, None)),
            None => Err(()),
            Some((c, rest)) if !c.is_empty() => Ok(InstanceName::new(c, Some(rest.parse()?))),
            Some(_) => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_as_written() {
        for s in [
            "web.3",
            "cache.node1",
            "db.shard0.primary",
            "db.shard2.replica1",
            "db.shard1.node2",
            "lb",
        ] {
            let n: InstanceName = s.parse().expect(s);
            assert_eq!(n.to_string(), s);
        }
        for bad in [
            "",
            ".1",
            "web.",
            "web.01",
            "web.-1",
            "db.shard0",
            "db.shard0.leader",
            "c.nodex",
        ] {
            assert!(bad.parse::<InstanceName>().is_err(), "{bad}");
        }
    }

    use proptest::prelude::*;

    /// Every label a kind can give, with numbers across the whole range.
    fn label() -> impl Strategy<Value = Label> {
        prop_oneof![
            any::<u32>().prop_map(Label::Index),
            any::<u32>().prop_map(Label::Node),
            any::<u32>().prop_map(|shard| Label::Primary { shard }),
            (any::<u32>(), any::<u32>())
                .prop_map(|(shard, replica)| Label::Replica { shard, replica }),
            (any::<u32>(), any::<u32>()).prop_map(|(shard, node)| Label::ShardNode { shard, node }),
        ]
    }

    /// A component name: a letter, then letters, digits, `_` and `-`.
    fn component() -> impl Strategy<Value = String> {
        let first = prop::sample::select(('a'..='z').chain('A'..='Z').collect::<Vec<_>>());
        let rest = prop::collection::vec(
            prop::sample::select(
                ('a'..='z')
                    .chain('0'..='9')
                    .chain(['_', '-'])
                    .collect::<Vec<_>>(),
            ),
            0..63,
        );
        (first, rest).prop_map(|(f, r)| std::iter::once(f).chain(r).collect())
    }

    /// Digits as typed, leading zeros and all.
    fn digits() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(('0'..='9').collect::<Vec<_>>()), 1..4)
            .prop_map(|d| d.into_iter().collect())
    }

    proptest! {
        /// A name written is read back as the same instance, whatever the
        /// component's name (names have no `.`) and label.
        #[test]
        fn a_written_name_reads_back(component in component(), l in proptest::option::of(label())) {
            let name = InstanceName::new(&component, l);
            let text = name.to_string();
            prop_assert_eq!(text.parse::<InstanceName>(), Ok(name));
        }

        /// Text that reads as a name is written back as the same text (one
        /// spelling per instance: `web.01` is refused, not read as `web.1`).
        #[test]
        fn a_read_name_writes_back(
            c in component(),
            prefix in prop::sample::select(vec!["", "node", "shard", "x"]),
            n in digits(),
            role in prop::sample::select(vec!["", ".primary", ".replica", ".leader"]),
            r in digits(),
        ) {
            let role = if role == ".replica" { format!("{role}{r}") } else { role.to_string() };
            let text = format!("{c}.{prefix}{n}{role}");
            if let Ok(name) = text.parse::<InstanceName>() {
                prop_assert_eq!(name.to_string(), text);
            }
        }
    }
}
