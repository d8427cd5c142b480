//! The IDX reader and the image data sets.
//!
//! The small files are written here byte by byte, independently of the library's writer, so
//! that a wrong reading of the format cannot hide behind a matching wrong writing. The tests
//! on the real files run only when `scripts/fetch-data.sh` has put them in the data
//! directory, and say so when they skip.
#![cfg(feature = "data")]

use std::io::Write;
use std::path::{Path, PathBuf};

use alrao::data::idx::{write_idx_images, write_idx_labels, Encoding};
use alrao::data::images::{pixel_moments, UnknownImageDataSet};
use alrao::data::{
    data_dir, load_image_splits, read_idx_images, read_idx_labels, DataError, IdxImages,
    ImageDataSet,
};
use alrao::tolerance::{close, F32_SAME_MATH, F64_SAME_MATH};
use flate2::write::GzEncoder;
use flate2::Compression;

/// IDX bytes written by hand: big-endian magic, big-endian `u32` dimensions, data.
fn idx_bytes(magic: u32, dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut bytes = magic.to_be_bytes().to_vec();
    for d in dims {
        bytes.extend_from_slice(&d.to_be_bytes());
    }
    bytes.extend_from_slice(data);
    bytes
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    std::fs::write(path, bytes).unwrap();
    path.to_path_buf()
}

/// Three 2x3 images whose pixels are 0, 10, 20, ... so that each byte says where it is.
fn three_images() -> (Vec<u8>, IdxImages) {
    let pixels: Vec<u8> = (0..18).map(|k| 10 * k).collect();
    let bytes = idx_bytes(0x0803, &[3, 2, 3], &pixels);
    let images = IdxImages {
        n: 3,
        rows: 2,
        cols: 3,
        pixels,
    };
    (bytes, images)
}

#[test]
fn raw_idx_files_read_back_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, expected) = three_images();
    let images_path = write(&dir.path().join("images"), &bytes);
    let labels_path = write(
        &dir.path().join("labels"),
        &idx_bytes(0x0801, &[3], &[7, 0, 9]),
    );

    let images = read_idx_images(&images_path).unwrap();
    assert_eq!(images, expected);
    assert_eq!(images.image(1), &[60, 70, 80, 90, 100, 110]);
    assert_eq!(read_idx_labels(&labels_path).unwrap(), vec![7, 0, 9]);
}

#[test]
fn gzip_is_recognised_by_its_magic_bytes_not_by_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, expected) = three_images();
    let labels = idx_bytes(0x0801, &[3], &[7, 0, 9]);

    // gzipped content under a plain name, and raw content under a .gz name
    let gz_no_suffix = write(&dir.path().join("images"), &gzip(&bytes));
    let raw_gz_suffix = write(&dir.path().join("images.gz"), &bytes);
    let gz_labels = write(&dir.path().join("labels.gz"), &gzip(&labels));

    assert_eq!(read_idx_images(&gz_no_suffix).unwrap(), expected);
    assert_eq!(read_idx_images(&raw_gz_suffix).unwrap(), expected);
    assert_eq!(read_idx_labels(&gz_labels).unwrap(), vec![7, 0, 9]);
}

#[test]
fn the_library_writer_round_trips_raw_and_gzipped_including_empty_files() {
    let dir = tempfile::tempdir().unwrap();
    let shapes = [(0, 28, 28), (1, 1, 1), (5, 4, 7), (2, 28, 28)];
    for (n, rows, cols) in shapes {
        // a deterministic pattern that uses all byte values
        let pixels: Vec<u8> = (0..n * rows * cols).map(|k| (k * 37 % 256) as u8).collect();
        let images = IdxImages {
            n,
            rows,
            cols,
            pixels,
        };
        let labels: Vec<u8> = (0..n).map(|k| (k % 10) as u8).collect();
        for encoding in [Encoding::Raw, Encoding::Gzip] {
            let images_path = dir.path().join(format!("i-{n}-{rows}-{cols}-{encoding:?}"));
            let labels_path = dir.path().join(format!("l-{n}-{encoding:?}"));
            write_idx_images(&images_path, &images, encoding).unwrap();
            write_idx_labels(&labels_path, &labels, encoding).unwrap();
            assert_eq!(read_idx_images(&images_path).unwrap(), images);
            assert_eq!(read_idx_labels(&labels_path).unwrap(), labels);
        }
        // the raw encoding is exactly the format written by hand
        let raw = dir.path().join("raw");
        write_idx_images(&raw, &images, Encoding::Raw).unwrap();
        let dims = [n as u32, rows as u32, cols as u32];
        assert_eq!(
            std::fs::read(&raw).unwrap(),
            idx_bytes(0x0803, &dims, &images.pixels)
        );
    }
}

