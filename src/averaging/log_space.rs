//! Sums of probabilities held as natural logarithms.
//!
//! Probabilities of zero are held as `-inf`. Both functions return `-inf` for a sum of
//! zeros instead of the `-inf - (-inf) = NaN` that a plain max-shift would produce.

/// `ln(e^a + e^b)`, exact for `-inf` arguments.
pub(crate) fn log_add_exp(a: f64, b: f64) -> f64 {
    let (high, low) = if a >= b { (a, b) } else { (b, a) };
    if low == f64::NEG_INFINITY {
        return high;
    }
    high + (low - high).exp().ln_1p()
}

/// `ln(sum_i e^(x_i))`, shifted by the largest term; `-inf` when every term is `-inf` or
/// there is none.
pub(crate) fn log_sum_exp<'a>(terms: impl IntoIterator<Item = &'a f64> + Clone) -> f64 {
    let max = terms
        .clone()
        .into_iter()
        .fold(f64::NEG_INFINITY, |m, &x| m.max(x));
    if max == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    let shifted: f64 = terms.into_iter().map(|&x| (x - max).exp()).sum();
    max + shifted.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sums that involve zero probabilities stay exact and never become NaN.
    #[test]
    fn zero_probabilities_give_no_nan() {
        let minus_inf = f64::NEG_INFINITY;
        assert_eq!(log_add_exp(minus_inf, minus_inf), minus_inf);
        assert_eq!(log_add_exp(minus_inf, -2.0), -2.0);
        assert_eq!(log_sum_exp(&[minus_inf, minus_inf]), minus_inf);
        assert_eq!(log_sum_exp(&[]), minus_inf);
        assert_eq!(log_sum_exp(&[minus_inf, 0.5]), 0.5);
    }
}
