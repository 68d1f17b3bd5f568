//! The grid of a sweep: `--vary KEY=LIST` axes (any key path `--set`
//! takes), their values, and the points of every combination.

/// Most points a sweep or a plan may span.
pub const MAX_POINTS: usize = 10_000;

/// One varied key.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The key path, as `--set` takes it (`components.web.instances`).
    pub key: String,
    /// Its values as typed (YAML, like `--set`'s).
    pub values: Vec<String>,
    /// Whether the values are an integer range `lo..hi`: a count that
    /// figures are monotone in, which `plan` bisects.
    pub range: bool,
}

impl Axis {
    /// Reads `KEY=a,b,c` or `KEY=lo..hi` (integers, inclusive).
    pub fn parse(text: &str) -> Result<Axis, String> {
        let Some((key, list)) = text.split_once('=') else {
            return Err(format!(
                "`{text}` is not `KEY=LIST`: write `components.web.instances=2..12` or `components.web.size=large,xlarge`"
            ));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(format!("`{text}` has no key before `=`"));
        }
        let list = list.trim();
        if let Some((lo, hi)) = list.split_once("..") {
            let lo: i64 = lo
                .trim()
                .parse()
                .map_err(|_| format!("`{list}`: a range is two integers, such as `2..12`"))?;
            let hi: i64 = hi
                .trim()
                .parse()
                .map_err(|_| format!("`{list}`: a range is two integers, such as `2..12`"))?;
            if lo > hi {
                return Err(format!(
                    "`{list}`: the range is empty ({lo} is more than {hi})"
                ));
            }
            if (hi - lo) as usize >= MAX_POINTS {
                return Err(format!("`{list}`: more than {MAX_POINTS} values"));
            }
            return Ok(Axis {
                key: key.to_string(),
                values: (lo..=hi).map(|v| v.to_string()).collect(),
                range: true,
            });
        }
        let values: Vec<String> = list.split(',').map(|v| v.trim().to_string()).collect();
        if values.iter().any(String::is_empty) {
            return Err(format!("`{list}`: an empty value in the list"));
        }
        let mut seen = values.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != values.len() {
            return Err(format!("`{list}`: a value is listed twice"));
        }
        Ok(Axis {
            key: key.to_string(),
            values,
            range: false,
        })
    }

    /// The `--set` of value `i`.
    pub fn set(&self, i: usize) -> String {
        format!("{}={}", self.key, self.values[i])
    }
}

/// Checks a grid: distinct keys, at most [`MAX_POINTS`] points.
pub fn check_grid(axes: &[Axis]) -> Result<usize, String> {
    for (i, a) in axes.iter().enumerate() {
        if axes[..i].iter().any(|b| b.key == a.key) {
            return Err(format!("`--vary {}` is given twice", a.key));
        }
    }
    let mut n: usize = 1;
    for a in axes {
        n = n.saturating_mul(a.values.len());
    }
    if n > MAX_POINTS {
        return Err(format!(
            "{n} points: a grid of at most {MAX_POINTS} points is allowed"
        ));
    }
    Ok(n)
}

/// Every point of the grid, as value indices, the last axis varying fastest.
pub fn points(axes: &[Axis]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new()];
    for a in axes {
        let mut next = Vec::with_capacity(out.len() * a.values.len());
        for p in &out {
            for i in 0..a.values.len() {
                let mut q = p.clone();
                q.push(i);
                next.push(q);
            }
        }
        out = next;
    }
    out
}

/// The index of a point in [`points`]' order.
pub fn point_index(axes: &[Axis], point: &[usize]) -> usize {
    axes.iter()
        .zip(point)
        .fold(0, |acc, (a, &i)| acc * a.values.len() + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_ranges() {
        let a = Axis::parse("components.web.instances=2..5").unwrap();
        assert_eq!(a.values, ["2", "3", "4", "5"]);
        assert!(a.range);
        let b = Axis::parse("components.web.size = large, xlarge").unwrap();
        assert_eq!(
            (b.key.as_str(), b.values.len(), b.range),
            ("components.web.size", 2, false)
        );
        assert_eq!(b.set(1), "components.web.size=xlarge");
        for bad in ["nokey", "=1,2", "k=5..2", "k=a..b", "k=1,,2", "k=1,1"] {
            assert!(Axis::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_grid_is_every_combination_in_order() {
        let axes = [
            Axis::parse("a=1..3").unwrap(),
            Axis::parse("b=x,y").unwrap(),
        ];
        let p = points(&axes);
        assert_eq!(p.len(), 6);
        assert_eq!(p[1], [0, 1]);
        for (i, q) in p.iter().enumerate() {
            assert_eq!(point_index(&axes, q), i);
        }
        assert!(check_grid(&[axes[0].clone(), axes[0].clone()]).is_err());
        assert_eq!(check_grid(&axes), Ok(6));
    }
}
