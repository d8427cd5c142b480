//! The four small classification sets that scikit-learn ships as CSV files: breast cancer,
//! iris, wine and digits.
//!
//! Each file holds one sample per line: its features, then its class as an integer label,
//! all separated by commas. Three files start with a header line
//!
//! ```text
//! n_samples,n_features,class_name_0,class_name_1,...
//! ```
//!
//! (`569,30,malignant,benign` for breast cancer); the digits file has none, and its shape
//! (1797 samples of 8x8 = 64 pixels, classes `0` to `9`) is known in advance
//! ([`CsvLayout::NoHeader`]). A file whose first two bytes are the gzip magic `1f 8b` is
//! decompressed first, whatever its name, as for the IDX files.
//!
//! The reader is strict: a malformed header, a field that is not a finite number, a row
//! with the wrong number of fields, a label that is not a class, or a row count other than
//! the declared one is a [`DataError`] that names the file and the line (counted from 1,
//! the header included) and, where it applies, the column (counted from 1).
//!
//! `scripts/fetch-data.sh` extracts the files from the scikit-learn wheel (the package's
//! `sklearn/datasets/data/` directory) into the `sklearn` subdirectory of the data
//! directory. Reference: F. Pedregosa et al., "Scikit-learn: Machine Learning in Python",
//! JMLR 12 (2011), and the data sets' pages in its user guide ("Toy datasets").

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use super::idx::read_maybe_gzipped;
use super::images::find;
use super::DataError;

/// The subdirectory of the data directory that holds the files.
pub const SKLEARN_SUBDIR: &str = "sklearn";

/// One of scikit-learn's bundled classification sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SklearnDataSet {
    /// Wisconsin diagnostic breast cancer: 569 samples of 30 cell-nucleus measurements,
    /// 2 classes (malignant, benign).
    BreastCancer,
    /// Fisher's iris: 150 flowers of 4 measurements (cm), 3 species.
    Iris,
    /// Forina's wine recognition: 178 wines of 13 chemical measurements, 3 cultivars.
    Wine,
    /// The UCI optical handwritten digits: 1797 images of 8x8 pixels, each a count of ink
    /// from 0 to 16, 10 classes (the digits 0 to 9).
    Digits,
}

impl SklearnDataSet {
    /// Every set, in a fixed order.
    pub const ALL: [Self; 4] = [Self::BreastCancer, Self::Iris, Self::Wine, Self::Digits];

    /// The name used on the command line and in [`fmt::Display`]: `breast-cancer`, `iris`,
    /// `wine`, `digits`.
    pub fn name(self) -> &'static str {
        match self {
            Self::BreastCancer => "breast-cancer",
            Self::Iris => "iris",
            Self::Wine => "wine",
            Self::Digits => "digits",
        }
    }

    /// The file's name in the `sklearn` subdirectory, without `.gz`: [`load_sklearn`] reads
    /// it raw or gzipped (scikit-learn ships the digits gzipped and the others raw).
    pub fn file_name(self) -> &'static str {
        match self {
            Self::BreastCancer => "breast_cancer.csv",
            Self::Iris => "iris.csv",
            Self::Wine => "wine_data.csv",
            Self::Digits => "digits.csv",
        }
    }

    /// Number of samples.
    pub fn n_samples(self) -> usize {
        match self {
            Self::BreastCancer => 569,
            Self::Iris => 150,
            Self::Wine => 178,
            Self::Digits => 1797,
        }
    }

    /// Number of features of each sample.
    pub fn n_features(self) -> usize {
        match self {
            Self::BreastCancer => 30,
            Self::Iris => 4,
            Self::Wine => 13,
            Self::Digits => 64,
        }
    }

    /// Number of classes; labels run from 0 to `n_classes() - 1`.
    pub fn n_classes(self) -> usize {
        match self {
            Self::BreastCancer => 2,
            Self::Iris | Self::Wine => 3,
            Self::Digits => 10,
        }
    }

    /// How the file is laid out: with a header line, except the digits, whose class names
    /// are `"0"` to `"9"`.
    pub fn layout(self) -> CsvLayout {
        match self {
            Self::Digits => CsvLayout::NoHeader {
                n_samples: self.n_samples(),
                n_features: self.n_features(),
                class_names: (0..self.n_classes()).map(|d| d.to_string()).collect(),
            },
            _ => CsvLayout::Header,
        }
    }
}

