//! Which shard holds a key: hash, range or consistent-hash partitioning,
//! compiled once into a lookup that the hot loop calls per request.

use crate::model::keys::key_hash;

/// Salt offset of the consistent-hash ring points, so that a ring point never
/// shares a hash with the key of the same number.
const RING_SALT: u64 = 0x5851_F42D_4C95_7F2D;

/// How a database spreads keys over shards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Partition {
    /// `key_hash(key, salt)` scaled to the shard count: even, but going from
    /// `n` to `n + 1` shards moves half the keys, between old shards too.
    Hash,
    /// The key space `[0, key_space)` cut into equal contiguous ranges, so the
    /// popular low keys of a Zipf or hotspot all land on shard 0.
    Range {
        /// Size of the key space; keys at or past it go to the last shard.
        key_space: u64,
    },
    /// A ring of `vnodes` points per shard: adding a shard moves only the keys
    /// the new shard takes.
    ConsistentHash {
        /// Points per shard on the ring (>= 1).
        vnodes: u32,
    },
}

/// The compiled lookup: O(1) for hash and range, O(log(shards * vnodes)) for
/// consistent hashing.
#[derive(Clone, Debug)]
pub struct Partitioner {
    /// Number of shards (>= 1).
    shards: u32,
    /// Salt of the key hash.
    salt: u64,
    /// The scheme's own data.
    lookup: Lookup,
}

/// A partition scheme's lookup data.
#[derive(Clone, Debug)]
enum Lookup {
    /// Multiply-high reduction of the key hash.
    Hash,
    /// `key * shards / key_space`.
    Range {
        /// Size of the key space.
        key_space: u64,
    },
    /// The ring. Two arrays rather than pairs so the binary search touches
    /// half the memory.
    Ring {
        /// Ring points, ascending.
        points: Box<[u64]>,
        /// `owners[i]` is the shard of `points[i]`.
        owners: Box<[u32]>,
    },
}

impl Partitioner {
    /// Builds the lookup for `shards` (>= 1) shards under `salt`.
    pub fn new(partition: &Partition, shards: u32, salt: u64) -> Partitioner {
        debug_assert!(shards >= 1, "a database needs a shard");
        let lookup = match partition {
            Partition::Hash => Lookup::Hash,
            Partition::Range { key_space } => {
                debug_assert!(*key_space >= 1, "a key space needs a key");
                Lookup::Range {
                    key_space: *key_space,
                }
            }
            Partition::ConsistentHash { vnodes } => {
                debug_assert!(*vnodes >= 1, "a shard needs a point on the ring");
                let mut ring: Vec<(u64, u32)> =
                    Vec::with_capacity(shards as usize * *vnodes as usize);
                for shard in 0..shards {
                    for v in 0..*vnodes {
                        let id = ((shard as u64) << 32) | v as u64;
                        ring.push((key_hash(id, salt ^ RING_SALT), shard));
                    }
                }
                // Sorting on (point, shard) breaks a 2^-64 tie the same way
                // on every machine.
                ring.sort_unstable();
                Lookup::Ring {
                    points: ring.iter().map(|&(p, _)| p).collect(),
                    owners: ring.iter().map(|&(_, s)| s).collect(),
                }
            }
        };
        Partitioner {
            shards,
            salt,
            lookup,
        }
    }

    /// The shard that holds `key`, in `0..shards`.
    #[inline]
    pub fn shard_of(&self, key: u64) -> u32 {
        match &self.lookup {
            Lookup::Hash => {
                // Multiply-high: the hash's top bits scaled to the shard
                // count, without a division (bias below shards / 2^64).
                let h = key_hash(key, self.salt);
                ((h as u128 * self.shards as u128) >> 64) as u32
            }
            Lookup::Range { key_space } => {
                if key >= *key_space {
                    self.shards - 1
                } else {
                    // u128: key * shards overflows u64 for big key spaces.
                    (key as u128 * self.shards as u128 / *key_space as u128) as u32
                }
            }
            Lookup::Ring { points, owners } => {
                let h = key_hash(key, self.salt);
                // The first point at or after the key's hash, wrapping past
                // the top of the ring to the first point.
                let i = points.partition_point(|&p| p < h);
                owners[if i == points.len() { 0 } else { i }]
            }
        }
    }

