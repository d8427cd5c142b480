//! The hazard of the switch-time prior.
//!
//! # Formula
//!
//! Switch times `Z` have prior `pi_T(t) = 1/(t(t+1))` on `t = 1, 2, ...`, with tail
//! `P(Z >= t) = 1/t`. A switch at time `t` means that the new model predicts observation
//! `t + 1` onwards. The hazard, the probability of a switch right after observation `t`
//! given that none came before, is
//!
//! ```text
//! h(t) = P(Z = t | Z >= t) = pi_T(t) / P(Z >= t) = 1/(t+1).
//! ```
//!
//! The forward recursion equals the sum over switch sequences only with this hazard; the
//! off-by-one `1/(t+2)` gives different numbers (van Erven, Grünwald, de Rooij, NIPS 2007,
//! Algorithm 1; Alrao paper, Appendix A).

use num_bigint::BigInt;
use num_rational::BigRational;

/// A hazard for the exact switch: `t` (the 1-based index of the observation just
/// processed) to the probability of a switch after it.
pub type ExactHazard = fn(u64) -> BigRational;

/// The switch hazard `h(t) = 1/(t+1)`, exactly.
///
/// # Example
///
/// ```
/// use alrao::averaging::switch_hazard;
/// use num_rational::BigRational;
///
/// assert_eq!(switch_hazard(1), BigRational::new(1.into(), 2.into()));
/// ```
pub fn switch_hazard(t: u64) -> BigRational {
    BigRational::new(BigInt::from(1), BigInt::from(t) + 1)
}

/// `(h(t), 1 - h(t)) = (1/(t+1), t/(t+1))` in f64, each correctly rounded.
pub(crate) fn switch_hazard_f64(t: u64) -> (f64, f64) {
    let t = t as f64;
    (1.0 / (t + 1.0), t / (t + 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_traits::ToPrimitive;

    /// The f64 hazard is the exact one rounded to nearest: `h(1) = 1/2`, `h(9) = 1/10`,
    /// and `h(10^6)`, checked against the rational value.
    #[test]
    fn f64_hazard_matches_exact_hazard() {
        for t in [1u64, 9, 1_000_000] {
            let (h, stay) = switch_hazard_f64(t);
            let exact = switch_hazard(t);
            assert_eq!(h, exact.to_f64().unwrap());
            let one = BigRational::from_integer(BigInt::from(1));
            assert_eq!(stay, (one - exact).to_f64().unwrap());
        }
    }
}