/// Asserts that the error's message names the file.
fn assert_names(error: &DataError, path: &Path) {
    let message = error.to_string();
    let name = path.display().to_string();
    assert!(
        message.contains(&name),
        "message {message:?} does not name {name}"
    );
}

#[test]
fn a_wrong_magic_number_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();

    // a label file read as images, and an image file read as labels
    let labels = write(
        &dir.path().join("labels"),
        &idx_bytes(0x0801, &[2], &[1, 2]),
    );
    let error = read_idx_images(&labels).unwrap_err();
    assert!(matches!(
        error,
        DataError::BadMagic {
            found: 0x0801,
            expected: 0x0803,
            ..
        }
    ));
    assert_names(&error, &labels);
    let (bytes, _) = three_images();
    let images = write(&dir.path().join("images"), &bytes);
    let error = read_idx_labels(&images).unwrap_err();
    assert!(matches!(error, DataError::BadMagic { found: 0x0803, .. }));
    assert_names(&error, &images);

    // 32-bit floats (type 0x0d) are not unsigned bytes; nor is a text file IDX at all
    let floats = write(
        &dir.path().join("floats"),
        &idx_bytes(0x0d03, &[0, 1, 1], &[]),
    );
    assert!(matches!(
        read_idx_images(&floats),
        Err(DataError::BadMagic { .. })
    ));
    let text = write(&dir.path().join("text.gz"), b"<html>not found</html>");
    let error = read_idx_images(&text).unwrap_err();
    assert!(matches!(error, DataError::BadMagic { .. }));
    assert_names(&error, &text);
}

#[test]
fn a_truncated_or_overlong_file_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, _) = three_images();

    // one data byte short: 16 header bytes + 18 pixels promised, 33 present
    let short = write(&dir.path().join("short"), &bytes[..bytes.len() - 1]);
    let error = read_idx_images(&short).unwrap_err();
    assert!(matches!(
        error,
        DataError::Truncated {
            expected_bytes: 34,
            got_bytes: 33,
            ..
        }
    ));
    assert_names(&error, &short);

    // cut inside the header, and inside the magic number
    let header = write(&dir.path().join("header"), &bytes[..10]);
    assert!(matches!(
        read_idx_images(&header),
        Err(DataError::Truncated {
            expected_bytes: 16,
            got_bytes: 10,
            ..
        })
    ));
    let magic = write(&dir.path().join("magic"), &bytes[..3]);
    assert!(matches!(
        read_idx_images(&magic),
        Err(DataError::Truncated { .. })
    ));
    let empty = write(&dir.path().join("empty"), &[]);
    assert!(matches!(
        read_idx_labels(&empty),
        Err(DataError::Truncated { .. })
    ));

    // the same checks hold after decompression
    let short_gz = write(&dir.path().join("short.gz"), &gzip(&bytes[..20]));
    let error = read_idx_images(&short_gz).unwrap_err();
    assert!(matches!(error, DataError::Truncated { got_bytes: 20, .. }));
    assert_names(&error, &short_gz);

    // a gzip stream cut short does not decompress
    let compressed = gzip(&bytes);
    let cut_gz = write(
        &dir.path().join("cut.gz"),
        &compressed[..compressed.len() / 2],
    );
    let error = read_idx_images(&cut_gz).unwrap_err();
    assert!(matches!(error, DataError::Gzip { .. }));
    assert_names(&error, &cut_gz);

    // one byte too many
    let mut long_bytes = bytes.clone();
    long_bytes.push(0);
    let long = write(&dir.path().join("long"), &long_bytes);
    let error = read_idx_images(&long).unwrap_err();
    assert!(matches!(
        error,
        DataError::TrailingBytes {
            expected_bytes: 34,
            got_bytes: 35,
            ..
        }
    ));
    assert_names(&error, &long);

    // a file that does not exist
    let absent = dir.path().join("absent");
    let error = read_idx_images(&absent).unwrap_err();
    assert!(matches!(error, DataError::Io { .. }));
    assert_names(&error, &absent);
}

