//! The error of the data layer.
//!
//! Every variant names the file (or files) it is about, so that a message such as
//! "data/mnist/train-images-idx3-ubyte: truncated ..." says at once which download to
//! repeat.

use std::path::PathBuf;

/// What to do when a data file is missing.
pub const FETCH_HINT: &str =
    "run scripts/fetch-data.sh (it writes to data/ at the repository root), or point \
     ALRAO_DATA (the program's --data-dir) at the directory that holds the data";

/// A data file that could not be found, read or trusted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// Neither the file nor its `.gz` form exists.
    #[error("{}: not found (nor with .gz appended); {hint}", .path.display())]
    Missing {
        /// The file looked for, without `.gz`.
        path: PathBuf,
        /// How to get it.
        hint: &'static str,
    },

    /// The operating system refused to open, read or write the file.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The file starts with the gzip magic bytes but does not decompress.
    #[error("{}: not a valid gzip stream: {source}", .path.display())]
    Gzip {
        /// The file.
        path: PathBuf,
        /// The decompressor's error.
        #[source]
        source: std::io::Error,
    },

    /// The first four bytes are not the IDX magic number of the expected kind of file.
    #[error(
        "{}: IDX magic number is {found:#010x}, expected {expected:#010x}",
        .path.display()
    )]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The big-endian number found in bytes 0..4 (0 if the file is shorter).
        found: u32,
        /// `0x00000803` for images (unsigned bytes, 3 dimensions), `0x00000801` for labels.
        expected: u32,
    },

    /// The file (after decompression) is shorter than its header says.
    #[error(
        "{}: truncated: the IDX header promises {expected_bytes} bytes, the file holds {got_bytes}",
        .path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Header plus data, in bytes, as the header describes them (saturated at `u64::MAX`).
        expected_bytes: u64,
        /// Bytes actually present.
        got_bytes: u64,
    },

    /// The file (after decompression) is longer than its header says.
    #[error(
        "{}: {got_bytes} bytes, but the IDX header describes only {expected_bytes}",
        .path.display()
    )]
    TrailingBytes {
        /// The file.
        path: PathBuf,
        /// Header plus data, in bytes, as the header describes them.
        expected_bytes: u64,
        /// Bytes actually present.
        got_bytes: u64,
    },

    /// An image file and its label file disagree on the number of examples.
    #[error(
        "{} holds {images} images but {} holds {labels} labels",
        .images_path.display(),
        .labels_path.display()
    )]
    CountMismatch {
        /// The image file.
        images_path: PathBuf,
        /// The label file.
        labels_path: PathBuf,
        /// Number of images.
        images: usize,
        /// Number of labels.
        labels: usize,
    },

    /// The training and test images have different sizes.
    #[error(
        "{} holds {}x{} images but {} holds {}x{} images",
        .train_path.display(), .train_shape.0, .train_shape.1,
        .test_path.display(), .test_shape.0, .test_shape.1
    )]
    ShapeMismatch {
        /// The training image file.
        train_path: PathBuf,
        /// Rows and columns of its images.
        train_shape: (usize, usize),
        /// The test image file.
        test_path: PathBuf,
        /// Rows and columns of its images.
        test_shape: (usize, usize),
    },

    /// A label is not a class of the data set.
    #[error(
        "{}: label {label} of example {index} is not below the {n_classes} classes",
        .path.display()
    )]
    LabelOutOfRange {
        /// The label file.
        path: PathBuf,
        /// Index of the example.
        index: usize,
        /// Its label.
        label: u32,
        /// Number of classes of the data set.
        n_classes: usize,
    },

    /// The validation part would leave no training example.
    #[error(
        "{}: {n_valid} validation images asked for, but the file holds only {n_train} \
         (at least one must stay for training)",
        .path.display()
    )]
    ValidationTooLarge {
        /// The training image file.
        path: PathBuf,
        /// Validation images asked for.
        n_valid: usize,
        /// Images in the file.
        n_train: usize,
    },

    /// Every training pixel has the same value, so the standard deviation is zero and the
    /// images cannot be standardised.
    #[error(
        "{}: every training pixel has the same value; cannot standardise",
        .path.display()
    )]
    ConstantPixels {
        /// The training image file.
        path: PathBuf,
    },

    /// The file (after decompression) holds nothing but white space.
    #[error("{}: empty file", .path.display())]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },

    /// The first line of a CSV file is not `n_samples,n_features,class_name_0,...`.
    #[error(
        "{}: line 1: malformed header: {reason} (expected \
         n_samples,n_features,class_name_0,class_name_1,...)",
        .path.display()
    )]
    BadCsvHeader {
        /// The CSV file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// A CSV row does not hold one field per feature plus the label.
    #[error(
        "{}: line {line}: {found} fields, expected {expected} (the features and a label)",
        .path.display()
    )]
    WrongFieldCount {
        /// The CSV file.
        path: PathBuf,
        /// The line, counted from 1 (the header, when there is one, is line 1).
        line: usize,
        /// Fields found (a line without a comma holds one).
        found: usize,
        /// `n_features + 1`.
        expected: usize,
    },

    /// A feature field of a CSV row does not parse as a number.
    #[error(
        "{}: line {line}, column {column}: '{field}' is not a number",
        .path.display()
    )]
    NotANumber {
        /// The CSV file.
        path: PathBuf,
        /// The line, counted from 1.
        line: usize,
        /// The field, counted from 1.
        column: usize,
        /// Its text.
        field: String,
    },

    /// A feature field of a CSV row is NaN or infinite.
    #[error(
        "{}: line {line}, column {column}: {value} is not a finite number",
        .path.display()
    )]
    NotFinite {
        /// The CSV file.
        path: PathBuf,
        /// The line, counted from 1.
        line: usize,
        /// The field, counted from 1.
        column: usize,
        /// The value read.
        value: f64,
    },

    /// The label field (the last) of a CSV row is not a non-negative integer.
    #[error(
        "{}: line {line}, column {column}: label '{field}' is not a non-negative integer",
        .path.display()
    )]
    NotALabel {
        /// The CSV file.
        path: PathBuf,
        /// The line, counted from 1.
        line: usize,
        /// The field, counted from 1 (`n_features + 1`).
        column: usize,
        /// Its text.
        field: String,
    },

    /// The label of a CSV row is not a class of the data set.
    #[error(
        "{}: line {line}, column {column}: label {label} is not below the {n_classes} classes",
        .path.display()
    )]
    CsvLabelOutOfRange {
        /// The CSV file.
        path: PathBuf,
        /// The line, counted from 1.
        line: usize,
        /// The field, counted from 1 (`n_features + 1`).
        column: usize,
        /// The label read.
        label: usize,
        /// Number of classes (class names) of the data set.
        n_classes: usize,
    },

    /// A CSV file holds another number of sample rows than its header (or the known layout of
    /// a header-less file) says.
    #[error(
        "{}: the file ends at line {last_line} after {found} sample rows, expected {expected}",
        .path.display()
    )]
    RowCountMismatch {
        /// The CSV file.
        path: PathBuf,
        /// The last line of the file, counted from 1 (the header included).
        last_line: usize,
        /// Sample rows found.
        found: usize,
        /// Sample rows expected.
        expected: usize,
    },

    /// A data set file is well formed but does not have the shape of the data set it is
    /// read as.
    #[error(
        "{}: {} samples of {} features in {} classes, but {set} has {} samples of {} \
         features in {} classes",
        .path.display(), .found.0, .found.1, .found.2, .expected.0, .expected.1, .expected.2
    )]
    UnexpectedShape {
        /// The file.
        path: PathBuf,
        /// The data set's name.
        set: &'static str,
        /// Samples, features and classes found.
        found: (usize, usize, usize),
        /// Samples, features and classes of the data set.
        expected: (usize, usize, usize),
    },
}
