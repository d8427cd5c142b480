//! Logistic regression with a ridge term: the convex loss of Theorem 1.
//!
//! # Formula
//!
//! Features `x_i` (N rows, D columns) get a constant 1 appended, `x~_i` in `R^P` with
//! `P = D + 1`, so the intercept is one more weight. With `C` classes:
//!
//! - `C = 2`, the sigmoid link: `theta` in `R^P`, `z_i = x~_i . theta`,
//!   `ell_i(theta) = ln(1 + e^z_i) - y_i z_i` with `y_i` in `{0, 1}` (label 1 is the second
//!   class);
//! - `C > 2`, the softmax link: `theta` is a `C x P` matrix, `z_i = theta x~_i`,
//!   `ell_i(theta) = ln sum_c e^(z_ic) - z_(i y_i)`.
//!
//! `ell_i = -ln p_theta(y_i | x_i)` in nats. With the ridge coefficient `r >= 0`, every
//! sample's loss carries the penalty, `ell~_i(theta) = ell_i(theta) + (r/2) |theta|^2`
//! (the intercept is penalised too, so that `r` is a strong-convexity constant of the whole
//! loss), and
//!
//! ```text
//! L(theta)      = (1/N) sum_i ell~_i(theta)
//! grad L(theta) = (1/N) sum_i (p_theta(. | x_i) - onehot(y_i)) x~_i^T + r theta
//! ```
//!
//! # Smoothness (the lambda of Theorem 1)
//!
//! The Hessian is `(1/N) X~^T diag(s) X~ + r I` with `s_i = sigma(z_i)(1 - sigma(z_i)) <= 1/4`
//! for the sigmoid link, and `(1/N) sum_i (diag(p_i) - p_i p_i^T) (x) x~_i x~_i^T + r I` for
//! the softmax, where `diag(p) - p p^T <= I/2` (Böhning 1992). So
//!
//! ```text
//! lambda = lambda_max(X~^T X~) / (4N) + r    (two classes)
//! lambda = lambda_max(X~^T X~) / (2N) + r    (C > 2 classes)
//! ```
//!
//! bounds the Hessian everywhere ([`LogisticProblem::smoothness`]).

use nalgebra::{DMatrix, SymmetricEigen};

use super::error::TestbedError;

/// How the scores become class probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Two classes, one weight vector: `p(y = 1 | x) = sigma(x~ . theta)`.
    Sigmoid,
    /// `C > 2` classes, one weight vector per class: `p(y = c | x) = softmax(theta x~)_c`.
    Softmax,
}

/// A logistic-regression problem: features with the intercept column, labels, link and
/// ridge coefficient. Parameters of `K` copies are stacked as a `(K C') x P` matrix, where
/// `C' = 1` for the sigmoid link and `C' = C` for the softmax: rows `j C' .. (j+1) C'` are
/// copy `j`.
#[derive(Debug, Clone)]
pub struct LogisticProblem {
    /// `X~`, `N x P`, the last column all ones.
    design: DMatrix<f64>,
    /// `N x C'`: the label (0 or 1) for the sigmoid link, one-hot rows for the softmax.
    targets: DMatrix<f64>,
    labels: Vec<usize>,
    n_classes: usize,
    link: Link,
    ridge: f64,
}

/// The losses and gradients of `K` stacked copies at their current parameters.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// `ell~_ij`, `N x K`: the penalised loss of sample `i` under copy `j`, in nats; `+inf`
    /// where the copy's parameters are no longer finite.
    pub sample_losses: DMatrix<f64>,
    /// `L(theta_j) = (1/N) sum_i ell~_ij`, one per copy; `+inf` for a diverged copy.
    pub losses: Vec<f64>,
    /// `grad L(theta_j)`, stacked like the parameters.
    pub gradient: DMatrix<f64>,
}

