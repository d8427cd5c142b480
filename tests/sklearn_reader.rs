//! The reader of scikit-learn's CSV data sets.
//!
//! The broken files are written here by hand, one fault each, so that every check of the
//! reader is seen to fire on its own with the file, line and column it should name. The
//! tests on the real files need `scripts/fetch-data.sh` to have fetched them, and fail with
//! a message that says so when they are absent.
#![cfg(feature = "data")]

use std::io::Write;
use std::path::{Path, PathBuf};

use alrao::data::sklearn::UnknownSklearnDataSet;
use alrao::data::{
    data_dir, load_sklearn, read_sklearn_csv, CsvLayout, DataError, SklearnDataSet, TabularData,
    FETCH_HINT,
};
use alrao::tolerance::{close, F64_SAME_MATH, F64_VS_EXACT};
use flate2::write::GzEncoder;
use flate2::Compression;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    std::fs::write(path, bytes).unwrap();
    path.to_path_buf()
}

/// Mean and population standard deviation, computed the plain way for comparison.
fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, variance.sqrt())
}

fn column(data: &TabularData, j: usize) -> Vec<f64> {
    (0..data.n_samples).map(|i| data.row(i)[j]).collect()
}

fn class_counts(data: &TabularData) -> Vec<usize> {
    let mut counts = vec![0; data.n_classes()];
    data.labels.iter().for_each(|&label| counts[label] += 1);
    counts
}

/// Asserts that the error's message names the file and contains `location` (such as
/// `"line 3, column 2"`).
fn assert_names(error: &DataError, path: &Path, location: &str) {
    let message = error.to_string();
    let name = path.display().to_string();
    assert!(
        message.contains(&name),
        "message {message:?} does not name {name}"
    );
    assert!(
        message.contains(location),
        "message {message:?} does not say {location:?}"
    );
}

/// Reads `text`, written to a file of the temporary directory, with a header.
fn read_text(dir: &Path, text: &str) -> (PathBuf, Result<TabularData, DataError>) {
    let path = write(&dir.join("table.csv"), text.as_bytes());
    let result = read_sklearn_csv(&path, &CsvLayout::Header);
    (path, result)
}

// ---------------------------------------------------------------------------------------
// the real files

/// The data directory, which must hold `sklearn/`; otherwise the test fails and says how to
/// fetch it.
fn real_data_dir() -> PathBuf {
    let root = data_dir();
    let dir = root.join("sklearn");
    assert!(
        dir.is_dir(),
        "{} is absent: the scikit-learn data sets are needed by this test; {FETCH_HINT}",
        dir.display()
    );
    root
}

/// What is known of one real set: the counts of each class and the feature columns that
/// are constant (0-based), both computed from the files outside Rust by
/// `awk -F, 'NR>1 {print $NF}' iris.csv | sort -n | uniq -c` (no `NR>1` for the digits,
/// read through `zcat`) and by Python's
/// `[j for j, c in enumerate(zip(*rows)) if len(set(c)) == 1]` over the feature columns.
struct RealSet {
    set: SklearnDataSet,
    shape: (usize, usize, usize),
    class_names: &'static [&'static str],
    class_counts: &'static [usize],
    constant_columns: &'static [usize],
}

/// Loads one real set and checks its shape, classes and standardisation against the raw
/// file: each non-constant column ends with mean 0 and population standard deviation 1 (to
/// 1e-12), each value is `(x − μ) / σ` of its raw column, and constant columns are zeros.
fn check_real_set(expected: &RealSet) {
    let root = real_data_dir();
    let set = expected.set;
    let data = load_sklearn(set, &root).unwrap_or_else(|error| panic!("{error}"));

    // shape, names and labels
    assert_eq!(data.name, set.name());
    let shape = (data.n_samples, data.n_features, data.n_classes());
    assert_eq!(shape, expected.shape, "{set}");
    assert_eq!(shape, (set.n_samples(), set.n_features(), set.n_classes()));
    assert_eq!(data.features.len(), data.n_samples * data.n_features);
    assert_eq!(data.class_names, expected.class_names, "{set}");
    assert_eq!(class_counts(&data), expected.class_counts, "{set}");

    // the raw file, as the script lays it out
    let raw_path = root.join("sklearn").join(set.file_name());
    let raw_path = if raw_path.is_file() {
        raw_path
    } else {
        root.join("sklearn").join(format!("{}.gz", set.file_name()))
    };
    let raw = read_sklearn_csv(&raw_path, &set.layout()).unwrap();
    assert_eq!(raw.labels, data.labels);

    // the standardisation, column by column
    let mut constant = Vec::new();
    for j in 0..data.n_features {
        let (before, after) = (column(&raw, j), column(&data, j));
        if before.iter().all(|&x| x == before[0]) {
            // exact on purpose: the reader must turn a constant column into exact zeros
            constant.push(j);
            assert!(after.iter().all(|&x| x == 0.0), "{set} column {j}");
            continue;
        }
        let (mean, std) = mean_std(&after);
        // 0 and 1 are the exact values, whatever the rounding of the route
        assert!(
            close(mean, 0.0, F64_VS_EXACT),
            "{set} column {j} mean {mean}"
        );
        assert!(close(std, 1.0, F64_VS_EXACT), "{set} column {j} std {std}");
        let (mu, sigma) = mean_std(&before);
        for (&x, &x_hat) in before.iter().zip(&after) {
            assert!(
                close(x_hat, (x - mu) / sigma, F64_SAME_MATH),
                "{set} column {j}"
            );
        }
    }
    assert_eq!(constant, expected.constant_columns, "{set}");
}