/// Writes a synthetic image set under `root/<set.subdir()>`: train and test images of
/// `rows x cols` with the given pixels and labels, the train files gzipped and the test files
/// raw, as the two forms occur in the real layouts.
fn write_set(
    root: &Path,
    set: ImageDataSet,
    (rows, cols): (u32, u32),
    train: (&[u8], &[u8]),
    test: (&[u8], &[u8]),
) -> PathBuf {
    let dir = root.join(set.subdir());
    std::fs::create_dir_all(&dir).unwrap();
    let count = |pixels: &[u8]| (pixels.len() / (rows * cols) as usize) as u32;
    let files = [
        (
            "train-images-idx3-ubyte.gz",
            0x0803,
            vec![count(train.0), rows, cols],
            train.0,
        ),
        (
            "train-labels-idx1-ubyte.gz",
            0x0801,
            vec![train.1.len() as u32],
            train.1,
        ),
        (
            "t10k-images-idx3-ubyte",
            0x0803,
            vec![count(test.0), rows, cols],
            test.0,
        ),
        (
            "t10k-labels-idx1-ubyte",
            0x0801,
            vec![test.1.len() as u32],
            test.1,
        ),
    ];
    for (name, magic, dims, data) in files {
        let bytes = idx_bytes(magic, &dims, data);
        let bytes = if name.ends_with(".gz") {
            gzip(&bytes)
        } else {
            bytes
        };
        write(&dir.join(name), &bytes);
    }
    dir
}

#[test]
fn an_image_label_count_mismatch_is_an_error_naming_both_files() {
    let root = tempfile::tempdir().unwrap();
    let pixels: Vec<u8> = (0..5 * 4).map(|k| k as u8).collect();
    let dir = write_set(
        root.path(),
        ImageDataSet::Mnist,
        (2, 2),
        (&pixels, &[0, 1, 2, 3]),
        (&pixels[..8], &[0, 1]),
    );
    let error = load_image_splits(root.path(), ImageDataSet::Mnist, 1).unwrap_err();
    assert!(matches!(
        error,
        DataError::CountMismatch {
            images: 5,
            labels: 4,
            ..
        }
    ));
    assert_names(&error, &dir.join("train-images-idx3-ubyte.gz"));
    assert_names(&error, &dir.join("train-labels-idx1-ubyte.gz"));
}

#[test]
fn a_missing_file_is_an_error_that_names_it_and_says_how_to_fetch_it() {
    let root = tempfile::tempdir().unwrap();
    let error = load_image_splits(root.path(), ImageDataSet::FashionMnist, 0).unwrap_err();
    assert!(matches!(error, DataError::Missing { .. }));
    let expected = root
        .path()
        .join("fashion-mnist")
        .join("train-images-idx3-ubyte");
    assert_names(&error, &expected);
    assert!(error.to_string().contains("scripts/fetch-data.sh"));
}

#[test]
fn bad_labels_shapes_and_split_sizes_are_errors_naming_the_file() {
    let root = tempfile::tempdir().unwrap();
    let pixels: Vec<u8> = (0..3 * 4).map(|k| 20 * k as u8).collect();

    // a label of 10 in a 10-class set
    let dir = write_set(
        root.path(),
        ImageDataSet::Mnist,
        (2, 2),
        (&pixels, &[0, 10, 2]),
        (&pixels, &[0, 1, 2]),
    );
    let error = load_image_splits(root.path(), ImageDataSet::Mnist, 1).unwrap_err();
    assert!(matches!(
        error,
        DataError::LabelOutOfRange {
            index: 1,
            label: 10,
            n_classes: 10,
            ..
        }
    ));
    assert_names(&error, &dir.join("train-labels-idx1-ubyte.gz"));

    // validation may take all training images but one
    write_set(
        root.path(),
        ImageDataSet::Mnist,
        (2, 2),
        (&pixels, &[0, 1, 2]),
        (&pixels, &[0, 1, 2]),
    );
    assert_eq!(
        load_image_splits(root.path(), ImageDataSet::Mnist, 2)
            .unwrap()
            .train
            .n,
        1
    );
    let error = load_image_splits(root.path(), ImageDataSet::Mnist, 3).unwrap_err();
    assert!(matches!(
        error,
        DataError::ValidationTooLarge {
            n_valid: 3,
            n_train: 3,
            ..
        }
    ));
    assert_names(&error, &dir.join("train-images-idx3-ubyte.gz"));

    // train images of 2x2 and test images of 1x4
    let test_dir = root.path().join("mnist");
    let test_images = idx_bytes(0x0803, &[3, 1, 4], &pixels);
    write(&test_dir.join("t10k-images-idx3-ubyte"), &test_images);
    let error = load_image_splits(root.path(), ImageDataSet::Mnist, 1).unwrap_err();
    assert!(matches!(
        error,
        DataError::ShapeMismatch {
            train_shape: (2, 2),
            test_shape: (1, 4),
            ..
        }
    ));
    assert_names(&error, &test_dir.join("t10k-images-idx3-ubyte"));

    // every training pixel alike
    let flat = [128u8; 12];
    let dir = write_set(
        root.path(),
        ImageDataSet::FashionMnist,
        (2, 2),
        (&flat, &[0, 1, 2]),
        (&pixels, &[0, 1, 2]),
    );
    let error = load_image_splits(root.path(), ImageDataSet::FashionMnist, 1).unwrap_err();
    assert!(matches!(error, DataError::ConstantPixels { .. }));
    assert_names(&error, &dir.join("train-images-idx3-ubyte.gz"));
}