impl fmt::Display for SklearnDataSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of [`SklearnDataSet`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scikit-learn data set '{0}' (known: breast-cancer, iris, wine, digits)")]
pub struct UnknownSklearnDataSet(pub String);

impl FromStr for SklearnDataSet {
    type Err = UnknownSklearnDataSet;

    /// Parses the names that [`SklearnDataSet::name`] gives.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|set| set.name() == s)
            .ok_or_else(|| UnknownSklearnDataSet(s.to_string()))
    }
}

/// Where a CSV file declares its shape and class names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsvLayout {
    /// The first line is `n_samples,n_features,class_name_0,class_name_1,...`, with
    /// `n_samples` and `n_features` positive integers and at least one non-empty class name.
    Header,
    /// Every line is a sample; the shape and the class names are given here.
    NoHeader {
        /// Number of sample rows the file must hold.
        n_samples: usize,
        /// Number of features in each row (the label follows them).
        n_features: usize,
        /// The name of each class, indexed by label.
        class_names: Vec<String>,
    },
}

/// A table of real-valued features with one class label per sample.
#[derive(Debug, Clone, PartialEq)]
pub struct TabularData {
    /// The data set's name ([`SklearnDataSet::name`]), or the file name when read with
    /// [`read_sklearn_csv`].
    pub name: String,
    /// Number of samples (rows).
    pub n_samples: usize,
    /// Number of features (columns) of each sample.
    pub n_features: usize,
    /// `n_samples * n_features` finite values, row-major: sample after sample. In the units
    /// of the file as read; dimensionless after [`TabularData::standardise`].
    pub features: Vec<f64>,
    /// `n_samples` class indices, each below [`TabularData::n_classes`].
    pub labels: Vec<usize>,
    /// The name of each class, indexed by label.
    pub class_names: Vec<String>,
}

impl TabularData {
    /// Number of classes, `class_names.len()`.
    pub fn n_classes(&self) -> usize {
        self.class_names.len()
    }

    /// The features of sample `i`.
    ///
    /// # Panics
    /// If `i >= n_samples`.
    pub fn row(&self, i: usize) -> &[f64] {
        assert!(i < self.n_samples, "sample {i} of {}", self.n_samples);
        &self.features[i * self.n_features..(i + 1) * self.n_features]
    }

    /// Standardises each feature column over all samples.
    ///
    /// # Formula
    /// For column `j` over the `n` samples, with `μ_j` the mean and `σ_j` the population
    /// standard deviation (divisor `n`, not `n − 1`),
    ///
    /// ```text
    /// μ_j = (1/n) Σ_i x_ij,    σ_j² = (1/n) Σ_i (x_ij − μ_j)²,    x̂_ij = (x_ij − μ_j) / σ_j,
    /// ```
    ///
    /// so that afterwards each column has mean 0 and population standard deviation 1, up to
    /// rounding. A constant column (all its values exactly equal, as the always-blank corner
    /// pixels of the digits; then `σ_j = 0`) becomes all zeros. This is what scikit-learn's
    /// `StandardScaler` does with its defaults, fitted on the whole table.
    ///
    /// The statistics come from every sample: a caller that later splits the samples into
    /// training and test parts lets the test part inform the scaling.
    pub fn standardise(&mut self) {
        let (n, d) = (self.n_samples, self.n_features);
        if n == 0 {
            return;
        }
        for j in 0..d {
            let column = || (0..n).map(|i| self.features[i * d + j]);

            // exact comparison on purpose: only an exactly constant column has σ = 0, and
            // dividing its rounding residues x − μ by a rounding-sized σ would give noise
            let first = self.features[j];
            if column().all(|x| x == first) {
                (0..n).for_each(|i| self.features[i * d + j] = 0.0);
                continue;
            }

            // two passes, so that the variance does not suffer the cancellation of
            // E[x²] − E[x]²
            let mean = column().sum::<f64>() / n as f64;
            let variance = column().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            let std = variance.sqrt();
            for i in 0..n {
                let x = &mut self.features[i * d + j];
                *x = (*x - mean) / std;
            }
        }
    }
}