impl LogisticProblem {
    /// A problem from `features` (`N x D`, already standardised if wanted), `labels` in
    /// `0..n_classes`, and the ridge coefficient. Two classes take the sigmoid link, more
    /// the softmax.
    ///
    /// # Errors
    ///
    /// [`TestbedError::InvalidProblem`] when there are no samples, fewer than two classes,
    /// a label out of range, a label count that differs from the rows, or a feature that
    /// is not finite; [`TestbedError::InvalidRidge`] for a negative or non-finite ridge.
    pub fn new(
        features: &DMatrix<f64>,
        labels: &[usize],
        n_classes: usize,
        ridge: f64,
    ) -> Result<Self, TestbedError> {
        let invalid = |reason: String| Err(TestbedError::InvalidProblem(reason));
        let n = features.nrows();
        if n == 0 {
            return invalid("no samples".into());
        }
        if labels.len() != n {
            return invalid(format!("{} labels for {n} rows of features", labels.len()));
        }
        if n_classes < 2 {
            return invalid(format!("{n_classes} classes; at least 2 are needed"));
        }
        if let Some((i, &y)) = labels.iter().enumerate().find(|(_, &y)| y >= n_classes) {
            return invalid(format!("label {y} of sample {i} is not below {n_classes}"));
        }
        if let Some(bad) = features.iter().find(|x| !x.is_finite()) {
            return invalid(format!("a feature is {bad}"));
        }
        if !(ridge.is_finite() && ridge >= 0.0) {
            return Err(TestbedError::InvalidRidge(ridge));
        }
        let p = features.ncols() + 1;
        let design = DMatrix::from_fn(n, p, |i, c| if c + 1 == p { 1.0 } else { features[(i, c)] });
        let link = if n_classes == 2 {
            Link::Sigmoid
        } else {
            Link::Softmax
        };
        let targets = match link {
            Link::Sigmoid => DMatrix::from_fn(n, 1, |i, _| labels[i] as f64),
            Link::Softmax => DMatrix::from_fn(n, n_classes, |i, c| f64::from(labels[i] == c)),
        };
        Ok(Self {
            design,
            targets,
            labels: labels.to_vec(),
            n_classes,
            link,
            ridge,
        })
    }

    /// The problem of a scikit-learn data set as [`crate::data`] reads it (standardised
    /// features), with the given ridge coefficient.
    ///
    /// # Errors
    ///
    /// As [`LogisticProblem::new`].
    pub fn from_tabular(data: &crate::data::TabularData, ridge: f64) -> Result<Self, TestbedError> {
        let features = DMatrix::from_row_slice(data.n_samples, data.n_features, &data.features);
        Self::new(&features, &data.labels, data.n_classes(), ridge)
    }

    /// `N`, the number of samples.
    pub fn n_samples(&self) -> usize {
        self.design.nrows()
    }

    /// `P = D + 1`, the inputs with the intercept.
    pub fn n_inputs(&self) -> usize {
        self.design.ncols()
    }

    /// `C'`: 1 for the sigmoid link, `C` for the softmax.
    pub fn n_outputs(&self) -> usize {
        match self.link {
            Link::Sigmoid => 1,
            Link::Softmax => self.n_classes,
        }
    }

    /// The number of parameters of one copy, `C' P`.
    pub fn n_params(&self) -> usize {
        self.n_outputs() * self.n_inputs()
    }

    /// The number of classes `C`.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// The labels, one per sample.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The link.
    pub fn link(&self) -> Link {
        self.link
    }

    /// The ridge coefficient `r`.
    pub fn ridge(&self) -> f64 {
        self.ridge
    }

    /// `K` copies at zero, stacked: the starting point of every run.
    pub fn zero_params(&self, n_copies: usize) -> DMatrix<f64> {
        DMatrix::zeros(n_copies * self.n_outputs(), self.n_inputs())
    }

    /// `lambda`, the bound on the Hessian of `L` everywhere (module doc): `lambda_max(X~^T
    /// X~)` over `4N` (two classes) or `2N` (softmax), plus the ridge coefficient.
    pub fn smoothness(&self) -> f64 {
        let n = self.n_samples() as f64;
        let gram = self.design.tr_mul(&self.design) / n;
        let top = largest_eigenvalue(gram);
        let factor = match self.link {
            Link::Sigmoid => 0.25,
            Link::Softmax => 0.5,
        };
        factor * top + self.ridge
    }

