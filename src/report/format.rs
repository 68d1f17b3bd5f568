//! Numbers as every output prints them: fixed decimals with trailing zeros
//! trimmed, so that the same run always prints the same bytes. Shared by the
//! CSV files, the terminal and the planning commands.

use crate::engine::SimDuration;

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
        // Same digits as the float formatter wherever it is not on a tie.
        for i in 0..10_000 {
            let x = i as f64 * 0.7919 + 0.00013;
            let f = format!("{x:.3}");
            let f = f.trim_end_matches('0').trim_end_matches('.');
            assert_eq!(fixed(x, 3), f, "{x}");
        }
    }
}