/// Reads a scikit-learn CSV file, raw or gzipped, laid out as `layout` says; the features
/// are returned as in the file (not standardised), and [`TabularData::name`] is the file
/// name.
///
/// Fields may carry white space around them; line ends may be `\n` or `\r\n`. Features are
/// anything Rust's `f64` parser accepts that is finite; labels are decimal integers.
///
/// # Errors
/// [`DataError::Io`] if the file cannot be read, [`DataError::Gzip`] if it looks gzipped but
/// does not decompress, [`DataError::EmptyFile`] if it holds only white space,
/// [`DataError::BadCsvHeader`] for a malformed header, [`DataError::WrongFieldCount`] for a
/// row without exactly `n_features + 1` fields, [`DataError::NotANumber`] or
/// [`DataError::NotFinite`] for a bad feature, [`DataError::NotALabel`] or
/// [`DataError::CsvLabelOutOfRange`] for a bad label, [`DataError::RowCountMismatch`] if the
/// rows are not `n_samples`. The first bad line is reported.
///
/// # Example
/// ```
/// use alrao::data::{read_sklearn_csv, CsvLayout};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("tiny.csv");
/// std::fs::write(&path, "3,2,no,yes\n1.5,2,0\n-1,0.25,1\n3e2,7,1\n")?;
/// let data = read_sklearn_csv(&path, &CsvLayout::Header)?;
/// assert_eq!((data.n_samples, data.n_features, data.n_classes()), (3, 2, 2));
/// assert_eq!(data.row(2), &[300.0, 7.0]);
/// assert_eq!(data.labels, vec![0, 1, 1]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_sklearn_csv(path: &Path, layout: &CsvLayout) -> Result<TabularData, DataError> {
    let bytes = read_maybe_gzipped(path)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DataError::EmptyFile {
            path: path.to_path_buf(),
        });
    }

    // lines numbered from 1, without their ends; a final line end starts no new line
    let text = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
    let mut lines = text
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .zip(1..);

    // the shape, from the header or the layout
    let (n_samples, n_features, class_names) = match layout {
        CsvLayout::Header => {
            let (header, _) = lines.next().expect("a non-empty file has a first line");
            parse_header(path, header)?
        }
        CsvLayout::NoHeader {
            n_samples,
            n_features,
            class_names,
        } => (*n_samples, *n_features, class_names.clone()),
    };

    // the rows: never reserve more than the bytes could hold (two per field at least), so
    // that a wrong header cannot ask for an absurd allocation
    let row = RowParser {
        path,
        n_features,
        n_classes: class_names.len(),
    };
    let mut features =
        Vec::with_capacity(n_samples.saturating_mul(n_features).min(bytes.len() / 2));
    let mut labels = Vec::with_capacity(n_samples.min(bytes.len() / 2));
    let mut last_line = usize::from(matches!(layout, CsvLayout::Header));
    for (line, number) in lines {
        labels.push(row.parse(line, number, &mut features)?);
        last_line = number;
    }

    if labels.len() != n_samples {
        return Err(DataError::RowCountMismatch {
            path: path.to_path_buf(),
            last_line,
            found: labels.len(),
            expected: n_samples,
        });
    }
    Ok(TabularData {
        name: path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default(),
        n_samples,
        n_features,
        features,
        labels,
        class_names,
    })
}