/// Mean and population standard deviation, computed the plain way for comparison.
fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, variance.sqrt())
}

#[test]
fn splits_take_the_last_training_images_for_validation_and_use_training_statistics() {
    let root = tempfile::tempdir().unwrap();
    let (rows, cols, n_total, n_test, n_valid) = (3u32, 2u32, 10usize, 4usize, 3usize);
    let dim = (rows * cols) as usize;

    // pixels that differ between the training and validation parts, so that statistics
    // taken over both would differ from those of the training part alone
    let train_pixels: Vec<u8> = (0..n_total * dim)
        .map(|k| {
            if k < (n_total - n_valid) * dim {
                (k * 7 % 200) as u8
            } else {
                255
            }
        })
        .collect();
    let train_labels: Vec<u8> = (0..n_total).map(|k| (k % 10) as u8).collect();
    let test_pixels: Vec<u8> = (0..n_test * dim).map(|k| (k * 13 % 256) as u8).collect();
    let test_labels: Vec<u8> = vec![3, 1, 4, 1];
    write_set(
        root.path(),
        ImageDataSet::Mnist,
        (rows, cols),
        (&train_pixels, &train_labels),
        (&test_pixels, &test_labels),
    );

    let splits = load_image_splits(root.path(), ImageDataSet::Mnist, n_valid).unwrap();

    // sizes and labels: validation is the last n_valid training examples, in order
    let n_train = n_total - n_valid;
    for (split, n) in [
        (&splits.train, n_train),
        (&splits.valid, n_valid),
        (&splits.test, 4),
    ] {
        assert_eq!((split.n, split.dim, split.n_classes), (n, dim, 10));
        assert_eq!(split.images.len(), n * dim);
        assert_eq!(split.labels.len(), n);
    }
    let as_u32 = |labels: &[u8]| labels.iter().map(|&l| u32::from(l)).collect::<Vec<_>>();
    assert_eq!(splits.train.labels, as_u32(&train_labels[..n_train]));
    assert_eq!(splits.valid.labels, as_u32(&train_labels[n_train..]));
    assert_eq!(splits.test.labels, as_u32(&test_labels));

    // the training split is standardised: mean 0 and standard deviation 1
    let train: Vec<f64> = splits.train.images.iter().map(|&x| f64::from(x)).collect();
    let (mean, std) = mean_std(&train);
    assert!(close(mean, 0.0, F32_SAME_MATH), "train mean {mean}");
    assert!(close(std, 1.0, F32_SAME_MATH), "train std {std}");

    // every split uses the statistics of the training part alone, on pixels / 255
    let scaled: Vec<f64> = train_pixels[..n_train * dim]
        .iter()
        .map(|&p| f64::from(p) / 255.0)
        .collect();
    let (mu, sigma) = mean_std(&scaled);
    let moments = pixel_moments(&train_pixels[..n_train * dim]);
    assert!(close(moments.mean, mu, F64_SAME_MATH));
    assert!(close(moments.std, sigma, F64_SAME_MATH));
    let expected = |p: u8| (f64::from(p) / 255.0 - mu) / sigma;
    let parts = [
        (&splits.train.images, &train_pixels[..n_train * dim]),
        (&splits.valid.images, &train_pixels[n_train * dim..]),
        (&splits.test.images, &test_pixels[..]),
    ];
    for (images, pixels) in parts {
        for (&x, &p) in images.iter().zip(pixels) {
            assert!(
                close(f64::from(x), expected(p), F32_SAME_MATH),
                "{x} for byte {p}"
            );
        }
    }
    assert_eq!(splits.valid.image(0).len(), dim);
}