    /// The losses and gradients of the stacked copies `params` (`(K C') x P`).
    ///
    /// # Panics
    ///
    /// When `params` does not have `P` columns and a multiple of `C'` rows.
    pub fn evaluate(&self, params: &DMatrix<f64>) -> Evaluation {
        let (n, c) = (self.n_samples(), self.n_outputs());
        assert_eq!(params.ncols(), self.n_inputs(), "parameters need P columns");
        assert_eq!(
            params.nrows() % c,
            0,
            "parameters need a multiple of C' rows"
        );
        let n_copies = params.nrows() / c;
        let logits = &self.design * params.transpose();
        let mut residual = DMatrix::zeros(n, n_copies * c);
        let mut sample_losses = DMatrix::zeros(n, n_copies);
        for j in 0..n_copies {
            let penalty = 0.5 * self.ridge * params.rows(j * c, c).norm_squared();
            for i in 0..n {
                let z = logits.view((i, j * c), (1, c));
                let ell = match self.link {
                    Link::Sigmoid => {
                        let (z, y) = (z[0], self.targets[(i, 0)]);
                        residual[(i, j)] = sigmoid(z) - y;
                        softplus(z) - y * z
                    }
                    Link::Softmax => {
                        let max = z.max();
                        let log_total = max + z.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
                        for k in 0..c {
                            residual[(i, j * c + k)] =
                                (z[k] - log_total).exp() - self.targets[(i, k)];
                        }
                        log_total - z[self.labels[i]]
                    }
                };
                let loss = ell + penalty;
                sample_losses[(i, j)] = if loss.is_nan() { f64::INFINITY } else { loss };
            }
        }
        let losses = sample_losses
            .column_iter()
            .map(|column| column.sum() / n as f64)
            .collect();
        let gradient = residual.tr_mul(&self.design) / n as f64 + params * self.ridge;
        Evaluation {
            sample_losses,
            losses,
            gradient,
        }
    }

    /// `L(theta_j)` for each stacked copy.
    pub fn losses(&self, params: &DMatrix<f64>) -> Vec<f64> {
        self.evaluate(params).losses
    }

    /// The Hessian of `L` at one copy's parameters `theta` (`C' x P`), as a `C'P x C'P`
    /// matrix over the parameters flattened class by class (`index = c P + p`).
    ///
    /// # Panics
    ///
    /// When `theta` is not `C' x P`.
    pub fn hessian(&self, theta: &DMatrix<f64>) -> DMatrix<f64> {
        let (n, p, c) = (self.n_samples(), self.n_inputs(), self.n_outputs());
        assert_eq!(theta.shape(), (c, p), "one copy's parameters are C' x P");
        let logits = &self.design * theta.transpose();
        let probabilities = DMatrix::from_fn(n, c, |i, k| match self.link {
            Link::Sigmoid => sigmoid(logits[(i, 0)]),
            Link::Softmax => {
                let row = logits.row(i);
                let max = row.max();
                let total: f64 = row.iter().map(|v| (v - max).exp()).sum();
                (logits[(i, k)] - max).exp() / total
            }
        });
        let mut hessian = DMatrix::identity(c * p, c * p) * self.ridge;
        for a in 0..c {
            for b in a..c {
                // per-sample curvature of the (a, b) block: sigma(1 - sigma) for the
                // sigmoid, p_a (delta_ab - p_b) for the softmax
                let weights: Vec<f64> = (0..n)
                    .map(|i| {
                        let pa = probabilities[(i, a)];
                        match self.link {
                            Link::Sigmoid => pa * (1.0 - pa),
                            Link::Softmax => pa * (f64::from(a == b) - probabilities[(i, b)]),
                        }
                    })
                    .collect();
                let mut weighted = self.design.clone();
                for (i, w) in weights.iter().enumerate() {
                    weighted.row_mut(i).scale_mut(*w / n as f64);
                }
                let block = self.design.tr_mul(&weighted);
                let mut upper = hessian.view_mut((a * p, b * p), (p, p));
                upper += &block;
                if a != b {
                    let mut lower = hessian.view_mut((b * p, a * p), (p, p));
                    lower += block.transpose();
                }
            }
        }
        hessian
    }
}

/// The largest eigenvalue of a symmetric matrix.
pub(crate) fn largest_eigenvalue(symmetric: DMatrix<f64>) -> f64 {
    SymmetricEigen::new(symmetric).eigenvalues.max()
}

/// The smallest eigenvalue of a symmetric matrix.
pub(crate) fn smallest_eigenvalue(symmetric: DMatrix<f64>) -> f64 {
    SymmetricEigen::new(symmetric).eigenvalues.min()
}