    /// Number of shards.
    pub fn shards(&self) -> u32 {
        self.shards
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Stream;

    /// Pearson's chi-square statistic of `counts` against equal cells.
    fn chi_square_uniform(counts: &[u64]) -> f64 {
        let total: u64 = counts.iter().sum();
        let expected = total as f64 / counts.len() as f64;
        counts
            .iter()
            .map(|&c| (c as f64 - expected).powi(2) / expected)
            .sum()
    }

    /// Share of the 64-bit ring each shard owns: the arcs that end at its
    /// points (a key goes to the first point at or after its hash).
    fn arc_shares(p: &Partitioner) -> Vec<f64> {
        let Lookup::Ring { points, owners } = &p.lookup else {
            panic!("not a ring");
        };
        let mut shares = vec![0.0; p.shards as usize];
        for i in 0..points.len() {
            let prev = if i == 0 {
                points[points.len() - 1]
            } else {
                points[i - 1]
            };
            let arc = points[i].wrapping_sub(prev);
            shares[owners[i] as usize] += arc as f64 / 2f64.powi(64);
        }
        shares
    }

    #[test]
    fn hash_spreads_keys_evenly() {
        let p = Partitioner::new(&Partition::Hash, 10, 77);
        assert_eq!(p.shards(), 10);
        // Random keys from a big space, then sequential keys.
        let mut stream = Stream::new(3, "db", "keys");
        let mut random = [0u64; 10];
        let mut sequential = [0u64; 10];
        for key in 0..1_000_000u64 {
            random[p.shard_of(stream.index(1 << 40) as u64) as usize] += 1;
            sequential[p.shard_of(key) as usize] += 1;
        }
        let (chi_r, chi_s) = (chi_square_uniform(&random), chi_square_uniform(&sequential));
        eprintln!(
            "hash 10 shards: chi-square random keys {chi_r:.2}, sequential keys {chi_s:.2} on 9 df"
        );
        eprintln!("  sequential counts {sequential:?}");
        // Chi-square(9) at 1e-6 per side: 0.228..44.81 (too even would mean
        // the hash passes key order through).
        for chi2 in [chi_r, chi_s] {
            assert!(chi2 > 0.228 && chi2 < 44.81, "{random:?} {sequential:?}");
        }
        // The documented formula: multiply-high of key_hash.
        for key in [0u64, 1, 12_345, u64::MAX] {
            let want = ((key_hash(key, 77) as u128 * 10) >> 64) as u32;
            assert_eq!(p.shard_of(key), want);
        }
    }

    #[test]
    fn range_boundaries_are_exact() {
        let p = Partitioner::new(&Partition::Range { key_space: 1000 }, 3, 0);
        // Shard i starts at ceil(i * 1000 / 3): 334 and 667.
        let cases = [
            (0, 0),
            (333, 0),
            (334, 1),
            (666, 1),
            (667, 2),
            (999, 2),
            (1000, 2),
            (u64::MAX, 2),
        ];
        for (key, shard) in cases {
            assert_eq!(p.shard_of(key), shard, "key {key}");
        }
        let even = Partitioner::new(&Partition::Range { key_space: 10 }, 5, 0);
        let got: Vec<u32> = (0..12).map(|k| even.shard_of(k)).collect();
        assert_eq!(got, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4, 4]);
        // A big key space: each shard's first key is ceil(i K / S), and the
        // shards differ in size by at most one key.
        let (space, shards) = (1_000_000_000_007u64, 7u32);
        let big = Partitioner::new(&Partition::Range { key_space: space }, shards, 0);
        let mut sizes = Vec::new();
        let mut prev_start = 0u64;
        for i in 1..=shards as u64 {
            let start = (i as u128 * space as u128).div_ceil(shards as u128) as u64;
            if i < shards as u64 {
                assert_eq!(big.shard_of(start - 1), i as u32 - 1, "before shard {i}");
                assert_eq!(big.shard_of(start), i as u32, "start of shard {i}");
            }
            sizes.push(start - prev_start);
            prev_start = start;
        }
        eprintln!("range 1e12+7 over 7 shards: sizes {sizes:?}");
        assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
        // No overflow at the top of the u64 and u32 ranges.
        let huge = Partitioner::new(
            &Partition::Range {
                key_space: u64::MAX,
            },
            u32::MAX,
            0,
        );
        assert_eq!(huge.shard_of(u64::MAX - 1), u32::MAX - 1);
        assert_eq!(huge.shard_of(0), 0);
    }