#[test]
fn data_set_names_parse_and_display_as_the_subdirectories() {
    for set in ImageDataSet::ALL {
        assert_eq!(set.to_string().parse::<ImageDataSet>(), Ok(set));
        assert_eq!(set.subdir(), set.to_string());
    }
    assert_eq!("fashion-mnist".parse(), Ok(ImageDataSet::FashionMnist));
    assert_eq!("mnist".parse(), Ok(ImageDataSet::Mnist));
    assert_eq!(
        "cifar10".parse::<ImageDataSet>(),
        Err(UnknownImageDataSet("cifar10".to_string()))
    );
}

/// Checks one real set if `scripts/fetch-data.sh` has fetched it; says so and passes if not.
///
/// `moments` are the mean and standard deviation of the training pixels / 255 over all
/// 60,000 images, as computed by this Python over the same files:
/// `h = Counter(pixels); m = Σ h[v] v/255 / n; s = sqrt(Σ h[v] (v/255 − m)² / n)`.
/// Rounded to four digits they are the normalisation constants quoted for these sets
/// (MNIST 0.1307 / 0.3081, Fashion-MNIST 0.2860 / 0.3530).
fn check_real_set(set: ImageDataSet, moments: (f64, f64), balanced: bool) {
    let root = data_dir();
    let dir = root.join(set.subdir());
    if !dir.is_dir() {
        eprintln!(
            "skipping the real-data check of {set}: {} is absent",
            dir.display()
        );
        eprintln!("(run scripts/fetch-data.sh to fetch it)");
        return;
    }

    // the raw files, read from whichever form is present
    let file = |name: &str| {
        let raw = dir.join(name);
        if raw.is_file() {
            raw
        } else {
            dir.join(format!("{name}.gz"))
        }
    };
    let train = read_idx_images(&file("train-images-idx3-ubyte")).unwrap();
    assert_eq!((train.n, train.rows, train.cols), (60_000, 28, 28));
    let train_labels = read_idx_labels(&file("train-labels-idx1-ubyte")).unwrap();
    assert_eq!(train_labels.len(), 60_000);
    let got = pixel_moments(&train.pixels);
    assert!(
        close(got.mean, moments.0, F64_SAME_MATH),
        "{set} mean {}",
        got.mean
    );
    assert!(
        close(got.std, moments.1, F64_SAME_MATH),
        "{set} std {}",
        got.std
    );
    if balanced {
        // Fashion-MNIST has exactly 6,000 training images of each class
        let mut counts = [0usize; 10];
        train_labels
            .iter()
            .for_each(|&l| counts[usize::from(l)] += 1);
        assert_eq!(counts, [6_000; 10]);
    }
    drop(train);

    // the splits
    let splits = load_image_splits(&root, set, 5_000).unwrap();
    assert_eq!(
        (splits.train.n, splits.valid.n, splits.test.n),
        (55_000, 5_000, 10_000)
    );
    for split in [&splits.train, &splits.valid, &splits.test] {
        assert_eq!(split.dim, 28 * 28);
        assert_eq!(split.n_classes, 10);
        assert!(split.labels.iter().all(|&l| l < 10));
        assert!(split.images.iter().all(|x| x.is_finite()));
    }
    let train: Vec<f64> = splits.train.images.iter().map(|&x| f64::from(x)).collect();
    let (mean, std) = mean_std(&train);
    assert!(
        close(mean, 0.0, F32_SAME_MATH),
        "{set} standardised mean {mean}"
    );
    assert!(
        close(std, 1.0, F32_SAME_MATH),
        "{set} standardised std {std}"
    );
}

#[test]
fn real_fashion_mnist_has_the_published_counts_shapes_and_moments() {
    check_real_set(
        ImageDataSet::FashionMnist,
        (0.28604059698879547, 0.3530242445149224),
        true,
    );
}

#[test]
fn real_mnist_has_the_published_counts_shapes_and_moments() {
    check_real_set(
        ImageDataSet::Mnist,
        (0.13066047627384292, 0.30810780385646286),
        false,
    );
}
