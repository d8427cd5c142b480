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

/// `(ln h(t), ln(1 - h(t)))` for `h(t) = 1/(t+1)`, as `(-ln(t+1), -ln(1 + 1/t))`.
pub(crate) fn log_switch_hazard(t: u64) -> (f64, f64) {
    let t = t as f64;
    (-t.ln_1p(), -(1.0 / t).ln_1p())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The f64 hazard is the logarithm of the exact one: `h(1) = 1/2`, `h(9) = 1/10`.
    #[test]
    fn log_hazard_matches_exact_hazard() {
        let (log_h, log_stay) = log_switch_hazard(1);
        assert!((log_h - 0.5f64.ln()).abs() < 1e-15);
        assert!((log_stay - 0.5f64.ln()).abs() < 1e-15);
        let (log_h, log_stay) = log_switch_hazard(9);
        assert!((log_h - 0.1f64.ln()).abs() < 1e-15);
        assert!((log_stay - 0.9f64.ln()).abs() < 1e-15);
    }
}