/// `1 / (1 + e^-z)`, without overflow for either sign.
fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `ln(1 + e^z)`, without overflow or loss of precision for large `|z|`.
fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_problem(n_classes: usize, ridge: f64) -> LogisticProblem {
        let features = DMatrix::from_fn(12, 3, |i, c| ((i * 7 + c * 3) % 5) as f64 - 2.0);
        let labels: Vec<usize> = (0..12).map(|i| (i * 5 + 1) % n_classes).collect();
        LogisticProblem::new(&features, &labels, n_classes, ridge).unwrap()
    }

    fn flatten(m: &DMatrix<f64>) -> Vec<f64> {
        (0..m.nrows())
            .flat_map(|r| (0..m.ncols()).map(move |c| (r, c)))
            .map(|(r, c)| m[(r, c)])
            .collect()
    }

    /// The gradient equals central finite differences of the loss (to 1e-7), for both
    /// links, at a point away from zero.
    #[test]
    fn gradient_matches_finite_differences() {
        for n_classes in [2, 3] {
            let problem = small_problem(n_classes, 0.1);
            let (c, p) = (problem.n_outputs(), problem.n_inputs());
            let theta = DMatrix::from_fn(c, p, |r, q| 0.3 * r as f64 - 0.2 * q as f64 + 0.1);
            let gradient = problem.evaluate(&theta).gradient;
            for r in 0..c {
                for q in 0..p {
                    let h = 1e-6;
                    let (mut plus, mut minus) = (theta.clone(), theta.clone());
                    plus[(r, q)] += h;
                    minus[(r, q)] -= h;
                    let numeric =
                        (problem.losses(&plus)[0] - problem.losses(&minus)[0]) / (2.0 * h);
                    let analytic = gradient[(r, q)];
                    assert!((numeric - analytic).abs() < 1e-7, "{numeric} vs {analytic}");
                }
            }
        }
    }

    /// The Hessian equals finite differences of the gradient (to 1e-6), for both links.
    #[test]
    fn hessian_matches_finite_differences_of_the_gradient() {
        for n_classes in [2, 3] {
            let problem = small_problem(n_classes, 0.1);
            let (c, p) = (problem.n_outputs(), problem.n_inputs());
            let theta = DMatrix::from_fn(c, p, |r, q| 0.2 * q as f64 - 0.1 * r as f64);
            let hessian = problem.hessian(&theta);
            for r in 0..c {
                for q in 0..p {
                    let h = 1e-5;
                    let (mut plus, mut minus) = (theta.clone(), theta.clone());
                    plus[(r, q)] += h;
                    minus[(r, q)] -= h;
                    let g_plus = flatten(&problem.evaluate(&plus).gradient);
                    let g_minus = flatten(&problem.evaluate(&minus).gradient);
                    for (row, (a, b)) in g_plus.iter().zip(&g_minus).enumerate() {
                        let numeric = (a - b) / (2.0 * h);
                        let analytic = hessian[(row, r * p + q)];
                        assert!((numeric - analytic).abs() < 1e-6, "{numeric} vs {analytic}");
                    }
                }
            }
        }
    }

    /// Stacked copies give each copy the loss and gradient it has alone.
    #[test]
    fn stacked_copies_are_evaluated_independently() {
        let problem = small_problem(3, 0.05);
        let (c, p) = (problem.n_outputs(), problem.n_inputs());
        let one = DMatrix::from_fn(c, p, |r, q| 0.1 * (r + q) as f64);
        let two = DMatrix::from_fn(c, p, |r, q| -0.2 * r as f64 + 0.05 * q as f64);
        let mut stacked = DMatrix::zeros(2 * c, p);
        stacked.rows_mut(0, c).copy_from(&one);
        stacked.rows_mut(c, c).copy_from(&two);
        let both = problem.evaluate(&stacked);
        for (j, alone) in [one, two].iter().enumerate() {
            let single = problem.evaluate(alone);
            assert_eq!(both.losses[j], single.losses[0]);
            assert_eq!(both.gradient.rows(j * c, c), single.gradient);
        }
    }

    /// The Hessian never exceeds lambda: its largest eigenvalue at several points is at most
    /// the smoothness bound, for both links.
    #[test]
    fn hessian_is_bounded_by_the_smoothness_constant() {
        for n_classes in [2, 4] {
            let problem = small_problem(n_classes, 0.01);
            let lambda = problem.smoothness();
            let (c, p) = (problem.n_outputs(), problem.n_inputs());
            for scale in [0.0, 0.1, 1.0, 5.0] {
                let theta = DMatrix::from_fn(c, p, |r, q| scale * ((r + 2 * q) % 3) as f64);
                let top = largest_eigenvalue(problem.hessian(&theta));
                assert!(top <= lambda * (1.0 + 1e-12), "{top} > {lambda}");
            }
        }
    }
}