/// Breast cancer: 569 x 30, 212 malignant and 357 benign, as scikit-learn documents.
#[test]
fn real_breast_cancer_has_569_samples_of_30_features_212_malignant_357_benign() {
    check_real_set(&RealSet {
        set: SklearnDataSet::BreastCancer,
        shape: (569, 30, 2),
        class_names: &["malignant", "benign"],
        class_counts: &[212, 357],
        constant_columns: &[],
    });
}

/// Iris: 150 x 4, 50 of each of the 3 species.
#[test]
fn real_iris_has_150_samples_of_4_features_50_per_species() {
    check_real_set(&RealSet {
        set: SklearnDataSet::Iris,
        shape: (150, 4, 3),
        class_names: &["setosa", "versicolor", "virginica"],
        class_counts: &[50, 50, 50],
        constant_columns: &[],
    });
}

/// Wine: 178 x 13, 59 / 71 / 48 wines of the 3 cultivars.
#[test]
fn real_wine_has_178_samples_of_13_features_59_71_48_per_cultivar() {
    check_real_set(&RealSet {
        set: SklearnDataSet::Wine,
        shape: (178, 13, 3),
        class_names: &["class_0", "class_1", "class_2"],
        class_counts: &[59, 71, 48],
        constant_columns: &[],
    });
}

/// Digits: 1797 x 64 in 10 classes, with the counts per digit of the file and the three
/// pixels that are blank in every image: features 0, 32 and 39 of the row-major 8x8 image,
/// the top-left corner and both ends of row 4 (rows counted from 0).
#[test]
fn real_digits_have_1797_samples_of_64_pixels_and_three_blank_pixels() {
    check_real_set(&RealSet {
        set: SklearnDataSet::Digits,
        shape: (1797, 64, 10),
        class_names: &["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        class_counts: &[178, 182, 177, 183, 181, 182, 181, 179, 174, 180],
        constant_columns: &[0, 32, 39],
    });
}

// ---------------------------------------------------------------------------------------
// small files written here

/// A well-formed file reads back its shape, class names, features and labels, with white
/// space around fields and `\r\n` line ends allowed.
#[test]
fn a_well_formed_file_reads_back_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let (path, result) = read_text(
        dir.path(),
        "3, 2, no ,yes\r\n1.5,-2,0\r\n 1e-3 ,4, 1\r\n+7,0,1\r\n",
    );
    let data = result.unwrap();
    assert_eq!(
        (data.n_samples, data.n_features, data.n_classes()),
        (3, 2, 2)
    );
    assert_eq!(data.class_names, ["no", "yes"]);
    // exact on purpose: decimal literals parse to the nearest f64 both ways
    assert_eq!(data.features, [1.5, -2.0, 1e-3, 4.0, 7.0, 0.0]);
    assert_eq!(data.labels, [0, 1, 1]);
    assert_eq!(data.row(1), &[1e-3, 4.0]);
    assert_eq!(data.name, path.file_name().unwrap().to_str().unwrap());
}

