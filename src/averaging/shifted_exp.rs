//! `exp` on `[-inf, 0]`, written so that a loop over models vectorises.
//!
//! Every linear-space update (the switch, fixed share) multiplies each model's weight by
//! `exp(ln p_k - s)`, where the shift `s` is the largest weighted log-likelihood, so the
//! argument is never positive. The system `exp` is a call per model that the compiler cannot
//! vectorise; at `K = 10` the ten calls were most of the update's cost. This one has no call
//! and no data-dependent branch.
//!
//! # Formula
//!
//! For `x` in `[X_MIN, 0]`, with `n = round(x / ln 2)` and `r = x - n ln 2` (so that
//! `|r| <= ln(2)/2`):
//!
//! ```text
//! exp(x) = 2^n exp(r),   exp(r) ~ sum_{i=0}^{13} r^i / i!
//! ```
//!
//! - `n` is found without a float-to-integer conversion: adding `1.5 * 2^52` to `x / ln 2`
//!   rounds it to an integer held in the low bits of the sum.
//! - `n ln 2` is subtracted in two parts (Cody and Waite): `LN2_HI` has its low 32 bits of
//!   mantissa zero, so `n * LN2_HI` is exact for `|n| < 2^20`.
//! - The Taylor remainder is below `(ln(2)/2)^14 / 14! < 4.2e-18`, under a fortieth of an
//!   ulp of the result, so the error is that of the Horner evaluation and the final product,
//!   a few ulps; `tests` hold it to 4 ulps against the system `exp` over the whole range.
//! - `2^n` is built from its bits, and is a normal number because `n >= -1022`.
//!
//! Below `X_MIN = -708.39` the result is 0, where the system `exp` would still give a
//! subnormal: a weight that small relative to the largest one (`e^-708 ~ 3e-308`) is below
//! the linear-space floor that the switch already documents.

/// Below this, `exp(x)` is returned as 0; `exp(X_MIN) ~ 2.3e-308` is just above the smallest
/// normal f64, so `2^n` never needs a subnormal.
pub(crate) const X_MIN: f64 = -708.39;

/// `1.5 * 2^52`: adding it rounds a float of magnitude below `2^51` to an integer, held in
/// the low mantissa bits.
const ROUNDER: f64 = 6_755_399_441_055_744.0;
/// `ln 2` with the low 32 bits of the mantissa cleared, and the rest.
const LN2_HI: f64 = f64::from_bits(std::f64::consts::LN_2.to_bits() & !0xffff_ffff);
const LN2_LO: f64 = 4.749_325_039_031_672_6e-7;

/// The length `shifted_likelihoods` pads to a multiple of: one AVX2 vector of four f64.
const PADDING: usize = 4;

/// `1/i!` for `i = 0..=13`, the Taylor coefficients of `exp` at 0.
const INV_FACTORIALS: [f64; 14] = inverse_factorials();

const fn inverse_factorials() -> [f64; 14] {
    let mut out = [0.0; 14];
    let mut factorial = 1.0f64;
    let mut i = 0;
    while i < 14 {
        if i > 0 {
            factorial *= i as f64;
        }
        // every i! up to 13! is an integer below 2^53, so each quotient is correctly rounded
        out[i] = 1.0 / factorial;
        i += 1;
    }
    out
}

/// Fills `factors` with `exp(ln p_k - shift)` for each model, in `[0, 1]`.
///
/// The argument is clamped at 0 from above: only a model without weight can have a
/// log-likelihood above the shift (the largest weighted one), and its weight must be
/// multiplied by a finite factor, so that it stays 0 rather than become `0 * inf`.
pub(crate) fn shifted_likelihoods(factors: &mut Vec<f64>, log_likelihoods: &[f64], shift: f64) {
    factors.clear();
    factors.extend(log_likelihoods.iter().map(|&x| (x - shift).min(0.0)));
    // padded with zeros to whole vectors, so that no model falls to the scalar remainder
    // loop; callers zip with their weights and never see the padding
    factors.resize(log_likelihoods.len().next_multiple_of(PADDING), 0.0);
    exp_nonpositive_in_place(factors);
}

/// Replaces each `x` of `xs` by `exp_nonpositive(x)`.
///
/// On x86-64 processors with AVX2 the loop is compiled for 4-wide vectors (chosen at run
/// time); elsewhere for the baseline 2-wide ones. Both run the same IEEE operations in the
/// same order, without fused multiply-adds, so the results are bit-identical on every
/// machine.
pub(crate) fn exp_nonpositive_in_place(xs: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has just been found to support AVX2, the only feature the
        // function is compiled for.
        unsafe { exp_in_place_avx2(xs) };
        return;
    }
    exp_in_place(xs);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn exp_in_place_avx2(xs: &mut [f64]) {
    exp_in_place(xs);
}