    #[test]
    fn range_puts_popular_keys_on_shard_zero() {
        use crate::model::keys::KeyDist;
        // The hot-range problem, on purpose: Zipf's head is all on shard 0.
        let keys = KeyDist::zipf(1_000_000, 1.0);
        let p = Partitioner::new(
            &Partition::Range {
                key_space: 1_000_000,
            },
            4,
            0,
        );
        let mut stream = Stream::new(4, "db", "keys");
        let mut counts = [0u64; 4];
        for _ in 0..100_000 {
            counts[p.shard_of(keys.sample(&mut stream)) as usize] += 1;
        }
        let expected = keys.top_mass(250_000);
        eprintln!(
            "range with zipf(1e6, 1): shard 0 gets {:.3} (expected {expected:.3})",
            counts[0] as f64 / 1e5
        );
        // Binomial(1e5, 0.9): sd 0.00095; 4.5 sd = 0.0043.
        assert!(
            (counts[0] as f64 / 1e5 - expected).abs() < 0.0043,
            "{counts:?}"
        );
    }

    #[test]
    fn consistent_hash_shares_are_balanced() {
        // With salt 0 every shard is within 15% of even; that is this ring's
        // luck, not a guarantee: a quarter of salts put a shard outside (see
        // consistent_hash_spread_matches_theory).
        let p = Partitioner::new(&Partition::ConsistentHash { vnodes: 100 }, 4, 0);
        let shares = arc_shares(&p);
        let mut counts = [0u64; 4];
        let mut stream = Stream::new(5, "db", "keys");
        let draws = 1_000_000u64;
        for _ in 0..draws {
            let shard = p.shard_of(stream.index(1 << 50) as u64);
            assert!(shard < 4);
            counts[shard as usize] += 1;
        }
        for (s, &c) in counts.iter().enumerate() {
            let measured = c as f64 / draws as f64;
            let expected = shares[s];
            eprintln!(
                "ring vnodes=100 shard {s}: keys {measured:.4}, arc {expected:.4}, vs even {:+.1}%",
                (measured / 0.25 - 1.0) * 100.0
            );
            // Keys follow the arcs: binomial sd < 0.0005, 4.5 sd = 0.0023.
            assert!((measured - expected).abs() < 0.0023);
            assert!(
                (measured / 0.25 - 1.0).abs() < 0.15,
                "shard {s}: {measured}"
            );
        }
        // Same inputs, same ring; another salt, another ring.
        let again = Partitioner::new(&Partition::ConsistentHash { vnodes: 100 }, 4, 0);
        let other = Partitioner::new(&Partition::ConsistentHash { vnodes: 100 }, 4, 1);
        let differ = (0..1000u64)
            .filter(|&k| p.shard_of(k) != other.shard_of(k))
            .count();
        assert!((0..1000u64).all(|k| p.shard_of(k) == again.shard_of(k)));
        // Two unrelated rings agree on a key 1/4 of the time: ~750 differ.
        assert!(differ > 600, "{differ}");
    }

