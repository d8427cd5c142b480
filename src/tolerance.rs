//! The one tolerance policy of alrao's tests and checks.
//!
//! Every numerical comparison in the crate and its tests names one of these constants, so that
//! a reader can see what kind of agreement is claimed:
//!
//! - exact equality is used only between exact (rational) computations, and is then written as
//!   `==` with a comment saying so;
//! - [`F64_VS_EXACT`]: an f64 log-space computation against the exact rational one, over short
//!   sequences (tens of steps);
//! - [`F64_SAME_MATH`]: two f64 computations of the same mathematics by different routes
//!   (closed-form gradients against autograd, say), over a few steps;
//! - [`F32_SAME_MATH`]: the same, in f32 tensors.

/// Absolute agreement of an f64 posterior or log-loss with the exact rational value.
pub const F64_VS_EXACT: f64 = 1e-12;

/// Relative agreement of two f64 routes to the same quantity over a few steps.
pub const F64_SAME_MATH: f64 = 1e-10;

/// Relative agreement of two f32 routes to the same quantity over a few steps.
pub const F32_SAME_MATH: f64 = 1e-4;

/// Whether `a` and `b` agree to `tol`, relative to the larger magnitude (absolute below 1).
///
/// Two infinities of the same sign agree; NaN never agrees with anything.
pub fn close(a: f64, b: f64, tol: f64) -> bool {
    if a == b {
        // exact equality covers equal infinities
        return true;
    }
    let scale = a.abs().max(b.abs()).max(1.0);
    (a - b).abs() <= tol * scale
}
