//! Sums of probabilities held as natural logarithms.
//!
//! Probabilities of zero are held as `-inf`. [`log_sum_exp`] returns `-inf` for a sum of
//! zeros instead of the `-inf - (-inf) = NaN` that a plain max-shift would produce.

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
        assert_eq!(log_sum_exp(&[minus_inf, minus_inf]), minus_inf);
        assert_eq!(log_sum_exp(&[]), minus_inf);
        assert_eq!(log_sum_exp(&[minus_inf, 0.5]), 0.5);
    }
}