    #[test]
    fn ring_lookup_matches_brute_force_and_wraps() {
        // The definition, by linear scan: the owner of the smallest point at
        // or after the key's hash, else of the smallest point of all.
        let (shards, vnodes, salt) = (5u32, 7u32, 21u64);
        let p = Partitioner::new(&Partition::ConsistentHash { vnodes }, shards, salt);
        let mut ring = Vec::new();
        for shard in 0..shards {
            for v in 0..vnodes {
                let id = ((shard as u64) << 32) | v as u64;
                ring.push((key_hash(id, salt ^ RING_SALT), shard));
            }
        }
        let brute = |key: u64| {
            let h = key_hash(key, salt);
            let after = ring.iter().filter(|&&(pt, _)| pt >= h).min();
            after.or_else(|| ring.iter().min()).unwrap().1
        };
        let top = ring.iter().max().unwrap().0;
        let mut wrapped = 0;
        for key in 0..100_000u64 {
            assert_eq!(p.shard_of(key), brute(key), "key {key}");
            wrapped += (key_hash(key, salt) > top) as u32;
        }
        // The arc past the top point is 1/36 of the ring on average: some
        // thousands of the keys must take the wrap-around.
        eprintln!("ring 5x7: {wrapped} of 100000 keys hash past the top point");
        assert!(wrapped > 100);
    }

    #[test]
    fn consistent_hash_spread_matches_theory() {
        // 4 shards x 100 uniform points: a shard's share is Beta(100, 300),
        // sd sqrt(0.25 * 0.75 / 401) = 0.02162, 8.65% of the even share.
        // Over 1000 salts (4000 shares) the measured sd is within 5% of it
        // (its own relative sd is ~1.3%); a badly mixed ring would not be.
        let mut sum_sq = 0.0;
        let mut outside = 0u32;
        for salt in 0..1000u64 {
            let p = Partitioner::new(&Partition::ConsistentHash { vnodes: 100 }, 4, salt);
            let shares = arc_shares(&p);
            for s in &shares {
                sum_sq += (s - 0.25).powi(2);
            }
            outside += shares.iter().any(|s| (s / 0.25 - 1.0).abs() > 0.15) as u32;
        }
        let sd = (sum_sq / 4000.0).sqrt();
        let theory = (0.25f64 * 0.75 / 401.0).sqrt();
        eprintln!(
            "ring 4x100 over 1000 salts: share sd {sd:.5} (theory {theory:.5}); salts with a shard outside +-15%: {outside}"
        );
        assert!((sd / theory - 1.0).abs() < 0.05, "{sd} vs {theory}");
    }

    #[test]
    fn adding_a_shard_moves_keys_only_to_it() {
        let part = Partition::ConsistentHash { vnodes: 100 };
        let old = Partitioner::new(&part, 4, 9);
        let new = Partitioner::new(&part, 5, 9);
        let new_share = arc_shares(&new)[4];
        let mut moved = 0u64;
        let keys = 100_000u64;
        for key in 0..keys {
            let (a, b) = (old.shard_of(key), new.shard_of(key));
            if a != b {
                assert_eq!(b, 4, "key {key} moved from shard {a} to old shard {b}");
                moved += 1;
            }
        }
        let frac = moved as f64 / keys as f64;
        eprintln!("adding shard 4 of 5: moved {frac:.4} of keys, its arc {new_share:.4}, even 0.2");
        // Binomial(1e5, ~0.2): sd 0.0013, 4.5 sd = 0.006.
        assert!((frac - new_share).abs() < 0.006);
        // Hash partitioning moves keys between old shards too: with the
        // multiply-high reduction floor(4x) != floor(5x) for half of x in
        // [0, 1) (modulo would move 4/5). Binomial(1e5, 0.5): 4.5 sd = 0.0072.
        let (h4, h5) = (
            Partitioner::new(&Partition::Hash, 4, 9),
            Partitioner::new(&Partition::Hash, 5, 9),
        );
        let hash_moved = (0..keys)
            .filter(|&k| h4.shard_of(k) != h5.shard_of(k))
            .count();
        let hash_frac = hash_moved as f64 / keys as f64;
        eprintln!("hash 4 -> 5 shards: moved {hash_frac:.4} of keys (expected 0.5)");
        assert!((hash_frac - 0.5).abs() < 0.0072);
    }

    #[test]
    fn one_shard_takes_everything() {
        for part in [
            Partition::Hash,
            Partition::Range { key_space: 100 },
            Partition::ConsistentHash { vnodes: 3 },
        ] {
            let p = Partitioner::new(&part, 1, 5);
            assert!(
                (0..1000u64).chain([u64::MAX]).all(|k| p.shard_of(k) == 0),
                "{part:?}"
            );
        }
    }
}