/// A gzipped file reads the same as the plain one; gzip is recognised by its magic bytes,
/// not by the name, and both layouts are read through it.
#[test]
fn a_gzipped_file_reads_the_same_as_the_plain_one_whatever_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let text = b"4,3,a,b,c\n1,2,3,0\n4,5,6,1\n7,8,9.5,2\n0,0,0,2\n";
    let plain = write(&dir.path().join("plain.csv"), text);
    let gz = write(&dir.path().join("packed.csv.gz"), &gzip(text));
    let gz_no_suffix = write(&dir.path().join("packed.csv"), &gzip(text));
    let raw_gz_suffix = write(&dir.path().join("raw.csv.gz"), text);

    let expected = read_sklearn_csv(&plain, &CsvLayout::Header).unwrap();
    for path in [&gz, &gz_no_suffix, &raw_gz_suffix] {
        let mut data = read_sklearn_csv(path, &CsvLayout::Header).unwrap();
        data.name.clone_from(&expected.name);
        assert_eq!(data, expected, "{}", path.display());
    }

    // the same rows without their header, as the digits file comes
    let layout = CsvLayout::NoHeader {
        n_samples: 4,
        n_features: 3,
        class_names: vec!["a".into(), "b".into(), "c".into()],
    };
    let body = &text[b"4,3,a,b,c\n".len()..];
    let headless = write(&dir.path().join("headless.csv.gz"), &gzip(body));
    let mut data = read_sklearn_csv(&headless, &layout).unwrap();
    data.name.clone_from(&expected.name);
    assert_eq!(data, expected);

    // a gzip stream cut short does not decompress
    let packed = gzip(text);
    let cut = write(&dir.path().join("cut.csv.gz"), &packed[..packed.len() / 2]);
    let error = read_sklearn_csv(&cut, &CsvLayout::Header).unwrap_err();
    assert!(matches!(error, DataError::Gzip { .. }), "{error}");
    assert_names(&error, &cut, "gzip");
}

/// A row with too few fields, too many, or none (a blank line) is an error naming its line.
#[test]
fn a_row_with_the_wrong_number_of_fields_is_an_error_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("3,2,a,b\n1,2,0\n1,2\n3,4,1\n", 3, 2),
        ("3,2,a,b\n1,2,0\n3,4,1\n5,6,7,1\n", 4, 4),
        ("3,2,a,b\n1,2,0\n\n3,4,1\n", 3, 1),
        ("3,2,a,b\n1,2,0\n3,4,1\n5,6,1\n\n", 5, 1),
    ];
    for (text, line, found) in cases {
        let (path, result) = read_text(dir.path(), text);
        let error = result.unwrap_err();
        assert!(
            matches!(error, DataError::WrongFieldCount { line: l, found: f, expected: 3, .. }
                if l == line && f == found),
            "{text:?}: {error}"
        );
        assert_names(&error, &path, &format!("line {line}:"));
    }
}

/// A feature that does not parse as a number is an error naming its line and column.
#[test]
fn a_field_that_is_not_a_number_is_an_error_naming_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("2,3,a,b\n1,2,3,0\n4,x5,6,1\n", 3, 2, "x5"),
        ("2,3,a,b\n1,2,,0\n4,5,6,1\n", 2, 3, ""),
        ("2,3,a,b\n1,2,3,0\n4,5,6;7,1\n", 3, 3, "6;7"),
        ("2,3,a,b\n1 2,2,3,0\n4,5,6,1\n", 2, 1, "1 2"),
    ];
    for (text, line, column, field) in cases {
        let (path, result) = read_text(dir.path(), text);
        let error = result.unwrap_err();
        assert!(
            matches!(&error, DataError::NotANumber { line: l, column: c, field: f, .. }
                if *l == line && *c == column && f == field),
            "{text:?}: {error}"
        );
        assert_names(&error, &path, &format!("line {line}, column {column}:"));
    }

    // a byte that is not UTF-8 is named by its field too
    let path = write(&dir.path().join("latin1.csv"), b"1,2,a,b\n1,\xb5,0\n");
    let error = read_sklearn_csv(&path, &CsvLayout::Header).unwrap_err();
    assert!(matches!(
        error,
        DataError::NotANumber {
            line: 2,
            column: 2,
            ..
        }
    ));
}

/// NaN and infinite values, written as such or overflowing, are errors naming their line
/// and column.
#[test]
fn nan_and_infinite_values_are_errors_naming_their_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("2,2,a,b\n1,NaN,0\n3,4,1\n", 2, 2),
        ("2,2,a,b\n1,2,0\nnan,4,1\n", 3, 1),
        ("2,2,a,b\n1,inf,0\n3,4,1\n", 2, 2),
        ("2,2,a,b\n1,2,0\n3,-infinity,1\n", 3, 2),
        ("2,2,a,b\n1e400,2,0\n3,4,1\n", 2, 1),
    ];
    for (text, line, column) in cases {
        let (path, result) = read_text(dir.path(), text);
        let error = result.unwrap_err();
        assert!(
            matches!(error, DataError::NotFinite { line: l, column: c, value, .. }
                if l == line && c == column && !value.is_finite()),
            "{text:?}: {error}"
        );
        assert_names(&error, &path, &format!("line {line}, column {column}:"));
    }
}

