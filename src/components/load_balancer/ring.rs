//! `consistent_hash`'s ring: each instance placed at [`VNODES`] points of a
//! 64-bit circle (Envoy's `ring_hash` and libketama place 100 to 160 per
//! host); a key goes to the first point at or after its hash, walking on
//! past instances that take no traffic. Removing an instance moves only
//! the keys of its own arcs, a share of about 1/n of them.

/// Points per instance. The share of the circle one instance owns is a sum
/// of `VNODES` arcs: its relative standard deviation is about
/// `1/sqrt(VNODES)`, 7.9% here (what the remap test's tolerance rests on).
pub const VNODES: u32 = 160;

/// A hash ring over the instances of a pool, built once at assembly.
#[derive(Clone, Debug)]
pub struct Ring {
    /// Points in increasing hash order, each with its instance.
    points: Vec<(u64, u32)>,
}

/// SplitMix64's finaliser: a bijective mix with full avalanche, so that
/// nearby keys (0, 1, 2, ...) land far apart on the circle.
#[inline]
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl Ring {
    /// The ring of `instances` instances with [`VNODES`] points each.
    pub fn new(instances: u32) -> Ring {
        let mut points = Vec::with_capacity((instances * VNODES) as usize);
        for i in 0..instances {
            for v in 0..VNODES {
                // A salt apart from the keys' own hashing (keys are mixed
                // plain), so that a point never coincides with a key by
                // construction.
                let h = mix(((i as u64) << 32 | v as u64) ^ 0x5EED_0FC0_FFEE);
                points.push((h, i));
            }
        }
        points.sort_unstable();
        Ring { points }
    }

    /// The instance a value hashed to `h` goes to: the first point at or
    /// after `h` (around the circle) whose instance is not `out`; `None`
    /// when every instance is out.
    #[inline]
    pub fn owner(&self, h: u64, out: impl Fn(usize) -> bool) -> Option<usize> {
        let n = self.points.len();
        if n == 0 {
            return None;
        }
        let start = self.points.partition_point(|p| p.0 < h) % n;
        for k in 0..n {
            let i = self.points[(start + k) % n].1 as usize;
            if !out(i) {
                return Some(i);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_instance_owns_about_its_share_of_the_circle() {
        let n = 8;
        let ring = Ring::new(n);
        let mut counts = vec![0u32; n as usize];
        let keys = 80_000u64;
        for k in 0..keys {
            counts[ring.owner(mix(k), |_| false).unwrap()] += 1;
        }
        // 1/n +/- 4 relative sd of an arc sum (1/sqrt(160)) plus key noise.
        for c in counts {
            let share = c as f64 / keys as f64;
            assert!(
                (share - 0.125).abs() < 0.125 * 4.0 / (VNODES as f64).sqrt(),
                "{share}"
            );
        }
    }

    #[test]
    fn an_instance_out_moves_only_its_own_keys() {
        let ring = Ring::new(5);
        for k in 0..10_000u64 {
            let h = mix(k);
            let before = ring.owner(h, |_| false).unwrap();
            let after = ring.owner(h, |i| i == 2).unwrap();
            assert!(before == after || before == 2);
            assert_ne!(after, 2);
        }
        assert_eq!(ring.owner(1, |_| true), None);
    }
}