/// Loads `set` from `data_dir/sklearn/<set.file_name()>` (raw, or with `.gz` appended),
/// checks that it has the set's shape and returns it standardised
/// ([`TabularData::standardise`]), named [`SklearnDataSet::name`].
///
/// # Errors
/// [`DataError::Missing`] if the file exists neither raw nor gzipped; the errors of
/// [`read_sklearn_csv`]; [`DataError::UnexpectedShape`] if the numbers of samples, features
/// or classes are not the set's.
///
/// # Example
/// ```no_run
/// use alrao::data::{data_dir, load_sklearn, SklearnDataSet};
///
/// let iris = load_sklearn(SklearnDataSet::Iris, &data_dir())?;
/// assert_eq!((iris.n_samples, iris.n_features, iris.n_classes()), (150, 4, 3));
/// assert_eq!(iris.class_names[2], "virginica");
/// # Ok::<(), alrao::data::DataError>(())
/// ```
pub fn load_sklearn(set: SklearnDataSet, data_dir: &Path) -> Result<TabularData, DataError> {
    let path = find(&data_dir.join(SKLEARN_SUBDIR).join(set.file_name()))?;
    let mut data = read_sklearn_csv(&path, &set.layout())?;

    let found = (data.n_samples, data.n_features, data.n_classes());
    let expected = (set.n_samples(), set.n_features(), set.n_classes());
    if found != expected {
        return Err(DataError::UnexpectedShape {
            path,
            set: set.name(),
            found,
            expected,
        });
    }

    data.name = set.name().to_string();
    data.standardise();
    Ok(data)
}

/// Parses `n_samples,n_features,class_name_0,...` into its three parts.
fn parse_header(path: &Path, line: &[u8]) -> Result<(usize, usize, Vec<String>), DataError> {
    let bad = |reason: String| DataError::BadCsvHeader {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::str::from_utf8(line).map_err(|_| bad("not valid UTF-8".to_string()))?;
    let fields: Vec<&str> = text.split(',').map(str::trim).collect();
    if fields.len() < 3 {
        return Err(bad(format!(
            "{} fields, but at least 3 are needed (two counts and a class name)",
            fields.len()
        )));
    }

    let count = |what: &str, field: &str| match field.parse::<usize>() {
        Ok(0) => Err(bad(format!("{what} is 0"))),
        Ok(value) => Ok(value),
        Err(_) => Err(bad(format!("{what} '{field}' is not a positive integer"))),
    };
    let n_samples = count("n_samples", fields[0])?;
    let n_features = count("n_features", fields[1])?;
    if let Some(k) = fields[2..].iter().position(|name| name.is_empty()) {
        return Err(bad(format!("class name {k} (column {}) is empty", k + 3)));
    }
    let class_names = fields[2..].iter().map(|name| name.to_string()).collect();
    Ok((n_samples, n_features, class_names))
}

/// Checks and parses the sample rows of one file.
struct RowParser<'a> {
    path: &'a Path,
    n_features: usize,
    n_classes: usize,
}

impl RowParser<'_> {
    /// Appends the features of `line` (line number `number`) to `features` and returns its
    /// label.
    fn parse(
        &self,
        line: &[u8],
        number: usize,
        features: &mut Vec<f64>,
    ) -> Result<usize, DataError> {
        let path = || self.path.to_path_buf();

        // a byte that is not UTF-8 becomes U+FFFD, which no number contains, so that the
        // error names its field
        let text = String::from_utf8_lossy(line);
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        if fields.len() != self.n_features + 1 {
            return Err(DataError::WrongFieldCount {
                path: path(),
                line: number,
                found: fields.len(),
                expected: self.n_features + 1,
            });
        }

        for (column, field) in (1..).zip(&fields[..self.n_features]) {
            let value: f64 = field.parse().map_err(|_| DataError::NotANumber {
                path: path(),
                line: number,
                column,
                field: field.to_string(),
            })?;
            if !value.is_finite() {
                return Err(DataError::NotFinite {
                    path: path(),
                    line: number,
                    column,
                    value,
                });
            }
            features.push(value);
        }

        let column = self.n_features + 1;
        let field = fields[self.n_features];
        let all_digits = !field.is_empty() && field.bytes().all(|b| b.is_ascii_digit());
        let label = field
            .parse::<usize>()
            .ok()
            .filter(|_| all_digits)
            .ok_or_else(|| DataError::NotALabel {
                path: path(),
                line: number,
                column,
                field: field.to_string(),
            })?;
        if label >= self.n_classes {
            return Err(DataError::CsvLabelOutOfRange {
                path: path(),
                line: number,
                column,
                label,
                n_classes: self.n_classes,
            });
        }
        Ok(label)
    }
}