/// A label that is not written as a non-negative decimal integer is an error naming its line
/// and the label column.
#[test]
fn a_label_that_is_not_a_non_negative_integer_is_an_error_naming_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    for label in [
        "-1",
        "1.0",
        "1e0",
        "",
        "one",
        "+1",
        "NaN",
        "99999999999999999999999",
    ] {
        let text = format!("2,2,a,b\n1,2,0\n3,4,{label}\n");
        let (path, result) = read_text(dir.path(), &text);
        let error = result.unwrap_err();
        assert!(
            matches!(&error, DataError::NotALabel { line: 3, column: 3, field, .. }
                if field == label),
            "{text:?}: {error}"
        );
        assert_names(&error, &path, "line 3, column 3:");
    }
}

/// A label at or above the number of class names is an error naming its line and column.
#[test]
fn a_label_not_below_the_number_of_classes_is_an_error_naming_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let (path, result) = read_text(dir.path(), "3,1,a,b\n0.5,1\n0.25,2\n0.75,0\n");
    let error = result.unwrap_err();
    assert!(
        matches!(
            error,
            DataError::CsvLabelOutOfRange {
                line: 3,
                column: 2,
                label: 2,
                n_classes: 2,
                ..
            }
        ),
        "{error}"
    );
    assert_names(&error, &path, "line 3, column 2:");
}

/// Fewer or more rows than the header (or the header-less layout) declares, or none after
/// the header, is an error naming the file and its last line.
#[test]
fn a_row_count_other_than_the_declared_one_is_an_error_naming_the_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("3,1,a\n1,0\n2,0\n", 3, 2, 3),
        ("2,1,a\n1,0\n2,0\n3,0\n", 4, 3, 2),
        ("2,1,a\n", 1, 0, 2),
    ];
    for (text, last_line, found, expected) in cases {
        let (path, result) = read_text(dir.path(), text);
        let error = result.unwrap_err();
        assert!(
            matches!(error, DataError::RowCountMismatch { last_line: l, found: f, expected: e, .. }
                if (l, f, e) == (last_line, found, expected)),
            "{text:?}: {error}"
        );
        assert_names(
            &error,
            &path,
            &format!("line {last_line} after {found} sample rows"),
        );
    }

    // a header-less file must hold the rows its layout declares: the digits' 1797
    let layout = SklearnDataSet::Digits.layout();
    let row = format!("{}7\n", "0,".repeat(64));
    let path = write(&dir.path().join("digits.csv"), row.repeat(5).as_bytes());
    let error = read_sklearn_csv(&path, &layout).unwrap_err();
    assert!(
        matches!(
            error,
            DataError::RowCountMismatch {
                last_line: 5,
                found: 5,
                expected: 1797,
                ..
            }
        ),
        "{error}"
    );
    assert_names(&error, &path, "expected 1797");
}

/// An empty file, raw or gzipped, or one of white space only, is an error naming it.
#[test]
fn an_empty_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        write(&dir.path().join("empty.csv"), b""),
        write(&dir.path().join("blank.csv"), b"\n  \r\n"),
        write(&dir.path().join("empty.csv.gz"), &gzip(b"")),
    ];
    for path in &files {
        for layout in [CsvLayout::Header, SklearnDataSet::Digits.layout()] {
            let error = read_sklearn_csv(path, &layout).unwrap_err();
            assert!(matches!(error, DataError::EmptyFile { .. }), "{error}");
            assert_names(&error, path, "empty file");
        }
    }
}

/// A header without two positive counts and at least one non-empty class name is an error
/// naming line 1; so is reading a header-less file as one with a header.
#[test]
fn a_malformed_header_is_an_error_naming_line_1() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("0,2,a,b\n", "n_samples is 0"),
        ("1,0,a,b\n0\n", "n_features is 0"),
        (
            "x,2,a,b\n1,2,0\n",
            "n_samples 'x' is not a positive integer",
        ),
        (
            "1,-2,a,b\n1,2,0\n",
            "n_features '-2' is not a positive integer",
        ),
        ("1,2\n1,2,0\n", "2 fields"),
        ("1,2,a,,c\n1,2,0\n", "class name 1 (column 4) is empty"),
        ("0,0,5,13,9,1,0\n0,0,1,2,3,4,1\n", "n_samples is 0"),
    ];
    for (text, reason) in cases {
        let (path, result) = read_text(dir.path(), text);
        let error = result.unwrap_err();
        assert!(
            matches!(error, DataError::BadCsvHeader { .. }),
            "{text:?}: {error}"
        );
        assert_names(&error, &path, "line 1: malformed header");
        assert_names(&error, &path, reason);
    }
}