#[inline(always)]
fn exp_in_place(xs: &mut [f64]) {
    for x in xs {
        *x = exp_nonpositive(*x);
    }
}

/// `exp(x)` for `x <= 0` (and `-inf`), `0` below [`X_MIN`]; within 4 ulps of the system
/// `exp` elsewhere. Not for positive or NaN `x`: the caller guarantees neither occurs.
#[inline(always)]
pub(crate) fn exp_nonpositive(x: f64) -> f64 {
    let clamped = x.max(X_MIN);
    let rounded = clamped * std::f64::consts::LOG2_E + ROUNDER;
    let n_float = rounded - ROUNDER;
    // two's complement low bits of the rounded sum: n itself, in [-1022, 0]
    let n = (rounded.to_bits() as i64).wrapping_sub(ROUNDER.to_bits() as i64);
    let r = (clamped - n_float * LN2_HI) - n_float * LN2_LO;
    let c = &INV_FACTORIALS;
    // Estrin's scheme: four independent chains instead of one of thirteen multiply-adds
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let p01 = c[0] + c[1] * r;
    let p23 = c[2] + c[3] * r;
    let p45 = c[4] + c[5] * r;
    let p67 = c[6] + c[7] * r;
    let p89 = c[8] + c[9] * r;
    let p1011 = c[10] + c[11] * r;
    let p1213 = c[12] + c[13] * r;
    let low = (p01 + p23 * r2) + (p45 + p67 * r2) * r4;
    let high = (p89 + p1011 * r2) + p1213 * r4;
    let p = low + high * r8;
    let scale = f64::from_bits(((n + 1023) as u64) << 52);
    if x < X_MIN {
        0.0
    } else {
        p * scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two positive finite floats.
    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    /// Within 4 ulps of the system `exp` at a million points spread over `[X_MIN, 0]`,
    /// at the integer multiples of `ln 2` where the range reduction switches `n`, and at
    /// both ends.
    #[test]
    fn agrees_with_system_exp_within_four_ulps() {
        let mut points: Vec<f64> = (0..=1_000_000)
            .map(|i| X_MIN * i as f64 / 1_000_000.0)
            .collect();
        for n in 0..1022 {
            let edge = -(n as f64) * std::f64::consts::LN_2;
            points.extend([edge, edge - 0.5 * std::f64::consts::LN_2, edge.next_down()]);
        }
        points.extend([0.0, -0.0, -1e-300, -f64::MIN_POSITIVE, X_MIN]);
        let mut worst = (0, 0.0);
        for &x in &points {
            let (ours, system) = (exp_nonpositive(x), x.exp());
            let d = ulps(ours, system);
            if d > worst.0 {
                worst = (d, x);
            }
        }
        assert!(worst.0 <= 4, "{} ulps at x = {:e}", worst.0, worst.1);
        // the slice version, vectorised, gives the same bits as the scalar one
        let mut vectorised = points.clone();
        exp_nonpositive_in_place(&mut vectorised);
        for (x, v) in points.iter().zip(&vectorised) {
            assert_eq!(v.to_bits(), exp_nonpositive(*x).to_bits(), "x = {x:e}");
        }
    }

    /// The two parts of `ln 2` add up to it, and the high part has 21 significant bits, so
    /// that `n * LN2_HI` is exact for every `n` the reduction uses.
    #[test]
    fn ln2_split_is_exact_enough() {
        assert_eq!(LN2_HI, 0.693_146_705_627_441_4);
        assert_eq!(LN2_HI + LN2_LO, std::f64::consts::LN_2);
        assert_eq!(LN2_HI.to_bits() & 0xffff_ffff, 0);
    }

    /// `exp(0) = 1` exactly (the shifted update gives the largest model exactly its weight),
    /// and everything below `X_MIN`, `-inf` included, is exactly 0, never NaN.
    #[test]
    fn exact_at_zero_and_zero_below_the_range() {
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(exp_nonpositive(-0.0), 1.0);
        for x in [X_MIN.next_down(), -709.0, -1e5, f64::MIN, f64::NEG_INFINITY] {
            assert_eq!(exp_nonpositive(x), 0.0, "x = {x}");
        }
    }
}
