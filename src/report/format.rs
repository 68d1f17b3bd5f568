//! Numbers as every output prints them: fixed decimals with trailing zeros
//! trimmed, so that the same run always prints the same bytes. Shared by the
//! CSV files, the terminal and the planning commands.

use crate::engine::SimDuration;

/// The currency costs are in, as the reports and plots label them: the
/// built-in size catalogue's (SCENARIO.md prices it in dollars). The
/// language has no currency key, so a scenario's own `sizes` are taken to
/// be priced in the same unit.
pub const CURRENCY: &str = "$";

/// A count with its thousands grouped (`1,234`), as the terminal prints.
pub fn grouped(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `x` with at most `decimals` decimals (up to 9), rounded half away from
/// zero, trailing zeros trimmed (`1.5`, `2`). Integer arithmetic: float
/// formatting with a precision costs microseconds per number.
pub fn fixed(x: f64, decimals: usize) -> String {
    const POW10: [u64; 10] = [
        1,
        10,
        100,
        1_000,
        10_000,
        100_000,
        1_000_000,
        10_000_000,
        100_000_000,
        1_000_000_000,
    ];
    if decimals <= 9 && x.is_finite() && x.abs() < 1e15 / POW10[decimals] as f64 {
        let scale = POW10[decimals];
        let scaled = (x.abs() * scale as f64).round() as u64;
        if scaled == 0 {
            return "0".to_string();
        }
        let (whole, mut frac) = (scaled / scale, scaled % scale);
        let mut out = String::with_capacity(24);
        if x < 0.0 {
            out.push('-');
        }
        out.push_str(&whole.to_string());
        if frac > 0 {
            let mut digits = decimals;
            while frac % 10 == 0 {
                frac /= 10;
                digits -= 1;
            }
            out.push('.');
            out.push_str(&format!("{frac:0digits$}"));
        }
        return out;
    }
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".to_string() } else { s }
}

/// `x` with exactly `decimals` decimals and its thousands grouped
/// (`12,345.60`), as the report's tables show a number: every cell of a
/// column with the same decimals, so that the column reads down.
pub fn grouped_fixed(x: f64, decimals: usize) -> String {
    // Rounded as `fixed` rounds (half away from zero), as the CSVs are.
    let s = fixed(x.abs(), decimals);
    let (whole, frac) = s.split_once('.').map_or((s.as_str(), ""), |(w, f)| (w, f));
    let frac = format!("{frac:0<decimals$}");
    let mut out = String::with_capacity(s.len() + whole.len() / 3 + 1);
    // A value that rounds to zero shows no sign.
    if x < 0.0 && s.bytes().any(|b| matches!(b, b'1'..=b'9')) {
        out.push('-');
    }
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(&frac);
    }
    out
}

/// A share (0.0206) as a percentage with `decimals` decimals (`2.06%`); a
/// share above zero too small to show is `<0.01%`, never `0.00%`.
pub fn percent(x: f64, decimals: usize) -> String {
    let smallest = 0.5 * 10f64.powi(-(decimals as i32));
    if x > 0.0 && x * 100.0 < smallest {
        return format!("<{}%", grouped_fixed(2.0 * smallest, decimals));
    }
    format!("{}%", grouped_fixed(x * 100.0, decimals))
}

/// The decimals that show `smallest` (a column's smallest magnitude above
/// zero) with `digits` significant digits, within `lo..=hi`.
pub fn significant_decimals(smallest: Option<f64>, digits: i32, lo: usize, hi: usize) -> usize {
    let d = match smallest {
        Some(v) if v > 0.0 && v.is_finite() => digits - (v.log10().floor() as i32 + 1),
        _ => 0,
    };
    (d.max(0) as usize).clamp(lo, hi)
}

/// A duration in milliseconds with microsecond resolution.
pub fn ms(d: SimDuration) -> String {
    fixed(d.as_millis_f64(), 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_fixed_and_trimmed() {
        assert_eq!(fixed(2000.0, 3), "2000");
        assert_eq!(fixed(1999.5, 3), "1999.5");
        assert_eq!(fixed(0.123456, 4), "0.1235");
        assert_eq!(fixed(-0.0000001, 3), "0");
        assert_eq!(ms(SimDuration(12_345_678)), "12.346");
        assert_eq!(fixed(0.05, 3), "0.05");
        assert_eq!(fixed(-2.5, 3), "-2.5");
        assert_eq!(fixed(1.0005, 3), "1.001");
        assert_eq!(fixed(7.000_4, 3), "7");
        assert_eq!(fixed(1e20, 3), "100000000000000000000");
        assert_eq!(grouped_fixed(1234567.891, 2), "1,234,567.89");
        assert_eq!(grouped_fixed(999.0, 1), "999.0");
        assert_eq!(grouped_fixed(-1234.5, 0), "-1,235");
        assert_eq!(grouped_fixed(120.5, 0), "121");
        assert_eq!(grouped_fixed(2.0, 3), "2.000");
        assert_eq!(grouped_fixed(-0.0001, 2), "0.00");
        assert_eq!(percent(0.020641, 2), "2.06%");
        assert_eq!(percent(0.0, 2), "0.00%");
        assert_eq!(percent(0.00001, 2), "<0.01%");
        assert_eq!(significant_decimals(Some(4.653), 3, 0, 3), 2);
        assert_eq!(significant_decimals(Some(166.9), 3, 0, 3), 0);
        assert_eq!(significant_decimals(Some(0.0033), 3, 2, 4), 4);
        assert_eq!(significant_decimals(None, 3, 1, 3), 1);
        // Same digits as the float formatter wherever it is not on a tie.
        for i in 0..10_000 {
            let x = i as f64 * 0.7919 + 0.00013;
            let f = format!("{x:.3}");
            let f = f.trim_end_matches('0').trim_end_matches('.');
            assert_eq!(fixed(x, 3), f, "{x}");
        }
    }
}