/// A set whose file is absent (raw and gzipped) is an error that names the file and says
/// how to fetch it.
#[test]
fn a_missing_file_is_an_error_that_names_it_and_says_how_to_fetch_it() {
    let root = tempfile::tempdir().unwrap();
    for set in SklearnDataSet::ALL {
        let error = load_sklearn(set, root.path()).unwrap_err();
        assert!(matches!(error, DataError::Missing { .. }), "{error}");
        let expected = root.path().join("sklearn").join(set.file_name());
        assert_names(&error, &expected, "scripts/fetch-data.sh");
    }
}

/// A well-formed file of another shape than its set's is an error naming the set; a file
/// of the right shape is found under its `.gz` name too and comes back standardised.
#[test]
fn a_well_formed_file_of_the_wrong_shape_is_an_error_naming_the_set() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sklearn");
    std::fs::create_dir_all(&dir).unwrap();
    let path = write(
        &dir.join("iris.csv"),
        b"3,4,setosa,versicolor,virginica\n1,2,3,4,0\n5,6,7,8,1\n9,10,11,12,2\n",
    );
    let error = load_sklearn(SklearnDataSet::Iris, root.path()).unwrap_err();
    assert!(
        matches!(
            error,
            DataError::UnexpectedShape {
                set: "iris",
                found: (3, 4, 3),
                expected: (150, 4, 3),
                ..
            }
        ),
        "{error}"
    );
    assert_names(&error, &path, "but iris has 150 samples");

    // the right shape, gzipped: 150 rows of 4 features, 50 of each class
    std::fs::remove_file(&path).unwrap();
    let mut text = String::from("150,4,setosa,versicolor,virginica\n");
    for i in 0..150 {
        text += &format!("{i},{},0.5,{},{}\n", i % 7, i * i, i / 50);
    }
    write(&dir.join("iris.csv.gz"), &gzip(text.as_bytes()));
    let data = load_sklearn(SklearnDataSet::Iris, root.path()).unwrap();
    assert_eq!(data.name, "iris");
    assert_eq!(class_counts(&data), [50, 50, 50]);
    assert!(column(&data, 2).iter().all(|&x| x == 0.0));
}

/// Standardisation gives each column mean 0 and population standard deviation 1, turns a
/// constant column into exact zeros, and leaves the labels alone.
///
/// Golden values: the column 1, 2, 3 has mean 2 and population variance 2/3, so it becomes
/// `∓sqrt(3/2)` and 0, with `sqrt(3/2) = 1.224744871391589...` (exact arithmetic). The
/// column 0.1, 0.1, 0.1 sums to 0.30000000000000004 in f64, whose third is not 0.1: only the
/// exact-equality check gives zeros there.
#[test]
fn standardise_centres_and_scales_each_column_and_zeroes_constant_ones() {
    let mut data = TabularData {
        name: "tiny".into(),
        n_samples: 3,
        n_features: 3,
        features: vec![1.0, 0.1, -5.0, 2.0, 0.1, 0.0, 3.0, 0.1, 1e3],
        labels: vec![0, 1, 0],
        class_names: vec!["a".into(), "b".into()],
    };
    data.standardise();
    let root = 1.224_744_871_391_589;
    for (got, want) in column(&data, 0).iter().zip([-root, 0.0, root]) {
        assert!(close(*got, want, F64_SAME_MATH), "{got} vs {want}");
    }
    // exact on purpose: a constant column must become exact zeros
    assert_eq!(column(&data, 1), [0.0, 0.0, 0.0]);
    let (mean, std) = mean_std(&column(&data, 2));
    assert!(close(mean, 0.0, F64_VS_EXACT), "mean {mean}");
    assert!(close(std, 1.0, F64_VS_EXACT), "std {std}");
    assert_eq!(data.labels, [0, 1, 0]);
}

/// Each set's name parses back to the set and displays as itself; an unknown name is an
/// error listing the known ones.
#[test]
fn data_set_names_parse_and_display_as_given() {
    let names = ["breast-cancer", "iris", "wine", "digits"];
    for (set, name) in SklearnDataSet::ALL.into_iter().zip(names) {
        assert_eq!(set.name(), name);
        assert_eq!(set.to_string(), name);
        assert_eq!(name.parse::<SklearnDataSet>(), Ok(set));
    }
    let error = "mnist".parse::<SklearnDataSet>().unwrap_err();
    assert_eq!(error, UnknownSklearnDataSet("mnist".to_string()));
    let message = error.to_string();
    assert!(names.iter().all(|name| message.contains(name)), "{message}");
}
